/**
 * Reads synthesized stacks (`cdktf.out/manifest.json` and each `cdk.tf.json`) into the
 * preflight's stack model. Reads the JSON Terraform will see, so escape hatches and
 * overrides are included.
 */
import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { awsProviderInfo, isRecord, Json, literalString, RemoteState, TfResource, TfStack } from './tf';

/** No synthesized output where the preflight looked. */
export class MissingInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MissingInputError';
  }
}

const CROSS_STACK_PREFIX = 'cross-stack-reference-input-';

/** Every stack of a synthesized output folder, in manifest order. */
export function readSynthesized(outdir: string): TfStack[] {
  const manifestFile = path.join(outdir, 'manifest.json');
  if (!existsSync(manifestFile)) {
    throw new MissingInputError(`No synthesized stacks in ${outdir}: run \`npm run synth\` first (or set CDKTF_OUTDIR, or pass a \`terraform show -json\` plan file).`);
  }
  const manifest = JSON.parse(readFileSync(manifestFile, 'utf8')) as { stacks?: Record<string, { synthesizedStackPath?: string }> };
  return Object.entries(manifest.stacks ?? {}).map(([name, entry]) => {
    const file = path.join(outdir, entry.synthesizedStackPath ?? path.join('stacks', name, 'cdk.tf.json'));
    return stackFromJson(name, JSON.parse(readFileSync(file, 'utf8')) as Json);
  });
}

/** One stack from its Terraform JSON document (`cdk.tf.json`). */
export function stackFromJson(name: string, json: Json): TfStack {
  const resources: TfResource[] = [];
  for (const [mode, key] of [['managed', 'resource'], ['data', 'data']] as const) {
    const byType = json[key];
    if (!isRecord(byType)) continue;
    for (const [type, byName] of Object.entries(byType)) {
      if (!isRecord(byName)) continue;
      for (const [resourceName, values] of Object.entries(byName)) {
        if (!isRecord(values)) continue;
        const meta = isRecord(values['//']) && isRecord(values['//'].metadata) ? values['//'].metadata : undefined;
        resources.push({
          stack: name,
          type,
          name: resourceName,
          address: `${mode === 'data' ? 'data.' : ''}${type}.${resourceName}`,
          mode,
          constructPath: literalString(meta?.path),
          values,
        });
      }
    }
  }
  const outputs: Record<string, unknown> = {};
  if (isRecord(json.output)) {
    for (const [key, output] of Object.entries(json.output)) if (isRecord(output)) outputs[key] = output.value;
  }
  const remoteStates: Record<string, RemoteState> = {};
  const remote = isRecord(json.data) ? json.data.terraform_remote_state : undefined;
  if (isRecord(remote)) {
    for (const [key, value] of Object.entries(remote)) remoteStates[key] = { producer: producerOf(key, value) };
  }
  const info = awsProviderInfo(json.provider);
  return {
    name,
    environment: info.environment,
    region: info.region,
    account: info.account,
    resources,
    outputs,
    locals: isRecord(json.locals) ? json.locals : {},
    remoteStates,
    providers: isRecord(json.provider) ? json.provider : {},
    backend: isRecord(json.terraform) && isRecord(json.terraform.backend) ? json.terraform.backend : {},
  };
}

/** The stack a remote state reads: cdktf names it `cross-stack-reference-input-<stack>`, and its key is `<env>/<stack>.tfstate`. */
export function producerOf(name: string, value: unknown): string | undefined {
  if (name.startsWith(CROSS_STACK_PREFIX)) return name.slice(CROSS_STACK_PREFIX.length);
  const config = isRecord(value) && isRecord(value.config) ? value.config : undefined;
  const key = literalString(config?.key) ?? literalString(config?.path);
  return key ? path.basename(key).replace(/\.tfstate$/, '') : undefined;
}

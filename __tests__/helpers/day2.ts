/**
 * Day-2 plans without AWS: what Terraform would do to an applied stack when the
 * configuration changes.
 *
 * 1. The applied base version: in the offline copy of the base version of a stack
 *    (lib/terraform/offline.ts: local backend, placeholder remote state), `terraform test`
 *    (Terraform >= 1.7) applies the stack with `mock_provider "aws"`: a complete,
 *    self-consistent state, every computed attribute filled and every reference between
 *    resources resolved, which a state built by hand from a plan could only approximate.
 *    `terraform test -json -verbose` prints that state (as `terraform show -json` would); it
 *    is written out as a state file (format 4).
 * 2. Each version (the base itself as a control, then every changed one) is planned by the
 *    REAL provider against that state: `terraform plan -refresh=false` in the version's own
 *    offline copy, whose local backend holds the state, then `terraform show -json`, whose
 *    `resource_changes[].change.actions` are returned. The real provider matters: a mock
 *    provider plans without the provider's own diff logic (ForceNew, CustomizeDiff), so a
 *    plan with `mock_provider` never shows a replacement at all.
 *
 * 3. Before that, the mock state gets the provider's own values (defaults the configuration
 *    leaves out) from the real provider's create plan of the base: see withProviderValues.
 *
 * Mock values: the provider validates ARN arguments, and a generated random string in a
 * resource's `arn` fed to another's ARN argument fails that; so every resource type with an
 * `arn` attribute gets a well-formed default ARN (types read from the provider schema).
 */
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { prepareOfflineCopy, run, terraformEnv } from '../../lib/terraform/offline';

export interface Version {
  readonly name: string;
  /** A synthesized output folder (cdktf.out). */
  readonly outdir: string;
}

export interface ResourceChange {
  readonly address: string;
  readonly type: string;
  readonly actions: string[];
  /** Attribute paths that force the replacement, when replaced. */
  readonly replacePaths?: unknown[];
}

export interface StackDay2 {
  readonly stack: string;
  /**
   * Resource changes by version name: `base` (the base planned against its own applied state:
   * a control) and each variant whose copy of the stack differs from the base.
   */
  readonly plans: Record<string, ResourceChange[]>;
}

type Schema = { provider_schemas: Record<string, { resource_schemas: Record<string, { block: { attributes?: Record<string, unknown> } }> }> };

let arnTypes: Set<string> | undefined;

/** Resource types of the AWS provider with an `arn` attribute (one `providers schema` per process). */
async function typesWithArn(workdir: string): Promise<Set<string>> {
  if (arnTypes) return arnTypes;
  const result = await run('terraform', ['providers', 'schema', '-json'], workdir, terraformEnv());
  if (result.code !== 0) throw new Error(`terraform providers schema failed: ${result.stderr}`);
  const schema = JSON.parse(result.stdout) as Schema;
  const aws = Object.entries(schema.provider_schemas).find(([name]) => name.endsWith('/hashicorp/aws'))![1];
  arnTypes = new Set(Object.entries(aws.resource_schemas).filter(([, s]) => s.block.attributes?.arn).map(([type]) => type));
  return arnTypes;
}

function stackJson(outdir: string, stack: string): string | undefined {
  const file = path.join(outdir, 'stacks', stack, 'cdk.tf.json');
  return existsSync(file) ? readFileSync(file, 'utf8') : undefined;
}

function resourceTypes(json: string): string[] {
  return Object.keys((JSON.parse(json) as { resource?: Record<string, unknown> }).resource ?? {});
}

function providerAliases(json: string): string[] {
  const providers = (JSON.parse(json) as { provider?: { aws?: Array<{ alias?: string }> } }).provider?.aws ?? [{}];
  return providers.map((p) => p.alias).filter((a): a is string => Boolean(a));
}

/**
 * Optional computed attributes the create plan leaves unknown and the provider forces a new
 * resource for when they change: the mock's random string would read as such a change, so
 * they get the value AWS returns.
 */
const MOCK_DEFAULTS: Record<string, Record<string, string>> = {
  aws_lb_target_group: { protocol_version: 'HTTP1' },
};

/** A syntactically valid ARN for a mock resource of `type`. */
function mockArn(type: string): string {
  const service = type.replace(/^aws_/, '').split('_')[0];
  return `arn:aws:${service}:ap-northeast-2:123456789012:${type.replace(/^aws_/, '')}/mock-${type}`;
}

function testFile(types: readonly string[], withArn: ReadonlySet<string>, aliases: readonly string[]): string {
  const defaults = (t: string) => Object.entries({ ...(withArn.has(t) ? { arn: mockArn(t) } : {}), ...MOCK_DEFAULTS[t] }).map(([k, v]) => `${k} = ${JSON.stringify(v)}`);
  const mocks = types
    .filter((t) => defaults(t).length > 0)
    .map((t) => `  mock_resource "${t}" {\n    defaults = { ${defaults(t).join(', ')} }\n  }\n`)
    .join('');
  const providers = [undefined, ...aliases].map((alias) => `mock_provider "aws" {\n${alias ? `  alias = "${alias}"\n` : ''}${mocks}}\n`).join('\n');
  return `${providers}\nrun "base" {\n  command = apply\n}\n`;
}

interface StateResource {
  address: string;
  mode: string;
  type: string;
  name: string;
  index?: string | number;
  schema_version: number;
  values: Record<string, unknown>;
}

interface TestMessage {
  type: string;
  '@testrun'?: string;
  test_state?: { root_module?: { resources?: StateResource[] } };
  diagnostic?: { severity: string; summary: string; detail?: string };
}

const AWS = 'registry.terraform.io/hashicorp/aws';

/** The state printed by `terraform test -verbose`, as a state file (format 4) for `terraform plan`. */
function stateFile(resources: readonly StateResource[], stackJsonText: string, lineage: string): string {
  const config = JSON.parse(stackJsonText) as { resource?: Record<string, Record<string, { provider?: string }>> };
  const grouped = new Map<string, { mode: string; type: string; name: string; provider: string; instances: unknown[] }>();
  for (const r of resources.filter((x) => x.mode === 'managed')) {
    const key = `${r.type}.${r.name}`;
    if (!grouped.has(key)) {
      // A resource with `provider = "aws.<alias>"` belongs to that provider configuration.
      const alias = /^aws\.(.+)$/.exec(config.resource?.[r.type]?.[r.name]?.provider ?? '')?.[1];
      grouped.set(key, { mode: 'managed', type: r.type, name: r.name, provider: `provider["${AWS}"]${alias ? `.${alias}` : ''}`, instances: [] });
    }
    grouped.get(key)!.instances.push({ ...(r.index === undefined ? {} : { index_key: r.index }), schema_version: r.schema_version, attributes: r.values, sensitive_attributes: [] });
  }
  return JSON.stringify({ version: 4, terraform_version: '1.11.4', serial: 1, lineage, outputs: {}, resources: [...grouped.values()] });
}

function parseMessages(stdout: string): TestMessage[] {
  return stdout
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as TestMessage);
}

/** Applies the base copy of `stack` with the mock provider; returns the state as a state file. */
async function mockApply(stack: string, base: Version, workroot: string, types: Set<string>): Promise<string> {
  const baseJson = stackJson(base.outdir, stack)!;
  const workdir = prepareOfflineCopy(base.outdir, stack, path.join(workroot, 'apply'));
  const env = terraformEnv();
  const init = await run('terraform', ['init', '-input=false', '-no-color', ...lockArgs(workdir)], workdir, env);
  if (init.code !== 0) throw new Error(`${stack}: terraform init failed\n${init.stderr}`);
  const withArn = await typesWithArn(workdir);
  writeFileSync(path.join(workdir, 'day2.tftest.hcl'), testFile([...types].sort(), withArn, providerAliases(baseJson)));
  const test = await run('terraform', ['test', '-json', '-verbose', '-no-color'], workdir, env);
  const messages = parseMessages(test.stdout);
  const errors = messages.filter((m) => m.type === 'diagnostic' && m.diagnostic?.severity === 'error');
  const state = messages.find((m) => m.type === 'test_state' && m['@testrun'] === 'base')?.test_state;
  if (test.code !== 0 || errors.length > 0 || !state) {
    const detail = errors.map((m) => `${m.diagnostic!.summary}: ${m.diagnostic!.detail ?? ''}`).join('\n');
    throw new Error(`${stack}: mock apply (terraform test) failed (exit ${test.code})\n${detail || test.stderr || test.stdout.slice(-4000)}`);
  }
  return stateFile(state.root_module?.resources ?? [], baseJson, `day2-${stack}`);
}

function lockArgs(workdir: string): string[] {
  // With the stack's lock file (copied on synth), init may not change it.
  return existsSync(path.join(workdir, '.terraform.lock.hcl')) ? ['-lockfile=readonly'] : [];
}

interface PlanJson {
  resource_changes?: Array<{ address: string; type: string; change: { actions: string[]; after?: unknown; after_unknown?: unknown; replace_paths?: unknown[] } }>;
}

/**
 * Data sources that call AWS even with `-refresh=false` once what they read exists in the
 * state (the ECR lookup of a service's pushed tag): left out of the plans (`count = 0`, an
 * override file in the offline copy). Only `depends_on` refers to them, so what the plan
 * does to the resources is the same.
 */
const ONLINE_DATA_SOURCES = ['aws_ecr_image'];

function writeDataOverride(workdir: string): void {
  const json = JSON.parse(readFileSync(path.join(workdir, 'cdk.tf.json'), 'utf8')) as { data?: Record<string, Record<string, unknown>> };
  const data = Object.fromEntries(
    ONLINE_DATA_SOURCES.filter((t) => json.data?.[t]).map((t) => [t, Object.fromEntries(Object.keys(json.data![t]).map((name) => [name, { count: 0 }]))]),
  );
  if (Object.keys(data).length > 0) writeFileSync(path.join(workdir, 'zz_day2_override.tf.json'), JSON.stringify({ data }, null, 2));
}

/** Plans `version`'s copy of `stack` with the real provider against `state`, without refreshing. */
async function planAgainst(stack: string, version: Version, state: string | undefined, workdir: string): Promise<PlanJson> {
  if (!existsSync(workdir)) {
    prepareOfflineCopy(version.outdir, stack, path.dirname(workdir));
    writeDataOverride(workdir);
  }
  // The offline override's local backend reads this file (none: an empty state).
  if (state) writeFileSync(path.join(workdir, 'offline.tfstate'), state);
  else rmSync(path.join(workdir, 'offline.tfstate'), { force: true });
  const env = terraformEnv();
  const steps: Array<[string, string[]]> = [
    ['init', ['init', '-input=false', '-no-color', ...lockArgs(workdir)]],
    ['plan', ['plan', '-input=false', '-no-color', '-lock=false', '-refresh=false', '-out=day2.tfplan']],
    ['show', ['show', '-json', 'day2.tfplan']],
  ];
  let output = '';
  for (const [name, args] of steps) {
    const result = await run('terraform', args, workdir, env);
    if (result.code !== 0) throw new Error(`${stack} (${version.name}): terraform ${name} failed\n${result.stderr || result.stdout}`);
    output = result.stdout;
  }
  return JSON.parse(output) as PlanJson;
}

function changesOf(plan: PlanJson): ResourceChange[] {
  return (plan.resource_changes ?? []).map((c) => ({ address: c.address, type: c.type, actions: c.change.actions, replacePaths: c.change.replace_paths }));
}

/**
 * `after` where the plan knows it, `before` where the plan leaves it unknown (an id, an ARN):
 * the JSON plan leaves unknown attributes out of `after` and marks them in `after_unknown`.
 */
function mergeKnown(before: unknown, after: unknown, unknown: unknown): unknown {
  if (unknown === true) return before;
  if (Array.isArray(after)) return after.map((a, i) => mergeKnown(Array.isArray(before) ? before[i] : undefined, a, Array.isArray(unknown) ? unknown[i] : undefined));
  if (after && typeof after === 'object') {
    const b = (before && typeof before === 'object' ? before : {}) as Record<string, unknown>;
    const a = after as Record<string, unknown>;
    const u = (unknown && typeof unknown === 'object' ? unknown : {}) as Record<string, unknown>;
    const keys = new Set([...Object.keys(b), ...Object.keys(a), ...Object.keys(u)]);
    return Object.fromEntries([...keys].map((k) => [k, k in a ? mergeKnown(b[k], a[k], u[k]) : b[k]]));
  }
  return after;
}

/**
 * The mock apply stores what the configuration says, not what the provider would: an
 * attribute left out keeps null where the provider has a default (`scheduling_strategy`,
 * `instance_tenancy`, an IAM role's `path`), and an optional computed one gets a random
 * string (`name_prefix`), which the real provider then plans as a forced replacement. The
 * real provider's create plan of the base version knows those values: they replace the mock
 * ones, and the mock keeps only what a create plan leaves unknown (ids, ARNs, and the
 * references to them), so the state is what a real apply of the base would have left.
 */
function withProviderValues(state: string, plan: PlanJson): string {
  const parsed = JSON.parse(state) as { resources: Array<{ type: string; name: string; instances: Array<{ index_key?: unknown; attributes: unknown }> }> };
  const byAddress = new Map((plan.resource_changes ?? []).map((c) => [c.address, c.change]));
  for (const r of parsed.resources) {
    for (const instance of r.instances) {
      const index = instance.index_key === undefined ? '' : `[${JSON.stringify(instance.index_key)}]`;
      const change = byAddress.get(`${r.type}.${r.name}${index}`);
      if (change?.after && typeof change.after === 'object') instance.attributes = mergeKnown(instance.attributes, change.after, change.after_unknown);
    }
  }
  return JSON.stringify(parsed);
}

/**
 * Applies `base`'s copy of `stack` with the mock provider, then plans the base (control) and
 * each variant whose copy of the stack differs with the real provider against that state.
 */
export async function planDay2(stack: string, base: Version, variants: readonly Version[], workroot: string): Promise<StackDay2> {
  const baseJson = stackJson(base.outdir, stack);
  if (!baseJson) throw new Error(`${base.name} has no stack ${stack}`);
  const root = path.join(workroot, stack);
  const changed = variants.filter((v) => {
    const json = stackJson(v.outdir, stack);
    return json !== undefined && json !== baseJson;
  });
  const baseDir = path.join(root, base.name, stack);
  const create = await planAgainst(stack, base, undefined, baseDir);
  const state = withProviderValues(await mockApply(stack, base, root, new Set(resourceTypes(baseJson))), create);
  const plans: Record<string, ResourceChange[]> = {};
  for (const version of [base, ...changed]) plans[version.name] = changesOf(await planAgainst(stack, version, state, path.join(root, version.name, stack)));
  return { stack, plans };
}

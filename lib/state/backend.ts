/**
 * The remote state of synthesized stacks, as the wrapper scripts see it (`npm run
 * state:check`, `npm run state:migrate`):
 *  - the backend block of every stack and the `terraform_remote_state` copies of them,
 *  - the `-backend-config` arguments a user or CI adds at `terraform init`, and which of
 *    them would make a stack disagree with the copies other stacks read it through,
 *  - a real `terraform init` of a stack's backend alone (no providers: quick), whose
 *    failures are turned into actionable messages (missing bucket, wrong region, access).
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { pinnedAccountOf } from '../terraform/deploy-account';
import { CommandResult, listStacks, run, terraformEnv } from '../terraform/offline';

export type Json = Record<string, unknown>;

export interface StackBackend {
  readonly stack: string;
  /** Backend type: `s3` for every stack, `local` for the bootstrap before migration. */
  readonly type: string;
  readonly config: Json;
  /** The account its AWS provider is pinned to (`allowed_account_ids`); undefined: any. */
  readonly account?: string;
}

export interface RemoteStateRef {
  /** The stack that reads another stack's outputs. */
  readonly consumer: string;
  /** Name of the `terraform_remote_state` data source in the consumer. */
  readonly name: string;
  readonly backend: string;
  readonly config: Json;
  /** The stack whose state it reads, when the key names one (`<env>/<stack>.tfstate`). */
  readonly producer?: string;
}

interface StackJson {
  terraform?: { backend?: Record<string, Json> };
  provider?: unknown;
  data?: { terraform_remote_state?: Record<string, { backend: string; config: Json }> };
}

function readStackJson(outdir: string, stack: string): StackJson {
  return JSON.parse(readFileSync(path.join(outdir, 'stacks', stack, 'cdk.tf.json'), 'utf8')) as StackJson;
}

/** The backend block of every synthesized stack, in manifest order. */
export function stackBackends(outdir: string): StackBackend[] {
  return listStacks(outdir).map((stack) => {
    const json = readStackJson(outdir, stack);
    const [type, config] = Object.entries(json.terraform?.backend ?? { local: {} })[0];
    return { stack, type, config, account: pinnedAccountOf(json.provider) };
  });
}

/** Every `terraform_remote_state` of every stack, with the producer its key names. */
export function remoteStateRefs(outdir: string): RemoteStateRef[] {
  const stacks = listStacks(outdir);
  return stacks.flatMap((consumer) =>
    Object.entries(readStackJson(outdir, consumer).data?.terraform_remote_state ?? {}).map(([name, remote]) => {
      const base = path.posix.basename(String(remote.config.key ?? remote.config.path ?? '')).replace(/\.tfstate$/, '');
      return { consumer, name, backend: remote.backend, config: remote.config, producer: stacks.find((s) => s === base) };
    }),
  );
}

/**
 * Settings that decide *which* state object a backend reads and with which identity. A
 * `terraform_remote_state` copies them from the producer's synthesized backend, so changing
 * one only at `terraform init` makes the producer and its readers disagree (Terraform docs, "Backend configuration", partial configuration).
 */
export const LOCATION_KEYS = ['bucket', 'key', 'region', 'workspace_key_prefix', 'assume_role', 'role_arn', 'profile'] as const;

/** Settings compared between a producer's backend and the remote-state copies of it. */
const COMPARED_KEYS = ['bucket', 'key', 'region', 'workspace_key_prefix', 'assume_role', 'encrypt', 'kms_key_id', 'dynamodb_table'];

/**
 * Disagreements between producers' backends and the `terraform_remote_state` that read
 * them: one line per difference, empty when every reference is consistent.
 */
export function remoteStateMismatches(outdir: string): string[] {
  const backends = new Map(stackBackends(outdir).map((b) => [b.stack, b]));
  const problems: string[] = [];
  for (const ref of remoteStateRefs(outdir)) {
    const where = `${ref.consumer}: data.terraform_remote_state.${ref.name}`;
    const producer = ref.producer && backends.get(ref.producer);
    if (!producer) {
      problems.push(`${where} reads ${JSON.stringify(ref.config.key ?? ref.config.path)}, which is no stack of this app`);
      continue;
    }
    if (producer.type !== ref.backend) {
      problems.push(`${where} reads ${ref.producer} through the ${ref.backend} backend, but ${ref.producer} uses ${producer.type}`);
      continue;
    }
    for (const key of COMPARED_KEYS) {
      const mine = JSON.stringify(ref.config[key]);
      const theirs = JSON.stringify(producer.config[key]);
      if (mine !== theirs) problems.push(`${where}: ${key} is ${mine ?? 'unset'}, but ${ref.producer}'s backend has ${theirs ?? 'unset'}`);
    }
  }
  return problems;
}

export interface BackendConfigArgs {
  /** The arguments as given, for `terraform init`. */
  readonly args: string[];
  /** Top-level backend settings they set (from `key=value` and from files). */
  readonly keys: Set<string>;
  /** `endpoints = { s3 = ... }` (or the legacy `endpoint`), when one of them sets it. */
  readonly s3Endpoint?: string;
}

/**
 * Reads `-backend-config=key=value` and `-backend-config=file` arguments (also the two-word
 * form `-backend-config X`). Files are read for their top-level keys only.
 */
export function parseBackendConfigArgs(argv: readonly string[], cwd = process.cwd()): BackendConfigArgs {
  const args: string[] = [];
  const keys = new Set<string>();
  let s3Endpoint: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    let value: string | undefined;
    if (argv[i].startsWith('-backend-config=')) value = argv[i].slice('-backend-config='.length);
    else if (argv[i] === '-backend-config' && i + 1 < argv.length) value = argv[++i];
    else throw new Error(`unexpected argument ${JSON.stringify(argv[i])} (only -backend-config=... is passed to terraform init)`);
    const pair = /^([A-Za-z_][\w.]*)=(.*)$/s.exec(value);
    if (pair && !existsSync(path.resolve(cwd, value))) {
      keys.add(pair[1]);
      if (pair[1] === 'endpoint') s3Endpoint = unquote(pair[2]);
      const inline = /\bs3\s*=\s*"([^"]+)"/.exec(pair[2]);
      if (pair[1] === 'endpoints' && inline) s3Endpoint = inline[1];
      args.push(`-backend-config=${value}`);
    } else {
      const file = path.resolve(cwd, value);
      if (!existsSync(file)) throw new Error(`-backend-config file ${value} does not exist`);
      const parsed = topLevelKeys(readFileSync(file, 'utf8'));
      parsed.keys.forEach((k) => keys.add(k));
      s3Endpoint = parsed.s3Endpoint ?? s3Endpoint;
      args.push(`-backend-config=${file}`);
    }
  }
  return { args, keys, s3Endpoint };
}

function unquote(text: string): string {
  return text.trim().replace(/^"(.*)"$/, '$1');
}

/** Top-level attribute names of an HCL backend-config file, and its S3 endpoint if any. */
export function topLevelKeys(hcl: string): { keys: Set<string>; s3Endpoint?: string } {
  const keys = new Set<string>();
  let depth = 0;
  let block: string | undefined;
  let s3Endpoint: string | undefined;
  for (const raw of hcl.split('\n')) {
    const line = raw.replace(/(^|\s)(#|\/\/).*$/, '');
    const attr = /^\s*([A-Za-z_][\w-]*)\s*=\s*(.*)$/.exec(line);
    if (attr && depth === 0) {
      keys.add(attr[1]);
      block = attr[1];
      if (attr[1] === 'endpoint') s3Endpoint = unquote(attr[2]);
      const inline = /\bs3\s*=\s*"([^"]+)"/.exec(attr[2]);
      if (attr[1] === 'endpoints' && inline) s3Endpoint = inline[1];
    } else if (attr && depth > 0 && block === 'endpoints' && attr[1] === 's3') {
      s3Endpoint = unquote(attr[2]);
    }
    depth += (line.match(/[{[]/g) ?? []).length - (line.match(/[}\]]/g) ?? []).length;
  }
  return { keys, s3Endpoint };
}

/**
 * Stacks whose state other stacks read (producers) or that read others (consumers): an
 * init-time override of a location key splits them from the copies (Terraform docs, "Backend configuration", partial configuration).
 */
export function overrideConflicts(outdir: string, stacks: readonly string[], overridden: ReadonlySet<string>): string[] {
  const keys = LOCATION_KEYS.filter((k) => overridden.has(k));
  if (keys.length === 0) return [];
  const refs = remoteStateRefs(outdir);
  const problems: string[] = [];
  for (const stack of stacks) {
    const readers = [...new Set(refs.filter((r) => r.producer === stack).map((r) => r.consumer))];
    const reads = [...new Set(refs.filter((r) => r.consumer === stack && r.producer).map((r) => r.producer!))];
    if (readers.length > 0) {
      problems.push(
        `${stack}: -backend-config sets ${keys.join(', ')}, but ${readers.join(', ')} read${readers.length === 1 ? 's' : ''} ${stack}'s state through terraform_remote_state with the synthesized values, which an init option cannot change`,
      );
    }
    if (reads.length > 0) {
      problems.push(`${stack}: -backend-config sets ${keys.join(', ')} for this stack only; the state it reads from ${reads.join(', ')} keeps the synthesized location`);
    }
  }
  return problems;
}

export type BackendProblem = 'missing-bucket' | 'wrong-region' | 'access-denied' | 'no-credentials' | 'other';

export interface BackendCheck {
  readonly ok: boolean;
  readonly problem?: BackendProblem;
  /** The bucket's region, when S3 told it (wrong region). */
  readonly actualRegion?: string;
  readonly init: CommandResult;
}

/** Classifies the output of a failed `terraform init` of an S3 backend. */
export function classifyInitFailure(output: string): BackendProblem {
  if (/S3 bucket "[^"]*" does not exist|NoSuchBucket/.test(output)) return 'missing-bucket';
  if (/PermanentRedirect|StatusCode: 301|AuthorizationHeaderMalformed|IllegalLocationConstraint|wrong region|BucketRegionError/i.test(output)) return 'wrong-region';
  // Before "access denied": a missing credential chain also reports the metadata service's 403.
  if (/No valid credential sources found|failed to refresh cached credentials|NoCredentialProviders/i.test(output)) return 'no-credentials';
  if (/AccessDenied|StatusCode: 403|Forbidden|InvalidAccessKeyId|SignatureDoesNotMatch|ExpiredToken/.test(output)) return 'access-denied';
  return 'other';
}

/**
 * The region S3 reports for a bucket: an anonymous `HEAD /<bucket>` answers with the
 * `x-amz-bucket-region` header whether or not the caller may read the bucket (301 from
 * another region's endpoint, 403 or 200 from its own), and 404 when there is no such bucket.
 */
export async function probeBucketRegion(endpoint: string, bucket: string, timeoutMs = 5000): Promise<{ status: number; region?: string } | undefined> {
  try {
    const response = await fetch(`${endpoint.replace(/\/+$/, '')}/${encodeURIComponent(bucket)}`, {
      method: 'HEAD',
      redirect: 'manual',
      signal: AbortSignal.timeout(timeoutMs),
    });
    return { status: response.status, region: response.headers.get('x-amz-bucket-region') ?? undefined };
  } catch {
    return undefined;
  }
}

/** The S3 endpoint the backend talks to: the init options', the environment's, or AWS's regional one. */
export function s3EndpointFor(region: string, backendConfig: BackendConfigArgs, env: NodeJS.ProcessEnv = process.env): string {
  return backendConfig.s3Endpoint ?? env.AWS_ENDPOINT_URL_S3 ?? env.AWS_ENDPOINT_URL ?? `https://s3.${region}.amazonaws.com`;
}

/**
 * Runs `terraform init` on a folder holding only the stack's backend block (no providers, so
 * it is quick and works offline), with the user's `-backend-config` arguments. Terraform
 * lists the bucket's workspaces and reads the state key, which is what every later command
 * needs.
 */
export async function checkBackend(backend: StackBackend, backendConfig: BackendConfigArgs, env: NodeJS.ProcessEnv = terraformEnv()): Promise<BackendCheck> {
  const workdir = mkdtempSync(path.join(os.tmpdir(), `state-check-${backend.stack}-`));
  try {
    writeFileSync(path.join(workdir, 'backend.tf.json'), JSON.stringify({ terraform: { backend: { [backend.type]: backend.config } } }, null, 2));
    const init = await run('terraform', ['init', '-input=false', '-no-color', '-reconfigure', ...backendConfig.args], workdir, env);
    if (init.code === 0) return { ok: true, init };
    const problem = classifyInitFailure(`${init.stdout}\n${init.stderr}`);
    const region = String(backend.config.region ?? '');
    const bucket = String(backend.config.bucket ?? '');
    if (problem === 'missing-bucket' || problem === 'other') return { ok: false, problem, init };
    // The AWS SDK names the bucket's region when S3 sent it with the redirect.
    const told = /actual location "([a-z0-9-]+)"|expecting '([a-z0-9-]+)'/.exec(`${init.stdout}\n${init.stderr}`);
    if (told) return { ok: false, problem: 'wrong-region', actualRegion: told[1] ?? told[2], init };
    // A redirect or a refusal may both mean "another region": ask S3 where the bucket is.
    const probe = await probeBucketRegion(s3EndpointFor(region, backendConfig, env), bucket);
    if (probe?.status === 404) return { ok: false, problem: 'missing-bucket', init };
    if (probe?.region && probe.region !== region) return { ok: false, problem: 'wrong-region', actualRegion: probe.region, init };
    return { ok: false, problem, init };
  } finally {
    rmSync(workdir, { recursive: true, force: true });
  }
}

export interface MessageContext {
  /** The configuration file, as the user would type it. */
  readonly configFile: string;
  /** The stacks that share this backend location. */
  readonly stacks: readonly string[];
}

/** What to tell the user about a failed backend check: what is wrong and what to do. */
export function describeBackendProblem(backend: StackBackend, check: BackendCheck, context: MessageContext): string {
  const bucket = String(backend.config.bucket);
  const region = String(backend.config.region);
  const stacks = context.stacks.join(', ');
  const terraformSaid = lastError(`${check.init.stderr}\n${check.init.stdout}`);
  switch (check.problem) {
    case 'missing-bucket':
      return [
        `The state bucket "${bucket}" does not exist in ${region} (or these credentials cannot see it); stacks: ${stacks}.`,
        '  It is created by the terraform-state bootstrap stack (docs/remote-state.md):',
        '    npm run synth',
        '    cd cdktf.out/stacks/terraform-state && terraform init && terraform apply',
        '    then set state.bootstrapBackend: s3 and run `npm run state:migrate`.',
        `  If the bucket exists under another name, set state.bucket in ${context.configFile} and run \`npm run synth\` again.`,
      ].join('\n');
    case 'wrong-region':
      return [
        check.actualRegion
          ? `The state bucket "${bucket}" is in ${check.actualRegion}, not in ${region}; stacks: ${stacks}.`
          : `The state bucket "${bucket}" is not in ${region} (S3 redirected the request to another region); stacks: ${stacks}.`,
        `  Set state.region: ${check.actualRegion ?? '<the bucket\'s region>'} in ${context.configFile} and run \`npm run synth\` again.`,
        '  (-backend-config=region=... would fix this stack only: terraform_remote_state readers keep the synthesized region.)',
        ...(check.actualRegion ? [] : [`  Find the region with: aws s3api head-bucket --bucket ${bucket}`]),
      ].join('\n');
    case 'access-denied':
      return [
        `Access to the state bucket "${bucket}" (${region}) was denied; stacks: ${stacks}.`,
        '  The caller (or the backend role, environments.<env>.stateRoleArn) needs the permissions of the',
        '  bootstrap\'s managed policy (output backend_access_policy_arn; docs/remote-state.md, IAM).',
        `  Terraform said: ${terraformSaid}`,
      ].join('\n');
    case 'no-credentials':
      return [
        `No AWS credentials for the state bucket "${bucket}" (${region}); stacks: ${stacks}.`,
        '  Configure credentials as for the AWS CLI (AWS_PROFILE, SSO, environment variables or an instance role).',
        `  Terraform said: ${terraformSaid}`,
      ].join('\n');
    default:
      return [`terraform init of the S3 backend failed for ${stacks} (bucket "${bucket}", ${region}).`, `  Terraform said: ${terraformSaid}`].join('\n');
  }
}

/** The first `Error:` paragraph of Terraform's output, on one line. */
export function lastError(output: string): string {
  const match = /Error: ([\s\S]*?)(?:\n\s*\n|$)/.exec(output);
  return (match ? match[1] : output.trim().split('\n').slice(-3).join(' ')).replace(/\s+/g, ' ').trim();
}

/** A stable identity for "the same backend location and credentials", to check each once. */
export function locationOf(backend: StackBackend): string {
  const c = backend.config;
  return JSON.stringify([backend.type, c.bucket, c.region, c.assume_role ?? c.role_arn ?? null, c.profile ?? null]);
}

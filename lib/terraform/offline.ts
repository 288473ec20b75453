/**
 * Runs real Terraform on synthesized stacks without AWS: the offline harness behind the
 * tests and `npm run plan:offline`.
 *
 * For each stack it copies `cdktf.out/stacks/<stack>` to a temporary folder (the
 * synthesized files are never touched) and writes one override file there that
 *  - replaces the S3 backend with a local one,
 *  - lets the AWS provider skip its account checks with dummy credentials, or, for a provider
 *    pinned to an account or assuming a role, points it at a local stand-in for STS
 *    (offline-sts.ts) so those checks run for real against fake credentials,
 *  - points every `terraform_remote_state` at a local state file holding type-correct
 *    placeholders of the producer's outputs.
 * Then `terraform init` and `plan` run in it (`plan` validates the configuration first;
 * `validate` runs on its own only when there is no plan, or when asked).
 *
 * Providers come from a local mirror when one is configured: `TF_PLUGIN_MIRROR=<dir>`
 * (a filesystem mirror layout, `registry.terraform.io/hashicorp/aws/<ver>/<os_arch>/...`)
 * or a `TF_CLI_CONFIG_FILE` with a `filesystem_mirror`. Without either, Terraform uses the
 * registry as usual; a failed init that could not get the provider carries a hint saying
 * how to point Terraform at a mirror (./provider-hint.ts).
 */
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { offlineAccessKey, OfflineSts, startOfflineSts } from './offline-sts';
import { placeholderFor, terraformTypeOf } from './placeholders';
import { withProviderHint } from './provider-hint';

export interface CommandResult {
  readonly command: string;
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

export interface StackPlanResult {
  readonly stack: string;
  readonly ok: boolean;
  /** The step that failed, if any. */
  readonly failedStep?: 'init' | 'validate' | 'plan';
  readonly steps: CommandResult[];
  /** Resource counts from the plan summary line. */
  readonly summary?: { add: number; change: number; destroy: number };
  readonly workdir: string;
}

export interface OfflineOptions {
  /** Keep the temporary working folders (for debugging). @default false */
  readonly keep?: boolean;
  /** Stacks run at once. @default the number of CPU cores */
  readonly concurrency?: number;
  /** Run `terraform plan` after validate. @default true */
  readonly plan?: boolean;
  /**
   * Run `terraform validate` as a step of its own. `plan` validates the configuration first
   * (with the same errors), so a separate validate only builds the provider schema a second
   * time (~3 s CPU per stack): it runs by default only when there is no plan.
   * @default true when `plan` is false, otherwise false
   */
  readonly validate?: boolean;
  /** Extra variables for the Terraform processes. @default {} */
  readonly env?: NodeJS.ProcessEnv;
  /**
   * The account the offline credentials of a pinned provider (`allowed_account_ids`) claim to
   * be in, to see Terraform refuse the wrong account. @default the account it is pinned to
   */
  readonly callerAccount?: string;
}

export const OVERRIDE_FILE = 'zz_offline_override.tf.json';

/** True when a `terraform` binary is on the PATH. */
export function terraformAvailable(): boolean {
  return spawnSync('terraform', ['version'], { stdio: 'ignore' }).status === 0;
}

let cachedEnv: NodeJS.ProcessEnv | undefined;

/**
 * The environment Terraform runs with: no telemetry, no prompts, and the mirror
 * configuration, if any. GOGC=400 (unless set) makes Terraform and the AWS provider, which
 * allocates heavily while building its schema on every start, collect garbage less often:
 * about a quarter less CPU per validate or plan for ~40 MB more memory each, and the offline
 * plans of the default stacks 10-20% faster (`npm run bench`).
 */
export function terraformEnv(base: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  if (cachedEnv && base === process.env) return cachedEnv;
  const env: NodeJS.ProcessEnv = { ...base, CHECKPOINT_DISABLE: '1', TF_IN_AUTOMATION: '1', TF_INPUT: '0', GOGC: base.GOGC ?? '400' };
  if (base.TF_PLUGIN_MIRROR) {
    // An unpacked filesystem mirror is symlinked into each stack's .terraform: no copy, and
    // no plugin cache (Terraform's cache is not safe for concurrent inits).
    const mirror = path.resolve(base.TF_PLUGIN_MIRROR);
    if (!existsSync(mirror)) throw new Error(`TF_PLUGIN_MIRROR=${mirror} does not exist`);
    const configFile = path.join(os.tmpdir(), `tf-mirror-${process.pid}.tfrc`);
    writeFileSync(configFile, `provider_installation {\n  filesystem_mirror {\n    path = ${JSON.stringify(mirror)}\n  }\n}\n`);
    env.TF_CLI_CONFIG_FILE = configFile;
    delete env.TF_PLUGIN_CACHE_DIR;
  } else if (env.TF_CLI_CONFIG_FILE && !existsSync(env.TF_CLI_CONFIG_FILE)) {
    // A dangling TF_CLI_CONFIG_FILE only produces a warning on every command.
    delete env.TF_CLI_CONFIG_FILE;
  }
  if (base === process.env) cachedEnv = env;
  return env;
}

/** Runs a command; a failed `terraform` that could not get a provider gets the mirror hint in its stderr. */
export function run(command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv): Promise<CommandResult> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { cwd, env });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', (error) => resolve({ command: `${command} ${args.join(' ')}`, code: 127, stdout, stderr: stderr + error.message }));
    child.on('close', (code) =>
      resolve({ command: `${command} ${args.join(' ')}`, code: code ?? 1, stdout, stderr: code !== 0 && command === 'terraform' ? withProviderHint(stderr) : stderr }),
    );
  });
}

interface AwsProviderJson {
  region?: string;
  alias?: string;
  allowed_account_ids?: string[];
  assume_role?: unknown[];
}

/** A provider that checks its account (pinned, or assuming a role) needs STS, even offline. */
function checksAccount(provider: AwsProviderJson): boolean {
  return (provider.allowed_account_ids?.length ?? 0) > 0 || (provider.assume_role?.length ?? 0) > 0;
}

/** True when some stack's AWS provider checks its account: the offline plan needs the STS stand-in. */
export function needsOfflineSts(outdir: string, stacks: readonly string[]): boolean {
  return stacks.some((stack) => (readStack(outdir, stack).provider?.aws ?? []).some(checksAccount));
}

interface StackJson {
  output?: Record<string, { value: unknown }>;
  data?: { terraform_remote_state?: Record<string, { backend: string; config: Record<string, unknown> }> };
  provider?: { aws?: AwsProviderJson[] };
  variable?: Record<string, { default?: unknown; type?: string }>;
}

export function readStack(outdir: string, stack: string): StackJson {
  return JSON.parse(readFileSync(path.join(outdir, 'stacks', stack, 'cdk.tf.json'), 'utf8')) as StackJson;
}

/** Stack names of a synthesized output folder, in the manifest's order. */
export function listStacks(outdir: string): string[] {
  const manifest = JSON.parse(readFileSync(path.join(outdir, 'manifest.json'), 'utf8')) as { stacks: Record<string, unknown> };
  return Object.keys(manifest.stacks);
}

/**
 * A Terraform state file (format 4) holding placeholder values of every output of
 * `producer`, as a remote state fixture for the stacks that read it.
 */
export function placeholderState(outdir: string, producer: string): string {
  const stack = readStack(outdir, producer);
  const region = stack.provider?.aws?.[0]?.region ?? 'us-east-1';
  const outputs = Object.fromEntries(
    Object.entries(stack.output ?? {}).map(([name, output]) => {
      const value = placeholderFor(output.value, region);
      return [name, { value, type: terraformTypeOf(value) }];
    }),
  );
  return JSON.stringify({ version: 4, terraform_version: '1.11.4', serial: 1, lineage: `fixture-${producer}`, outputs, resources: [] }, null, 2);
}

/** Producer stack of a cdktf cross-stack remote state (its `key` is `<env>/<stack>.tfstate`). */
function producerOf(config: Record<string, unknown>, stacks: string[]): string | undefined {
  const key = String(config.key ?? config.path ?? '');
  const base = path.basename(key).replace(/\.tfstate$/, '');
  return stacks.find((s) => s === base);
}

/** Where a pinned provider's offline STS calls go, and which account its own credentials claim. */
export interface OfflineStsTarget {
  readonly endpoint: string;
  readonly callerAccount?: string;
}

/** Copies a stack to a temporary folder and writes the offline override file into it. */
export function prepareOfflineCopy(outdir: string, stack: string, workroot: string, sts?: OfflineStsTarget): string {
  const workdir = path.join(workroot, stack);
  // Skip a `.terraform` folder left by an earlier init, but keep `.terraform.lock.hcl`.
  cpSync(path.join(outdir, 'stacks', stack), workdir, { recursive: true, filter: (src) => path.basename(src) !== '.terraform' });
  writeOfflineOverride(outdir, stack, workdir, sts);
  return workdir;
}

/**
 * Writes the offline override file (and the placeholder remote states it points at) into
 * `workdir`, a copy of the stack's folder or the folder itself
 * (`npm run plan:offline -- --write-override`: the next synth replaces the folder, and the
 * override with it). A provider that checks its account (allowed_account_ids, assume_role)
 * needs `sts`, the local STS stand-in of planStacksOffline. Returns the override file.
 */
export function writeOfflineOverride(outdir: string, stack: string, workdir: string, sts?: OfflineStsTarget): string {
  const json = readStack(outdir, stack);
  const stacks = listStacks(outdir);
  const remoteStates: Record<string, unknown> = {};
  for (const [name, remote] of Object.entries(json.data?.terraform_remote_state ?? {})) {
    const producer = producerOf(remote.config, stacks);
    if (!producer) throw new Error(`${stack}: cannot tell which stack data.terraform_remote_state.${name} reads (config ${JSON.stringify(remote.config)})`);
    const fixture = path.join(workdir, `fixture-${producer}.tfstate`);
    writeFileSync(fixture, placeholderState(outdir, producer));
    remoteStates[name] = { backend: 'local', config: { path: fixture } };
  }
  // Every aws provider block, aliases included (an override block matches by name and alias).
  const offlineProvider = {
    access_key: 'offline-dummy',
    secret_key: 'offline-dummy',
    skip_credentials_validation: true,
    skip_requesting_account_id: true,
    skip_metadata_api_check: true,
    skip_region_validation: true,
  };
  const providers = (json.provider?.aws ?? [{}]).map((p) => {
    const settings = checksAccount(p) ? accountCheckingProvider(stack, p, sts) : offlineProvider;
    return p.alias ? { alias: p.alias, ...settings } : settings;
  });
  // Variables without a default (secrets given as TF_VAR_* in real use) get a placeholder.
  const variables = Object.fromEntries(
    Object.entries(json.variable ?? {})
      .filter(([, v]) => v.default === undefined)
      .map(([name]) => [name, { default: `offline-placeholder-${name}-${'x'.repeat(32)}` }]),
  );
  const override = {
    terraform: { backend: { local: { path: path.join(workdir, 'offline.tfstate') } } },
    provider: { aws: providers },
    ...(Object.keys(variables).length > 0 ? { variable: variables } : {}),
    ...(Object.keys(remoteStates).length > 0 ? { data: { terraform_remote_state: remoteStates } } : {}),
  };
  const file = path.join(workdir, OVERRIDE_FILE);
  writeFileSync(file, JSON.stringify(override, null, 2));
  return file;
}

/**
 * Offline settings for a provider pinned to an account or assuming a role: the account
 * checks stay on (no skip flags), against the STS stand-in, with credentials that claim the
 * pinned account (or `callerAccount`). The synthesized `allowed_account_ids` and
 * `assume_role` are left as they are.
 */
function accountCheckingProvider(stack: string, provider: AwsProviderJson, sts: OfflineStsTarget | undefined): Record<string, unknown> {
  if (!sts) throw new Error(`${stack}: its AWS provider checks its account; plan it with planStacksOffline, which serves STS locally`);
  return {
    access_key: offlineAccessKey(sts.callerAccount ?? provider.allowed_account_ids?.[0] ?? '000000000000'),
    secret_key: 'offline-dummy',
    skip_metadata_api_check: true,
    skip_region_validation: true,
    endpoints: [{ sts: sts.endpoint }],
  };
}

const PLAN_SUMMARY = /Plan: (\d+) to add, (\d+) to change, (\d+) to destroy/;

/** init, then plan (which validates) or validate, of one stack in an offline copy. */
export async function planStackOffline(outdir: string, stack: string, workroot: string, options: OfflineOptions = {}, sts?: OfflineSts): Promise<StackPlanResult> {
  const env = { ...terraformEnv(), ...options.env };
  const workdir = prepareOfflineCopy(outdir, stack, workroot, sts && { endpoint: sts.endpoint, callerAccount: options.callerAccount });
  const steps: CommandResult[] = [];
  const step = async (name: 'init' | 'validate' | 'plan', args: string[]) => {
    const result = await run('terraform', args, workdir, env);
    steps.push(result);
    return result.code === 0 ? undefined : name;
  };
  // With the stack's lock file (copied on synth), init may not change it: provider drift fails loudly.
  const lockArgs = existsSync(path.join(workdir, '.terraform.lock.hcl')) ? ['-lockfile=readonly'] : [];
  const failedStep =
    (await step('init', ['init', '-input=false', '-no-color', ...lockArgs])) ??
    ((options.validate ?? options.plan === false) ? await step('validate', ['validate', '-no-color']) : undefined) ??
    (options.plan === false ? undefined : await step('plan', ['plan', '-input=false', '-no-color', '-lock=false', '-out=offline.tfplan']));
  const match = PLAN_SUMMARY.exec(steps[steps.length - 1]?.stdout ?? '');
  return {
    stack,
    ok: failedStep === undefined,
    failedStep,
    steps,
    summary: match ? { add: Number(match[1]), change: Number(match[2]), destroy: Number(match[3]) } : undefined,
    workdir,
  };
}

/** Plans many stacks, up to `concurrency` at once. */
export async function planStacksOffline(outdir: string, stacks: string[], options: OfflineOptions = {}): Promise<StackPlanResult[]> {
  const workroot = mkdtempSync(path.join(os.tmpdir(), 'offline-plan-'));
  const concurrency = Math.max(1, options.concurrency ?? os.cpus().length);
  const results: StackPlanResult[] = new Array(stacks.length);
  let next = 0;
  const sts = needsOfflineSts(outdir, stacks) ? await startOfflineSts() : undefined;
  const worker = async () => {
    while (next < stacks.length) {
      const index = next++;
      results[index] = await planStackOffline(outdir, stacks[index], workroot, options, sts);
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.min(concurrency, stacks.length) }, worker));
  } finally {
    await sts?.close();
    if (!options.keep) rmSync(workroot, { recursive: true, force: true });
  }
  return results;
}

/** Readable failure text for a stack result. */
export function describeFailure(result: StackPlanResult): string {
  const last = result.steps[result.steps.length - 1];
  return `${result.stack}: terraform ${result.failedStep} failed\n${last?.stderr || last?.stdout}`;
}

export function stackDirs(outdir: string): string[] {
  return readdirSync(path.join(outdir, 'stacks'));
}

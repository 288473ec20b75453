/**
 * Moves the bootstrap stack's state from its local file (`terraform-state/terraform.tfstate`)
 * into the bucket the bootstrap created: the second step of the two-step bootstrap
 * (docs/remote-state.md), behind `npm run state:migrate`.
 *
 * It does what `terraform init -migrate-state` does by hand, with the checks a hand-run
 * migration lacks: the configuration already names the bucket as the bootstrap's backend,
 * the bucket answers (with an actionable message when not), the target key is empty (it
 * never overwrites someone's state), and after the copy the state in the bucket is read back
 * and compared with the local file before that file is moved aside.
 */
import { cpSync, existsSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { App } from 'cdktf';
import { ConfigError, loadConfigFile } from '../../config/load';
import { STATE_STACK_NAME } from '../../modules/state-naming';
import { StateStack } from '../../terraform-state/state-stack';
import {
  BackendConfigArgs,
  checkBackend,
  describeBackendProblem,
  lastError,
  LOCATION_KEYS,
  StackBackend,
  stackBackends,
} from './backend';
import { run } from '../terraform/offline';

export interface MigrateIo {
  out(text: string): void;
  err(text: string): void;
}

export interface MigrateOptions {
  /** The configuration file (`INFRA_CONFIG`, default `config/environments.yaml`). */
  readonly configFile: string;
  /** The bootstrap's local state file. */
  readonly localStatePath: string;
  /** Extra `-backend-config` options for `terraform init` (profiles, endpoints, ...). */
  readonly backendConfig: BackendConfigArgs;
  /** Environment of the Terraform processes (see `terraformEnv`). */
  readonly env: NodeJS.ProcessEnv;
  readonly io: MigrateIo;
  /** Clock for the name of the moved-aside local file. @default now */
  readonly now?: () => Date;
}

interface StateFile {
  version?: number;
  serial?: number;
  lineage?: string;
  resources?: unknown[];
  outputs?: Record<string, unknown>;
}

/** JSON with object keys sorted, so two encodings of the same value compare equal. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : v,
  );
}

/**
 * True when two state files hold the same resources and outputs. Lineage and serial are not
 * compared: `terraform init -migrate-state` (1.11) gives the migrated state a new lineage
 * and serial 1.
 */
export function sameStateContent(a: StateFile, b: StateFile): boolean {
  return canonicalJson(a.resources ?? []) === canonicalJson(b.resources ?? []) && canonicalJson(a.outputs ?? {}) === canonicalJson(b.outputs ?? {});
}

function parseState(text: string, where: string): StateFile {
  try {
    const state = JSON.parse(text) as StateFile;
    if (typeof state !== 'object' || state === null || state.version !== 4) throw new Error(`not a Terraform state (format 4)`);
    return state;
  } catch (error) {
    throw new Error(`${where} is not a Terraform state file: ${(error as Error).message}`);
  }
}

/** `terraform state pull` of a backend in a folder holding only that backend: '' when the key has no state. */
export async function pullState(backend: StackBackend, backendConfig: BackendConfigArgs, env: NodeJS.ProcessEnv): Promise<{ ok: boolean; state: string; error: string }> {
  const workdir = mkdtempSync(path.join(os.tmpdir(), 'state-pull-'));
  try {
    writeFileSync(path.join(workdir, 'backend.tf.json'), JSON.stringify({ terraform: { backend: { [backend.type]: backend.config } } }));
    const init = await run('terraform', ['init', '-input=false', '-no-color', '-reconfigure', ...backendConfig.args], workdir, env);
    if (init.code !== 0) return { ok: false, state: '', error: lastError(init.stderr || init.stdout) };
    const pull = await run('terraform', ['state', 'pull'], workdir, env);
    return { ok: pull.code === 0, state: pull.stdout.trim(), error: lastError(pull.stderr) };
  } finally {
    rmSync(workdir, { recursive: true, force: true });
  }
}

/** Synthesizes the bootstrap stack alone into a temporary folder. */
function synthBootstrap(configFile: string): { outdir: string; backend: StackBackend } {
  const config = loadConfigFile(configFile);
  const outdir = mkdtempSync(path.join(os.tmpdir(), 'state-migrate-synth-'));
  const app = new App({ outdir });
  new StateStack(app, { config });
  app.synth();
  const backend = stackBackends(outdir).find((b) => b.stack === STATE_STACK_NAME)!;
  return { outdir, backend };
}

export async function migrateBootstrapState(options: MigrateOptions): Promise<number> {
  const { io, backendConfig, env, localStatePath } = options;
  const fail = (message: string) => {
    io.err(`${message}\n`);
    return 1;
  };
  const shown = path.relative(process.cwd(), localStatePath) || localStatePath;

  let synth: { outdir: string; backend: StackBackend };
  try {
    synth = synthBootstrap(options.configFile);
  } catch (error) {
    return fail(error instanceof ConfigError ? error.message : `synth failed: ${(error as Error).message}`);
  }
  const workroot = mkdtempSync(path.join(os.tmpdir(), 'state-migrate-'));
  try {
    const { backend } = synth;
    if (backend.type !== 's3') {
      return fail(
        [
          `state.bootstrapBackend is "local" in ${options.configFile}: set it to "s3" first.`,
          '  The synthesized terraform-state stack must name the bucket as its backend before its state moves there;',
          '  otherwise the next `npm run synth` would point it back at the local file.',
        ].join('\n'),
      );
    }
    const overridden = LOCATION_KEYS.filter((k) => backendConfig.keys.has(k));
    if (overridden.length > 0) {
      return fail(`-backend-config sets ${overridden.join(', ')}: the bootstrap's state goes where the configuration says (state.bucket, state.region); change it there instead.`);
    }
    const target = `s3://${String(backend.config.bucket)}/${String(backend.config.key)}`;

    const check = await checkBackend(backend, backendConfig, env);
    if (!check.ok) return fail(describeBackendProblem(backend, check, { configFile: options.configFile, stacks: [STATE_STACK_NAME] }));

    const remote = await pullState(backend, backendConfig, env);
    if (!remote.ok) return fail(`Could not read ${target}: ${remote.error}`);
    const pulled = remote.state ? parseState(remote.state, target) : undefined;
    // `terraform state pull` of an empty key prints an empty state (serial 0, no lineage).
    const remoteState = pulled && (pulled.lineage || (pulled.resources ?? []).length > 0) ? pulled : undefined;

    if (!existsSync(localStatePath)) {
      if (remoteState) {
        io.out(`Nothing to migrate: ${target} already holds the bootstrap's state (${remoteState.resources?.length ?? 0} resources), and there is no ${shown}.\n`);
        return 0;
      }
      return fail(`No local state at ${shown}: apply the bootstrap first (docs/remote-state.md, step 1), with state.bootstrapBackend: local.`);
    }
    const local = parseState(readFileSync(localStatePath, 'utf8'), shown);
    if ((local.resources ?? []).length === 0) {
      return fail(`${shown} holds no resources: apply the bootstrap first (docs/remote-state.md, step 1).`);
    }
    const aside = `${localStatePath}.migrated-${(options.now?.() ?? new Date()).toISOString().replace(/[:.]/g, '-')}`;

    if (remoteState) {
      if (sameStateContent(local, remoteState)) {
        renameSync(localStatePath, aside);
        io.out(`${target} already holds this state; moved the local copy aside to ${path.relative(process.cwd(), aside)}.\n`);
        return 0;
      }
      return fail(
        [
          `${target} already holds a different state (serial ${remoteState.serial}, lineage ${remoteState.lineage}, ${remoteState.resources?.length ?? 0} resources).`,
          `  Refusing to overwrite it with ${shown} (serial ${local.serial}, lineage ${local.lineage}, ${local.resources?.length ?? 0} resources).`,
          '  Compare the two (terraform state pull) and remove the wrong one by hand.',
        ].join('\n'),
      );
    }

    // 1. A working copy of the synthesized stack, initialized on the local state file.
    const workdir = path.join(workroot, STATE_STACK_NAME);
    cpSync(path.join(synth.outdir, 'stacks', STATE_STACK_NAME), workdir, { recursive: true });
    const override = path.join(workdir, 'zz_migrate_from_local_override.tf.json');
    writeFileSync(override, JSON.stringify({ terraform: { backend: { local: { path: localStatePath } } } }, null, 2));
    const initLocal = await run('terraform', ['init', '-input=false', '-no-color'], workdir, env);
    if (initLocal.code !== 0) return fail(`terraform init on the local state failed: ${lastError(initLocal.stderr || initLocal.stdout)}`);

    // 2. The synthesized S3 backend again: Terraform sees the backend change and copies the state.
    rmSync(override);
    const migrate = await run('terraform', ['init', '-input=false', '-no-color', '-migrate-state', '-force-copy', ...backendConfig.args], workdir, env);
    if (migrate.code !== 0) return fail(`terraform init -migrate-state failed: ${lastError(migrate.stderr || migrate.stdout)}\n  ${shown} is unchanged.`);

    // 3. Read it back before the local file goes.
    const readBack = await run('terraform', ['state', 'pull'], workdir, env);
    if (readBack.code !== 0 || !readBack.stdout.trim()) return fail(`Reading ${target} back failed: ${lastError(readBack.stderr)}\n  ${shown} is unchanged.`);
    const migrated = parseState(readBack.stdout, target);
    if (!sameStateContent(local, migrated)) {
      return fail(`${target} does not hold the same resources and outputs as ${shown} after the migration; ${shown} is unchanged. Inspect both with terraform state pull.`);
    }
    renameSync(localStatePath, aside);
    io.out(
      [
        `Migrated the terraform-state stack's state (${migrated.resources?.length ?? 0} resources) into ${target}.`,
        `The local file is kept as ${path.relative(process.cwd(), aside)} (gitignored): delete it once the plan below shows no changes.`,
        'Next:',
        '  npm run synth',
        '  cd cdktf.out/stacks/terraform-state && terraform init -reconfigure && terraform plan   # expect "No changes"',
        '',
      ].join('\n'),
    );
    return 0;
  } catch (error) {
    return fail((error as Error).message);
  } finally {
    rmSync(workroot, { recursive: true, force: true });
    rmSync(synth.outdir, { recursive: true, force: true });
  }
}

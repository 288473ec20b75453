/**
 * npm run state:check [-- [<stack> ...] [-backend-config=<file or key=value> ...]]
 *
 * Checks the remote state of the synthesized stacks (run `npm run synth` first) before any
 * plan: every `terraform_remote_state` agrees with its producer's backend, no
 * `-backend-config` option splits a stack from the copies other stacks read it through, and
 * the state bucket answers a real `terraform init` of each backend (with the given options
 * and the caller's credentials). A missing bucket, a bucket in another region and a refusal
 * are explained with what to do. Then no stack's state may be locked: a held lock (a killed
 * apply leaves one) is reported with who holds it, since when, and how to release it.
 * Exits 1 on any problem.
 */
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { configPathFromEnv } from '../../config/load';
import {
  BackendConfigArgs,
  checkBackend,
  describeBackendProblem,
  lastError,
  locationOf,
  overrideConflicts,
  parseBackendConfigArgs,
  remoteStateMismatches,
  stackBackends,
} from './backend';
import { accountLabel } from '../terraform/deploy-account';
import { terraformAvailable, terraformEnv } from '../terraform/offline';
import { checkLocks, describeLock } from './lock';

export interface CheckIo {
  out(text: string): void;
  err(text: string): void;
}

export async function runStateCheck(argv: readonly string[], env: NodeJS.ProcessEnv, io: CheckIo): Promise<number> {
  const outdir = path.resolve(env.CDKTF_OUTDIR ?? 'cdktf.out');
  if (!existsSync(path.join(outdir, 'manifest.json'))) {
    io.err(`No synthesized stacks in ${outdir}: run \`npm run synth\` first.\n`);
    return 1;
  }
  const configFile = path.relative(process.cwd(), configPathFromEnv(env)) || configPathFromEnv(env);
  const wanted = argv.filter((a) => !a.startsWith('-') && !isBackendConfigValue(argv, a));
  let backendConfig: BackendConfigArgs;
  try {
    backendConfig = parseBackendConfigArgs(argv.filter((a) => !wanted.includes(a)));
  } catch (error) {
    io.err(`${(error as Error).message}\n`);
    return 1;
  }
  const all = stackBackends(outdir);
  const unknown = wanted.filter((w) => !all.some((b) => b.stack === w));
  if (unknown.length > 0) {
    io.err(`Unknown stack(s): ${unknown.join(', ')}. Stacks: ${all.map((b) => b.stack).join(', ')}\n`);
    return 1;
  }
  const selected = wanted.length > 0 ? all.filter((b) => wanted.includes(b.stack)) : all;
  let failed = false;

  const mismatches = remoteStateMismatches(outdir);
  const conflicts = overrideConflicts(outdir, selected.map((b) => b.stack), backendConfig.keys);
  for (const problem of [...mismatches, ...conflicts]) io.err(`FAIL ${problem}\n`);
  if (conflicts.length > 0) {
    io.err(`  Change state.bucket / state.region / environments.<env>.stateRoleArn in ${configFile} and run \`npm run synth\` instead (docs/remote-state.md, partial configuration).\n`);
  }
  failed ||= mismatches.length + conflicts.length > 0;

  for (const local of selected.filter((b) => b.type === 'local')) {
    io.out(`ok   ${local.stack}: local state ${String(local.config.path)} (the bootstrap; \`npm run state:migrate\` moves it into the bucket); deploys into ${accountLabel(local.account)}\n`);
  }
  const remote = selected.filter((b) => b.type === 's3');
  if (remote.length > 0 && !terraformAvailable()) {
    io.err('terraform is not on the PATH (Terraform >= 1.10 is required).\n');
    return 1;
  }
  const byLocation = new Map<string, typeof remote>();
  for (const backend of remote) byLocation.set(locationOf(backend), [...(byLocation.get(locationOf(backend)) ?? []), backend]);
  for (const group of byLocation.values()) {
    const check = await checkBackend(group[0], backendConfig, terraformEnv(env));
    const stacks = group.map((b) => b.stack);
    if (check.ok) {
      const locks = await checkLocks(group, backendConfig, terraformEnv(env));
      for (const b of group) {
        const found = locks.find((l) => l.stack === b.stack)!;
        if (found.lock) {
          failed = true;
          io.err(`FAIL ${describeLock(b, found.lock, path.relative(process.cwd(), path.join(outdir, 'stacks', b.stack)))}\n`);
          continue;
        }
        if (found.error) {
          failed = true;
          io.err(`FAIL ${b.stack}: ${found.error}: ${lastError(`${found.result.stderr}\n${found.result.stdout}`)}\n`);
          continue;
        }
        const lock = [b.config.use_lockfile ? 'lock file' : undefined, b.config.dynamodb_table ? `DynamoDB ${String(b.config.dynamodb_table)}` : undefined].filter(Boolean).join(' + ');
        io.out(`ok   ${b.stack}: s3://${String(b.config.bucket)}/${String(b.config.key)} (${String(b.config.region)}, locking: ${lock || 'none'}); not locked; deploys into ${accountLabel(b.account)}\n`);
      }
    } else {
      failed = true;
      io.err(`FAIL ${describeBackendProblem(group[0], check, { configFile, stacks })}\n`);
    }
  }
  return failed ? 1 : 0;
}

/** True when `arg` is the value of a two-word `-backend-config <value>`. */
function isBackendConfigValue(argv: readonly string[], arg: string): boolean {
  const i = argv.indexOf(arg);
  return i > 0 && argv[i - 1] === '-backend-config';
}

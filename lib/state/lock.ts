/**
 * Who holds the state lock of a stack, for `npm run state:check`: a killed apply leaves its
 * lock behind (`<key>.tflock` beside the state with `use_lockfile`, an item in the DynamoDB
 * table with `dynamodb_table`), and every later plan or apply of the stack then fails.
 *
 * Terraform itself asks the backend, through every lock mechanism the backend has: in a
 * folder holding only the stack's backend block, `terraform state replace-provider` for a
 * provider no state uses takes the state lock, finds nothing to replace (or no state at all,
 * for a stack never applied) and writes nothing, and needs no provider. If another process holds the lock, Terraform reports that lock's
 * info (ID, Path, Operation, Who, Version, Created: the content of the lock file or item),
 * which is parsed here.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { BackendConfigArgs, StackBackend } from './backend';
import { CommandResult, run } from '../terraform/offline';

export interface LockInfo {
  readonly ID: string;
  readonly Path?: string;
  readonly Operation?: string;
  readonly Who?: string;
  readonly Version?: string;
  readonly Created?: string;
  readonly Info?: string;
}

export interface LockCheck {
  readonly stack: string;
  /** The lock found, if the state is locked. */
  readonly lock?: LockInfo;
  /** Set when Terraform could not tell (the backend failed otherwise). */
  readonly error?: string;
  readonly result: CommandResult;
}

const FIELDS = ['ID', 'Path', 'Operation', 'Who', 'Version', 'Created', 'Info'] as const;

/** The "Lock Info:" block of Terraform's "Error acquiring the state lock", if any. */
export function parseLockInfo(output: string): LockInfo | undefined {
  if (!/Error acquiring the state lock/.test(output)) return undefined;
  const block = output.slice(output.indexOf('Lock Info:'));
  const info: Record<string, string> = {};
  for (const field of FIELDS) {
    const match = new RegExp(`^[\\s│]*${field}:[ \\t]*(.*)$`, 'm').exec(block);
    if (match) info[field] = match[1].trim();
  }
  return { ID: '', ...info } as LockInfo;
}

/** Terraform's `Created` (Go's time format, `2026-11-27 10:00:00.123456 +0000 UTC`) as a Date. */
export function parseCreated(created: string | undefined): Date | undefined {
  const match = /^(\d{4}-\d{2}-\d{2}) (\d{2}:\d{2}:\d{2})(\.\d+)? ([+-])(\d{2})(\d{2})/.exec(created ?? '');
  if (!match) return undefined;
  const [, day, time, fraction, sign, hours, minutes] = match;
  const date = new Date(`${day}T${time}${(fraction ?? '').slice(0, 4)}${sign}${hours}:${minutes}`);
  return Number.isNaN(date.getTime()) ? undefined : date;
}

/** `3 d 4 h`, `2 h 5 min`, `7 min`, `40 s`. */
export function formatAge(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  const [d, h, m] = [Math.floor(s / 86400), Math.floor((s % 86400) / 3600), Math.floor((s % 3600) / 60)];
  if (d > 0) return `${d} d ${h} h`;
  if (h > 0) return `${h} h ${m} min`;
  if (m > 0) return `${m} min`;
  return `${s} s`;
}

/**
 * Asks the backend of each stack whether its state is locked. One folder for all of them,
 * re-initialized per stack: providers a state needs are installed once, not once a stack.
 */
export async function checkLocks(backends: readonly StackBackend[], backendConfig: BackendConfigArgs, env: NodeJS.ProcessEnv): Promise<LockCheck[]> {
  const workdir = mkdtempSync(path.join(os.tmpdir(), 'state-lock-check-'));
  try {
    return await probeEach(backends, backendConfig, workdir, env);
  } finally {
    rmSync(workdir, { recursive: true, force: true });
  }
}

async function probeEach(backends: readonly StackBackend[], backendConfig: BackendConfigArgs, workdir: string, env: NodeJS.ProcessEnv): Promise<LockCheck[]> {
  const checks: LockCheck[] = [];
  for (const backend of backends) {
    writeFileSync(path.join(workdir, 'backend.tf.json'), JSON.stringify({ terraform: { backend: { [backend.type]: backend.config } } }, null, 2));
    const init = await run('terraform', ['init', '-input=false', '-no-color', '-reconfigure', ...backendConfig.args], workdir, env);
    if (init.code !== 0) {
      checks.push({ stack: backend.stack, error: 'terraform init failed', result: init });
      continue;
    }
    const probe = await run(
      'terraform',
      ['state', 'replace-provider', '-auto-approve', '-lock-timeout=0s', '-no-color', 'registry.terraform.io/state-check/none', 'registry.terraform.io/state-check/none-either'],
      workdir,
      env,
    );
    const output = `${probe.stdout}\n${probe.stderr}`;
    const lock = parseLockInfo(output);
    // A stack never applied has no state yet: Terraform took the lock, then found nothing to read.
    const unlocked = probe.code === 0 || /State management commands require a state file/.test(output);
    checks.push({ stack: backend.stack, lock, error: !lock && !unlocked ? 'terraform could not take the state lock' : undefined, result: probe });
  }
  return checks;
}

/** What to tell the user about a held lock: who holds it, since when, and the runbook. */
export function describeLock(backend: StackBackend, lock: LockInfo, stackDir: string, now: Date = new Date()): string {
  const created = parseCreated(lock.Created);
  const where = backend.config.use_lockfile ? `${String(backend.config.key)}.tflock` : `DynamoDB ${String(backend.config.dynamodb_table)}`;
  return [
    `${backend.stack}: the state s3://${String(backend.config.bucket)}/${String(backend.config.key)} is locked (${where}):`,
    `    ID:        ${lock.ID}`,
    `    Operation: ${lock.Operation ?? '?'}`,
    `    Who:       ${lock.Who ?? '?'}`,
    `    Version:   ${lock.Version ?? '?'}`,
    `    Created:   ${lock.Created ?? '?'}${created ? ` (${formatAge(now.getTime() - created.getTime())} ago)` : ''}`,
    '  If that Terraform run is still going, wait for it. If it is not (killed, crashed: a stale lock), release the lock:',
    `    cd ${stackDir} && terraform init && terraform force-unlock ${lock.ID}`,
    '  then, if the run left errored.tfstate there, push it: terraform state push errored.tfstate (docs/remote-state.md, "Recovery").',
  ].join('\n');
}

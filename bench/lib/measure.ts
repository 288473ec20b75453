/**
 * Runs a command and measures it: wall time from the parent, and the peak RSS and CPU time
 * of every Node.js process in its tree, reported by `probe.cjs` through NODE_OPTIONS.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

export const PROBE = path.join(__dirname, 'probe.cjs');

export interface Command {
  /** Executable and arguments. */
  readonly argv: readonly string[];
  readonly cwd: string;
  /** Added to the bench's own environment. */
  readonly env?: NodeJS.ProcessEnv;
  /** Killed after this long. @default 15 minutes */
  readonly timeoutMs?: number;
}

export interface ProcessRecord {
  readonly pid: number;
  readonly ppid: number;
  readonly command: string;
  readonly maxRssKb: number;
  readonly cpuUs: number;
}

export interface Sample {
  readonly wallMs: number;
  /** Peak RSS of the largest Node.js process of the tree, in MB. */
  readonly peakRssMb?: number;
  /** CPU time (user + system) summed over the Node.js processes of the tree, in ms. */
  readonly cpuMs?: number;
  readonly processes: readonly ProcessRecord[];
}

export class CommandFailed extends Error {
  constructor(
    readonly command: Command,
    readonly code: number | null,
    readonly output: string,
  ) {
    super(`${command.argv.join(' ')} (in ${command.cwd}) ${code === null ? 'timed out or was killed' : `exited with ${code}`}\n${output.split('\n').slice(-40).join('\n')}`);
  }
}

let probeCounter = 0;

/** NODE_OPTIONS with the probe added to what the caller already had. */
export function nodeOptions(base: string | undefined): string {
  return [base ?? '', `--require ${JSON.stringify(PROBE)}`].filter(Boolean).join(' ');
}

/**
 * Runs `command` once. Throws CommandFailed on a non-zero exit. With `profileDir`, every
 * Node.js process of the command also writes a V8 CPU profile there (see probe.cjs).
 */
export function measure(command: Command, scratch: string, profileDir?: string): Sample {
  mkdirSync(scratch, { recursive: true });
  const probeFile = path.join(scratch, `probe-${process.pid}-${probeCounter++}.jsonl`);
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    ...command.env,
    BENCH_PROBE_FILE: probeFile,
    NODE_OPTIONS: nodeOptions(command.env?.NODE_OPTIONS ?? process.env.NODE_OPTIONS),
    ...(profileDir ? { BENCH_CPU_PROFILE_DIR: profileDir } : {}),
  };
  const [file, ...args] = command.argv;
  const start = performance.now();
  const result = spawnSync(file, args, { cwd: command.cwd, env, stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 512 * 1024 * 1024, timeout: command.timeoutMs ?? 15 * 60_000 });
  const wallMs = performance.now() - start;
  const output = `${result.stdout?.toString() ?? ''}${result.stderr?.toString() ?? ''}${result.error ? `\n${result.error.message}` : ''}`;
  const processes = existsSync(probeFile)
    ? readFileSync(probeFile, 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((line) => JSON.parse(line) as ProcessRecord)
    : [];
  rmSync(probeFile, { force: true });
  if (result.status !== 0) throw new CommandFailed(command, result.status, output);
  return {
    wallMs,
    peakRssMb: processes.length > 0 ? Math.max(...processes.map((p) => p.maxRssKb)) / 1024 : undefined,
    cpuMs: processes.length > 0 ? processes.reduce((sum, p) => sum + p.cpuUs, 0) / 1000 : undefined,
    processes,
  };
}

/**
 * CPU time (user + system, ms) of this process and of every child process it has waited for
 * (Linux: /proc/self/stat's cutime and cstime, in clock ticks; children count their own waited
 * children, so Terraform's provider plugins are included). Undefined elsewhere.
 */
function cpuWithChildrenMs(): number | undefined {
  try {
    const stat = readFileSync('/proc/self/stat', 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // Fields 16 and 17 of stat(5), counted from the state field (3).
    const ticks = Number(fields[16 - 3]) + Number(fields[17 - 3]);
    const own = process.cpuUsage();
    return (own.user + own.system) / 1000 + (ticks * 1000) / clockTicks();
  } catch {
    return undefined;
  }
}

let ticksPerSecond: number | undefined;
function clockTicks(): number {
  if (ticksPerSecond === undefined) {
    const result = spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' });
    ticksPerSecond = Number(result.stdout?.trim()) || 100;
  }
  return ticksPerSecond;
}

/**
 * Runs an in-process async task and measures its wall time and the CPU time of this process
 * and the child processes it ran (Terraform included; no RSS). On a shared, loaded machine the
 * CPU time is the steadier measure.
 */
export async function measureAsync(task: () => Promise<void>): Promise<Sample> {
  const cpuBefore = cpuWithChildrenMs();
  const start = performance.now();
  await task();
  const wallMs = performance.now() - start;
  const cpuAfter = cpuWithChildrenMs();
  return { wallMs, ...(cpuBefore !== undefined && cpuAfter !== undefined ? { cpuMs: cpuAfter - cpuBefore } : {}), processes: [] };
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

export function loadAverage(): string {
  return os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(' / ');
}

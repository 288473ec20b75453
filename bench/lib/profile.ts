/**
 * Reads V8 CPU profiles (`node --cpu-prof`, one file per Node.js process) and summarizes where
 * the time went: self time by function and by module (npm package, Node internals, or project
 * file), summed over the processes of one measured command.
 */
import { readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import * as path from 'node:path';

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}

interface CpuProfile {
  nodes: Array<{ id: number; callFrame: CallFrame }>;
  samples: number[];
  timeDeltas: number[];
}

export interface ProfileSummary {
  /** Sampled busy (not idle) time over all processes, ms. */
  readonly totalMs: number;
  /** Per process (profile file): its sampled busy time, ms. */
  readonly processes: Array<{ file: string; totalMs: number }>;
  readonly topFunctions: Array<{ name: string; where: string; selfMs: number }>;
  readonly topModules: Array<{ module: string; selfMs: number }>;
}

/** `node_modules/<pkg>` -> `<pkg>`; `node:...` -> node internals; project files relative to root. */
export function moduleOf(url: string, root: string): string {
  if (!url) return '(V8/native)';
  if (url.startsWith('node:')) return 'node: internals';
  const file = url.startsWith('file://') ? new URL(url).pathname : url;
  const match = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(file);
  if (match) return match[1];
  return file.startsWith(root) ? `project: ${path.relative(root, file)}` : file;
}

function where(frame: CallFrame, root: string): string {
  if (!frame.url) return '';
  const file = frame.url.startsWith('file://') ? new URL(frame.url).pathname : frame.url;
  const short = file.includes('node_modules/') ? file.slice(file.lastIndexOf('node_modules/') + 'node_modules/'.length) : file.startsWith(root) ? path.relative(root, file) : file;
  return `${short}:${frame.lineNumber + 1}`;
}

/** Summarizes every `.cpuprofile` in `dir`. */
export function summarizeProfiles(dir: string, root: string, top = 15): ProfileSummary {
  const byFunction = new Map<string, { name: string; where: string; selfUs: number }>();
  const byModule = new Map<string, number>();
  const processes: Array<{ file: string; totalMs: number }> = [];
  let totalUs = 0;
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.cpuprofile'))) {
    const profile = JSON.parse(readFileSync(path.join(dir, file), 'utf8')) as CpuProfile;
    const frames = new Map(profile.nodes.map((n) => [n.id, n.callFrame]));
    let processUs = 0;
    profile.samples.forEach((id, i) => {
      const delta = profile.timeDeltas[i] ?? 0;
      const frame = frames.get(id);
      // Idle samples (waiting for a child process, for I/O) are not time spent.
      if (!frame || delta <= 0 || frame.functionName === '(idle)') return;
      processUs += delta;
      const name = frame.functionName || '(anonymous)';
      const at = where(frame, root);
      const key = `${name}@${at}`;
      const entry = byFunction.get(key) ?? { name, where: at, selfUs: 0 };
      entry.selfUs += delta;
      byFunction.set(key, entry);
      const module = frame.functionName.startsWith('(') && !frame.url ? frame.functionName : moduleOf(frame.url, root);
      byModule.set(module, (byModule.get(module) ?? 0) + delta);
    });
    totalUs += processUs;
    processes.push({ file, totalMs: processUs / 1000 });
  }
  return {
    totalMs: totalUs / 1000,
    processes: processes.sort((a, b) => b.totalMs - a.totalMs),
    topFunctions: [...byFunction.values()]
      .sort((a, b) => b.selfUs - a.selfUs)
      .slice(0, top)
      .map((f) => ({ name: f.name, where: f.where, selfMs: f.selfUs / 1000 })),
    topModules: [...byModule.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([module, us]) => ({ module, selfMs: us / 1000 })),
  };
}

/**
 * Keeps the profiles of the processes that did the work (at least `share` of the sampled
 * time) and deletes the others (npm and CLI wrappers), so bench/profiles/ stays small.
 */
export function pruneProfiles(dir: string, share = 0.1): string[] {
  const files = readdirSync(dir).filter((f) => f.endsWith('.cpuprofile'));
  const sizes = files.map((file) => {
    const profile = JSON.parse(readFileSync(path.join(dir, file), 'utf8')) as CpuProfile;
    const idle = new Set(profile.nodes.filter((n) => n.callFrame.functionName === '(idle)').map((n) => n.id));
    return { file, us: profile.samples.reduce((s, id, i) => (idle.has(id) ? s : s + Math.max(0, profile.timeDeltas[i] ?? 0)), 0) };
  });
  const total = sizes.reduce((s, p) => s + p.us, 0);
  const kept: string[] = [];
  for (const { file, us } of sizes) {
    if (us >= share * total) kept.push(file);
    else rmSync(path.join(dir, file));
  }
  return kept;
}

export function sizeMb(file: string): number {
  return statSync(file).size / 1024 / 1024;
}

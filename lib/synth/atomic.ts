import { existsSync, renameSync, rmSync } from 'node:fs';
import * as path from 'node:path';

/**
 * Runs `synthesize` into a fresh sibling of `outdir` and swaps it in only when it
 * succeeds, so a failed synth never leaves a half-written or mixed output folder.
 */
export function synthesizeAtomically(outdir: string, synthesize: (tmpdir: string) => void): void {
  const target = path.resolve(outdir);
  const tmpdir = `${target}.tmp-${process.pid}`;
  const previous = `${target}.old-${process.pid}`;
  rmSync(tmpdir, { recursive: true, force: true });
  try {
    synthesize(tmpdir);
  } catch (error) {
    rmSync(tmpdir, { recursive: true, force: true });
    throw error;
  }
  if (existsSync(target)) renameSync(target, previous);
  renameSync(tmpdir, target);
  rmSync(previous, { recursive: true, force: true });
}

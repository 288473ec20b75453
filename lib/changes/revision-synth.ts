/**
 * Synthesizes a git revision of this repository (the base of a change) with that revision's
 * own code and configuration: its tree is extracted with `git archive` into a temporary
 * folder and its app runs there, as cdktf would run it (the `app` command of its
 * cdktf.json, with CDKTF_OUTDIR). The dependencies are the current checkout's node_modules
 * (symlinked: no install, no network), which is only right when package-lock.json is the same
 * at both revisions; when it differs the caller treats every stack as changed.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

export function git(root: string, args: readonly string[]): string {
  return execFileSync('git', args, { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
}

/** The commit a ref names, or undefined when it names none. */
export function resolveCommit(root: string, ref: string): string | undefined {
  try {
    return git(root, ['rev-parse', '--verify', '--quiet', `${ref}^{commit}`]);
  } catch {
    return undefined;
  }
}

/**
 * The commit to compare the working tree with: the merge base of `ref` and HEAD, as a pull
 * request compares (changes made on `ref` since the branch forked are not the change's).
 */
export function mergeBase(root: string, ref: string): string {
  if (!resolveCommit(root, ref)) throw new Error(`--base ${ref}: no such commit in ${root}`);
  try {
    return git(root, ['merge-base', ref, 'HEAD']);
  } catch {
    throw new Error(`--base ${ref}: it has no common history with HEAD (a shallow clone? fetch more history)`);
  }
}

/** True when package-lock.json differs between `commit` and the working tree. */
export function lockfileDiffers(root: string, commit: string): boolean {
  let atCommit: string | undefined;
  try {
    atCommit = git(root, ['show', `${commit}:package-lock.json`]);
  } catch {
    atCommit = undefined;
  }
  const current = existsSync(path.join(root, 'package-lock.json')) ? readFileSync(path.join(root, 'package-lock.json'), 'utf8').trim() : undefined;
  return atCommit !== current;
}

/**
 * INFRA_CONFIG for the revision's checkout: a file inside the repository is the revision's
 * copy of it; a file outside is the same file for both.
 */
export function configForCheckout(root: string, checkout: string, infraConfig: string | undefined, cwd = process.cwd()): string | undefined {
  if (!infraConfig) return undefined;
  const absolute = path.resolve(cwd, infraConfig);
  const relative = path.relative(root, absolute);
  return relative.startsWith('..') || path.isAbsolute(relative) ? absolute : path.join(checkout, relative);
}

export interface RevisionSynth {
  readonly code: number;
  readonly stderr: string;
}

/** Synthesizes `commit` of the repository at `root` into `outdir`. */
export function synthesizeRevision(root: string, commit: string, outdir: string, env: NodeJS.ProcessEnv = process.env): RevisionSynth {
  const scratch = mkdtempSync(path.join(os.tmpdir(), 'revision-synth-'));
  const checkout = path.join(scratch, 'src');
  try {
    mkdirSync(checkout);
    const archive = spawnSync('sh', ['-c', `git archive --format=tar "$0" | tar -x -C "$1"`, commit, checkout], { cwd: root, encoding: 'utf8' });
    if (archive.status !== 0) return { code: 1, stderr: `git archive ${commit} failed: ${archive.stderr}` };
    // A node_modules symlink committed by mistake (`node_modules/` in .gitignore does not match a link) is replaced.
    rmSync(path.join(checkout, 'node_modules'), { recursive: true, force: true });
    symlinkSync(path.join(root, 'node_modules'), path.join(checkout, 'node_modules'), 'dir');
    const cdktf = JSON.parse(readFileSync(path.join(checkout, 'cdktf.json'), 'utf8')) as { app?: string };
    if (!cdktf.app) return { code: 1, stderr: `cdktf.json at ${commit} names no app` };
    const config = configForCheckout(root, checkout, env.INFRA_CONFIG);
    const result = spawnSync('sh', ['-c', cdktf.app], {
      cwd: checkout,
      encoding: 'utf8',
      env: { ...env, CDKTF_OUTDIR: path.resolve(outdir), ...(config ? { INFRA_CONFIG: config } : {}) },
    });
    return { code: result.status ?? 1, stderr: result.stderr };
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

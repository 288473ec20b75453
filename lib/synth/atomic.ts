import { existsSync, mkdirSync, readdirSync, renameSync, rmSync } from 'node:fs';
import * as path from 'node:path';

/**
 * What Terraform (run by hand, by `npm run plan/apply` or by `cdktf diff/deploy`) leaves in a
 * stack folder, kept across a synth: the providers and backend settings of `terraform init`
 * (`.terraform/`, so a synth does not force a new init), a local backend's state and its
 * workspaces, and saved plans. The provider lock file is not among them: it is the product's
 * (copied from locks/ on every synth).
 */
export function isTerraformWorkingFile(name: string): boolean {
  return ['.terraform', 'terraform.tfstate', 'terraform.tfstate.backup', 'terraform.tfstate.d', 'plan'].includes(name) || name.endsWith('.tfplan');
}

/** Files whose presence stops a synth: see findBlockers. */
const ERRORED_STATE = 'errored.tfstate';
const LOCAL_LOCK = '.terraform.tfstate.lock.info';
const LOCAL_STATE = ['terraform.tfstate', 'terraform.tfstate.d'];

/** A synth refused because it would lose or disturb Terraform state; nothing was written. */
export class WorkingStateError extends Error {
  constructor(readonly problems: string[]) {
    super(problems.join('\n\n'));
  }
}

function stackFolders(outdir: string): string[] {
  const stacks = path.join(outdir, 'stacks');
  if (!existsSync(stacks)) return [];
  return readdirSync(stacks, { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .map((d) => d.name);
}

function shown(outdir: string, stack: string, file: string): string {
  return path.relative(process.cwd(), path.join(outdir, 'stacks', stack, file)) || file;
}

/**
 * Reasons not to replace `outdir`, one message each:
 *  - `errored.tfstate`: Terraform could not save the state to its backend after an apply and
 *    wrote it here; it is the only copy of what the apply created, and must be pushed first;
 *  - `.terraform.tfstate.lock.info`: a Terraform command holds a local state lock in that
 *    folder (swapping the folder under it would lose what it writes);
 *  - `removed`: stacks the new synth no longer has whose folder holds local state.
 */
export function findBlockers(outdir: string, removed: readonly string[] = []): string[] {
  const problems: string[] = [];
  for (const stack of stackFolders(outdir)) {
    const dir = path.join(outdir, 'stacks', stack);
    if (existsSync(path.join(dir, ERRORED_STATE))) {
      problems.push(
        [
          `${shown(outdir, stack, ERRORED_STATE)}: Terraform could not save the state of ${stack} to its backend; this file is the only copy of it.`,
          '  Push it to the backend, then delete it, and synthesize again:',
          `    cd ${path.relative(process.cwd(), dir) || '.'}`,
          `    terraform state push ${ERRORED_STATE}`,
          `    rm ${ERRORED_STATE}`,
          '  (docs/remote-state.md, "Recovery": if the push is refused because the state is locked, force-unlock first.)',
        ].join('\n'),
      );
    }
    if (existsSync(path.join(dir, LOCAL_LOCK))) {
      problems.push(
        `${shown(outdir, stack, LOCAL_LOCK)}: a Terraform command holds the local state lock of ${stack}. Wait for it to finish; if none is running, the lock is stale: delete this file.`,
      );
    }
    const state = LOCAL_STATE.filter((f) => existsSync(path.join(dir, f)));
    if (removed.includes(stack) && state.length > 0) {
      problems.push(
        `${shown(outdir, stack, state[0])}: the stack ${stack} is no longer synthesized, but its folder holds Terraform state. Destroy the stack with the configuration that still has it, or move ${state.join(' and ')} elsewhere, before synthesizing without it.`,
      );
    }
  }
  return problems;
}

export interface AtomicOptions {
  /**
   * Leave an empty folder for each stack the new output no longer has. The cdktf CLI lists
   * the stack folders before it runs the app and deletes those the app did not synthesize
   * afterwards; a folder the swap already removed makes it fail (ENOENT). @default false
   */
  readonly keepRemovedStackFolders?: boolean;
}

/**
 * Runs `synthesize` into a fresh sibling of `outdir` and swaps it in only when it succeeds,
 * so a failed synth never leaves a half-written or mixed output folder. Terraform's working
 * files in the stack folders (isTerraformWorkingFile) move into the new output; a synth that
 * would lose state (findBlockers) is refused with a WorkingStateError, before anything
 * changes.
 */
export function synthesizeAtomically(outdir: string, synthesize: (tmpdir: string) => void, options: AtomicOptions = {}): void {
  const target = path.resolve(outdir);
  const tmpdir = `${target}.tmp-${process.pid}`;
  const previous = `${target}.old-${process.pid}`;
  const before = findBlockers(target);
  if (before.length > 0) throw new WorkingStateError(before);
  rmSync(tmpdir, { recursive: true, force: true });
  // CDKTF_OUTDIR may name a folder whose parent does not exist yet.
  mkdirSync(path.dirname(target), { recursive: true });
  let removed: string[];
  try {
    synthesize(tmpdir);
    const kept = new Set(stackFolders(tmpdir));
    removed = stackFolders(target).filter((s) => !kept.has(s));
    const blockers = findBlockers(target, removed);
    if (blockers.length > 0) throw new WorkingStateError(blockers);
  } catch (error) {
    rmSync(tmpdir, { recursive: true, force: true });
    throw error;
  }
  if (!existsSync(target)) {
    renameSync(tmpdir, target);
    return;
  }
  renameSync(target, previous);
  renameSync(tmpdir, target);
  for (const stack of stackFolders(previous)) {
    const from = path.join(previous, 'stacks', stack);
    const to = path.join(target, 'stacks', stack);
    if (removed.includes(stack)) {
      if (options.keepRemovedStackFolders) mkdirSync(to);
      continue;
    }
    for (const name of readdirSync(from).filter(isTerraformWorkingFile)) {
      // A rename within one folder tree: no copy, and `.terraform/` symlinks stay valid.
      if (!existsSync(path.join(to, name))) renameSync(path.join(from, name), path.join(to, name));
    }
  }
  rmSync(previous, { recursive: true, force: true });
}

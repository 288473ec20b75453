/**
 * npm run changed -- --base <git ref> [--json]
 *
 * Which stacks the working tree's changes touch, compared with the merge base of <git ref>
 * and HEAD: both are synthesized (the base with its own code) and compared stack by stack
 * (lib/changes). Prints the touched stacks with the reason and the order to plan them in;
 * with --json, only JSON on stdout (progress and synth messages go to stderr).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { runSynth } from '../../main';
import { REPO_ROOT } from '../terraform/locks';
import { ChangeReport, detectChanges } from './detect';

export interface Writer {
  write(text: string): unknown;
}

const USAGE = 'Usage: npm run changed -- --base <git ref> [--json]\n';

export function parseChangedArgs(argv: readonly string[]): { base: string; json: boolean } {
  const at = argv.indexOf('--base');
  const base = at >= 0 ? argv[at + 1] : undefined;
  if (!base || base.startsWith('-')) throw new Error(`--base needs a git ref, e.g. --base origin/main\n${USAGE}`);
  const unknown = argv.filter((a, i) => i !== at && i !== at + 1 && a !== '--json');
  if (unknown.length > 0) throw new Error(`Unknown argument(s): ${unknown.join(' ')}\n${USAGE}`);
  return { base, json: argv.includes('--json') };
}

export function renderChanges(report: ChangeReport): string {
  const lines = [`Base: ${report.base.ref} (merge base ${report.base.commit.slice(0, 12)}); compared: the working tree.`];
  if (report.note) lines.push(`Note: ${report.note}`);
  lines.push(`${report.changes.length} of ${report.stacks} stacks touched${report.changes.length > 0 ? ':' : '.'}`);
  const width = Math.max(0, ...report.changes.map((c) => c.stack.length));
  for (const change of report.changes) lines.push(`  ${change.stack.padEnd(width)}  ${change.kind.padEnd(7)}  ${change.reasons.join(', ')}`);
  if (report.planOrder.length > 0) lines.push(`Plan order: ${report.planOrder.join(', ')}`);
  return `${lines.join('\n')}\n`;
}

/**
 * Synthesizes the working tree into a temporary folder and detects its changes against
 * `baseRef`; the synth's messages go to `stderr`. Throws on a bad ref; the exit code of a
 * failed synth is returned as `code`.
 */
export function changesOfWorkingTree(baseRef: string, env: NodeJS.ProcessEnv, stderr: Writer, root = REPO_ROOT): { code: number; report?: ChangeReport } {
  const scratch = mkdtempSync(path.join(os.tmpdir(), 'changes-head-'));
  try {
    const outdir = path.join(scratch, 'out');
    const code = runSynth({ ...env, CDKTF_OUTDIR: outdir }, stderr);
    if (code !== 0) return { code };
    return { code: 0, report: detectChanges({ root, baseRef, headOutdir: outdir, env }) };
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

export function runChanged(argv: readonly string[], env: NodeJS.ProcessEnv, stdout: Writer, stderr: Writer): number {
  let args: { base: string; json: boolean };
  try {
    args = parseChangedArgs(argv);
  } catch (error) {
    stderr.write(`${(error as Error).message}`);
    return 2;
  }
  try {
    const { code, report } = changesOfWorkingTree(args.base, env, stderr);
    if (!report) return code;
    stdout.write(args.json ? `${JSON.stringify(report, null, 2)}\n` : renderChanges(report));
    return 0;
  } catch (error) {
    stderr.write(`${(error as Error).message}\n`);
    return 1;
  }
}

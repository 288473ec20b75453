/**
 * npm run plan  -- [<stack|glob> ...] [terraform plan flags]
 * npm run apply -- <stack|glob> ...   [terraform apply flags]
 *
 * Plain Terraform on the synthesized stacks, the same thing `cdktf diff` / `cdktf deploy`
 * do, without the cdktf CLI:
 *
 *  1. synthesizes the app (as `npm run synth`: into CDKTF_OUTDIR, default cdktf.out; each
 *     stack folder gets its committed provider lock file);
 *  2. for each selected stack, in the dependency order of cdktf.out/manifest.json
 *     (producers before the stacks reading their outputs), in cdktf.out/stacks/<stack>:
 *       terraform init -input=false [-lockfile=readonly when the stack has a lock file]
 *       plan:  terraform plan -input=false -out=<stack>.tfplan [flags]
 *       apply: terraform apply -input=false [flags]   (asks for approval unless -auto-approve)
 *
 * `plan` without stacks plans every stack. Stacks are names or globs (`'dev-*'`, quote them
 * for the shell). Other arguments starting with `-` go to terraform plan/apply
 * (e.g. `-auto-approve`, `-refresh=false`, `-target=...`). Own flags:
 *   --skip-synth   use cdktf.out as it is
 *   --dry-run      print the commands instead of running them
 * Stops at the first failing stack; the exit code is terraform's.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { runSynth } from '../../main';
import { dependencyOrder, matchStacks, readManifest } from '../atlantis/manifest';
import { detectChanges } from '../changes/detect';
import { REPO_ROOT } from './locks';
import { pinnedAccountHint } from './deploy-account';
import { isProviderFailure, PROVIDER_HINT } from './provider-hint';

export type Command = 'plan' | 'apply';

export interface RunOptions {
  readonly command: Command;
  readonly patterns: readonly string[];
  readonly terraformArgs: readonly string[];
  readonly skipSynth: boolean;
  readonly dryRun: boolean;
  /** Plan only the stacks changed since this git ref (`--changed [--base <ref>]`). */
  readonly changedSince?: string;
}

/** The base of `--changed` without `--base`. */
export const DEFAULT_BASE = 'origin/main';

export interface PlannedStep {
  readonly stack: string;
  readonly cwd: string;
  readonly args: readonly string[];
}

const OWN_FLAGS = ['--skip-synth', '--dry-run', '--changed'];

export function parseArgs(argv: readonly string[]): RunOptions {
  const [command, ...args] = argv;
  if (command !== 'plan' && command !== 'apply') throw new Error(`unknown command ${JSON.stringify(command)}: expected plan or apply`);
  const baseAt = args.indexOf('--base');
  const base = baseAt >= 0 ? args[baseAt + 1] : undefined;
  if (baseAt >= 0 && (!base || base.startsWith('-'))) throw new Error('--base needs a git ref, e.g. --base origin/main');
  const rest = baseAt >= 0 ? [...args.slice(0, baseAt), ...args.slice(baseAt + 2)] : args;
  const changed = rest.includes('--changed');
  if (base && !changed) throw new Error('--base goes with --changed');
  if (changed && command === 'apply') throw new Error('--changed plans only: apply the stacks by name');
  const patterns = rest.filter((a) => !a.startsWith('-'));
  if (changed && patterns.length > 0) throw new Error(`--changed selects the stacks itself; drop ${patterns.join(' ')}`);
  if (command === 'apply' && patterns.length === 0) throw new Error('npm run apply needs the stack(s) to apply, e.g. `npm run apply -- dev-network`');
  return {
    command,
    patterns,
    terraformArgs: rest.filter((a) => a.startsWith('-') && !OWN_FLAGS.includes(a)),
    skipSynth: rest.includes('--skip-synth'),
    dryRun: rest.includes('--dry-run'),
    ...(changed ? { changedSince: base ?? DEFAULT_BASE } : {}),
  };
}

/**
 * The terraform invocations for the selected stacks, in dependency order: the stacks
 * matching the patterns, or exactly `selected` when given (`--changed`).
 */
export function planSteps(outdir: string, options: RunOptions, selected?: readonly string[]): PlannedStep[] {
  const stacks = readManifest(outdir);
  const names = stacks.map((s) => s.name);
  const { matched, unmatched } = matchStacks(names, options.patterns.length > 0 ? options.patterns : ['*']);
  if (unmatched.length > 0) throw new Error(`no stack matches ${unmatched.join(', ')}; stacks: ${names.join(', ')}`);
  const steps: PlannedStep[] = [];
  for (const name of dependencyOrder(stacks, selected ?? matched)) {
    const cwd = path.join(outdir, stacks.find((s) => s.name === name)!.workingDirectory);
    const lockArgs = existsSync(path.join(cwd, '.terraform.lock.hcl')) ? ['-lockfile=readonly'] : [];
    steps.push({ stack: name, cwd, args: ['init', '-input=false', ...lockArgs] });
    steps.push({
      stack: name,
      cwd,
      args: options.command === 'plan' ? ['plan', '-input=false', `-out=${name}.tfplan`, ...options.terraformArgs] : ['apply', '-input=false', ...options.terraformArgs],
    });
  }
  return steps;
}

/** The command: `npm run plan|apply -- ...`; returns the exit code. */
export function main(argv: readonly string[]): number {
  let options: RunOptions;
  try {
    options = parseArgs(argv);
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n`);
    return 2;
  }
  const outdir = path.resolve(process.env.CDKTF_OUTDIR ?? 'cdktf.out');
  if (!options.skipSynth) {
    process.stdout.write(`Synthesizing into ${path.relative(process.cwd(), outdir) || '.'} ...\n`);
    const code = runSynth(process.env, process.stderr);
    if (code !== 0) return code;
  } else if (!existsSync(path.join(outdir, 'manifest.json'))) {
    process.stderr.write(`No synthesized stacks in ${outdir}: run \`npm run synth\` or drop --skip-synth.\n`);
    return 1;
  }
  let steps: PlannedStep[];
  try {
    let selected: readonly string[] | undefined;
    if (options.changedSince) {
      const report = detectChanges({ root: REPO_ROOT, baseRef: options.changedSince, headOutdir: outdir });
      selected = report.planOrder;
      const removed = report.changes.filter((c) => c.kind === 'removed').map((c) => c.stack);
      process.stdout.write(`Changed since ${options.changedSince} (${report.base.commit.slice(0, 12)}): ${selected.length === 0 ? 'no stack' : selected.join(', ')}\n`);
      if (report.note) process.stdout.write(`Note: ${report.note}\n`);
      if (removed.length > 0) process.stdout.write(`Removed by the change, not planned here (their resources stay until destroyed): ${removed.join(', ')}\n`);
    }
    steps = planSteps(outdir, options, selected);
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n`);
    return 1;
  }
  // No version-check calls to checkpoint-api.hashicorp.com (they fail, and print so, offline).
  const env = { ...process.env, CHECKPOINT_DISABLE: process.env.CHECKPOINT_DISABLE ?? '1' };
  for (const step of steps) {
    const where = path.relative(process.cwd(), step.cwd) || '.';
    process.stdout.write(`\n$ (cd ${where} && terraform ${step.args.join(' ')})\n`);
    if (options.dryRun) continue;
    // init's stderr is read (and passed on) to tell a provider download failure apart.
    const init = step.args[0] === 'init';
    const result = spawnSync('terraform', step.args, { cwd: step.cwd, stdio: ['inherit', 'inherit', init ? 'pipe' : 'inherit'], env, encoding: 'utf8' });
    if (init && result.stderr) process.stderr.write(result.stderr);
    if (result.error) {
      process.stderr.write(`terraform could not be run: ${result.error.message} (Terraform >= 1.10 must be on the PATH)\n`);
      return 1;
    }
    if (result.status !== 0) {
      process.stderr.write(`\n${step.stack}: terraform ${step.args[0]} failed; stopping.\n`);
      if (init && isProviderFailure(result.stderr ?? '')) process.stderr.write(`${PROVIDER_HINT}\n`);
      const hint = pinnedAccountHint(step.stack, (JSON.parse(readFileSync(path.join(step.cwd, 'cdk.tf.json'), 'utf8')) as { provider?: unknown }).provider);
      if (hint) process.stderr.write(`${hint}\n`);
      return result.status ?? 1;
    }
  }
  return 0;
}


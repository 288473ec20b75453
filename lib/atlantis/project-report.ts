/**
 * What the `cdktf` workflow prints after a project's plan (`npm run atlantis:report`), so the
 * pull request comment shows beside the Terraform plan whether the tasks can start and what
 * the change costs:
 *
 *   Preflight (dev-svc-7): 1 service, 6 checks: 6 pass, 0 warn, 0 unknown, 0 fail; every task can reach what it needs to start.
 *   Cost (dev, list prices): $120.34/month before, $120.34/month after: +$0.00/month.
 *
 * The preflight covers the services of the stack and of the stacks that read its outputs
 * (a network change can break every service of its environment); the cost is the monthly
 * fixed cost of the stack's environment (lib/cost) at the base revision and now. The base
 * is synthesized once per commit into ci-cdktf.out/.base/<commit> and shared by the
 * projects of a pull request, which Atlantis plans in parallel.
 */
import { existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import * as path from 'node:path';
import { dependencyOrder, readManifest } from './manifest';
import { money } from '../cost/model';
import { buildReport } from '../cost/report';
import { analyze } from '../preflight/analyze';
import { readSynthesized } from '../preflight/read-synth';
import { summaryLine } from '../preflight/report';
import { git, resolveCommit, synthesizeRevision } from '../changes/revision-synth';

export interface ProjectReportOptions {
  readonly root: string;
  /** The pull request's synthesized stacks (ci-cdktf.out). */
  readonly outdir: string;
  readonly project: string;
  /** The revision to compare with. @default the base of Atlantis's merge, else origin/$BASE_BRANCH_NAME */
  readonly baseRef?: string;
  readonly env: NodeJS.ProcessEnv;
}

/** The project's stack and every stack that reads its outputs, directly or not. */
export function affectedStacks(outdir: string, project: string): string[] {
  const stacks = readManifest(outdir);
  const affected = new Set([project]);
  for (const name of dependencyOrder(stacks)) {
    if (stacks.find((s) => s.name === name)!.dependencies.some((d) => affected.has(d))) affected.add(name);
  }
  return stacks.map((s) => s.name).filter((n) => affected.has(n));
}

export function preflightLine(outdir: string, project: string): string {
  const affected = new Set(affectedStacks(outdir, project));
  const report = analyze(readSynthesized(outdir), 'the pull request');
  const services = report.services.filter((s) => affected.has(s.service.stack.name));
  if (services.length === 0) return `Preflight (${project}): no ECS service in this stack or the stacks reading it.`;
  const names = [...new Set(services.map((s) => s.service.stack.name))];
  const shown = names.length <= 3 ? names.join(', ') : `${names.slice(0, 3).join(', ')} and ${names.length - 3} more`;
  return `Preflight (${shown}): ${summaryLine({ ...report, services }).replace(/^Summary: /, '')}`;
}

/**
 * The base revision in Atlantis's clone: with the merge checkout strategy HEAD merges the
 * pull request (HEAD^2) into the base branch (HEAD^1); otherwise the base branch's remote
 * ref, when the clone has it.
 */
export function defaultBase(root: string, env: NodeJS.ProcessEnv): string | undefined {
  if (resolveCommit(root, 'HEAD^2')) return 'HEAD^1';
  if (env.BASE_BRANCH_NAME && resolveCommit(root, `origin/${env.BASE_BRANCH_NAME}`)) return `origin/${env.BASE_BRANCH_NAME}`;
  return undefined;
}

/** The base's synthesized stacks, made once per commit (parallel projects race to one rename). */
export function baseOutdir(root: string, outdir: string, commit: string, env: NodeJS.ProcessEnv): { dir?: string; error?: string } {
  const final = path.join(outdir, '.base', commit);
  if (existsSync(path.join(final, 'manifest.json'))) return { dir: final };
  const staging = `${final}.${process.pid}`;
  mkdirSync(path.dirname(final), { recursive: true });
  const synth = synthesizeRevision(root, commit, staging, env);
  if (synth.code !== 0) return { error: `the base ${commit.slice(0, 12)} does not synthesize: ${synth.stderr.trim().split('\n')[0]}` };
  try {
    renameSync(staging, final);
  } catch {
    // Another project got there first with the same commit's output.
    rmSync(staging, { recursive: true, force: true });
  }
  return { dir: final };
}

function signed(usd: number): string {
  const cents = Math.round(usd * 100) / 100;
  return `${cents < 0 ? '-' : '+'}${money(Math.abs(cents))}`;
}

export function costLine(outdir: string, project: string, base: { dir?: string; error?: string }): string {
  const after = buildReport(outdir).environments.find((e) => e.stacks.includes(project));
  if (!after) return `Cost (${project}): no priced environment holds this stack.`;
  const label = `Cost (${after.name}, list prices from ${after.pricingFile})`;
  if (!base.dir) return `${label}: ${money(after.fixedMonthlyUsd)}/month now; the change's delta is unknown: ${base.error}.`;
  const before = buildReport(base.dir).environments.find((e) => e.name === after.name);
  const was = before?.fixedMonthlyUsd ?? 0;
  return `${label}: ${money(was)}/month before, ${money(after.fixedMonthlyUsd)}/month after: ${signed(after.fixedMonthlyUsd - was)}/month.`;
}

export function projectReport(options: ProjectReportOptions): string {
  const ref = options.baseRef ?? defaultBase(options.root, options.env);
  const commit = ref ? resolveCommit(options.root, ref) : undefined;
  const base = commit
    ? baseOutdir(options.root, options.outdir, commit, options.env)
    : { error: ref ? `${ref} is not a commit in this clone` : 'no base revision in this clone (the merge checkout strategy provides one)' };
  const lines = [preflightLine(options.outdir, options.project), costLine(options.outdir, options.project, base)];
  if (commit) lines.push(`(compared with ${ref} = ${git(options.root, ['rev-parse', '--short=12', commit])})`);
  return `${lines.join('\n')}\n`;
}

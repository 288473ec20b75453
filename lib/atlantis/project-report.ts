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
 * is synthesized once per base commit and configuration into a cache in the temporary
 * folder, shared by the projects of a pull request and the pull requests on the same base.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, utimesSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { sha256 } from '../changes/fingerprint';
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

/** `names` and every stack they read from, directly or not. */
function withProducers(outdir: string, names: readonly string[]): Set<string> {
  const byName = new Map(readManifest(outdir).map((s) => [s.name, s]));
  const found = new Set<string>();
  const visit = (name: string) => {
    if (found.has(name)) return;
    found.add(name);
    for (const dependency of byName.get(name)?.dependencies ?? []) visit(dependency);
  };
  names.forEach(visit);
  return found;
}

export function preflightLine(outdir: string, project: string): string {
  const affected = new Set(affectedStacks(outdir, project));
  // The affected stacks and their producers are all the analysis needs: a service's paths go
  // through its own stack and the stacks it reads (at 1 x 50, 3 stacks instead of 53).
  const needed = withProducers(outdir, [...affected]);
  const report = analyze(
    readSynthesized(outdir).filter((s) => needed.has(s.name)),
    'the pull request',
  );
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

/** Where base synths are kept between pull requests (Atlantis makes a new clone for each). */
export const BASE_CACHE_DIR = path.join(os.tmpdir(), 'fargate-platform-base-synth');
/** Cached base synths unused for this long are removed. */
const BASE_CACHE_DAYS = 7;

/**
 * What a base synth depends on besides the commit: the dependencies it runs with (this
 * checkout's package-lock.json), INFRA_CONFIG (its content when it lives outside the
 * repository) and ENVIRONMENTS.
 */
export function baseCacheKey(root: string, commit: string, env: NodeJS.ProcessEnv, cwd = process.cwd()): string {
  const lockFile = path.join(root, 'package-lock.json');
  const config = env.INFRA_CONFIG ? path.resolve(cwd, env.INFRA_CONFIG) : '';
  const relative = config ? path.relative(root, config) : '';
  const outside = config !== '' && (relative.startsWith('..') || path.isAbsolute(relative));
  return sha256(
    [commit, existsSync(lockFile) ? sha256(readFileSync(lockFile, 'utf8')) : '', outside ? `file:${existsSync(config) ? sha256(readFileSync(config, 'utf8')) : config}` : relative, env.ENVIRONMENTS ?? ''].join('\n'),
  );
}

/**
 * The base's synthesized stacks, made once per base commit and configuration and shared by
 * the projects of a pull request (Atlantis plans them in parallel: they race to one rename)
 * and by the pull requests that follow on the same base.
 */
export function baseOutdir(root: string, commit: string, env: NodeJS.ProcessEnv, cacheDir = BASE_CACHE_DIR): { dir?: string; error?: string } {
  const final = path.join(cacheDir, baseCacheKey(root, commit, env));
  if (existsSync(path.join(final, 'manifest.json'))) {
    utimesSync(final, new Date(), new Date());
    return { dir: final };
  }
  mkdirSync(cacheDir, { recursive: true });
  pruneCache(cacheDir);
  const staging = `${final}.${process.pid}`;
  const synth = synthesizeRevision(root, commit, staging, env);
  if (synth.code !== 0) return { error: `the base ${commit.slice(0, 12)} does not synthesize: ${synth.stderr.trim().split('\n')[0]}` };
  try {
    renameSync(staging, final);
  } catch {
    // Another project got there first with the same output.
    rmSync(staging, { recursive: true, force: true });
  }
  return { dir: final };
}

function pruneCache(cacheDir: string): void {
  const cutoff = Date.now() - BASE_CACHE_DAYS * 24 * 3600 * 1000;
  for (const entry of readdirSync(cacheDir)) {
    const full = path.join(cacheDir, entry);
    if (statSync(full).mtimeMs < cutoff) rmSync(full, { recursive: true, force: true });
  }
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
    ? baseOutdir(options.root, commit, options.env)
    : { error: ref ? `${ref} is not a commit in this clone` : 'no base revision in this clone (the merge checkout strategy provides one)' };
  // A report that cannot be made (a region without a price sheet) is said, never a failed plan.
  const line = (label: string, make: () => string) => {
    try {
      return make();
    } catch (error) {
      return `${label} (${options.project}): unavailable: ${(error as Error).message}`;
    }
  };
  const lines = [line('Preflight', () => preflightLine(options.outdir, options.project)), line('Cost', () => costLine(options.outdir, options.project, base))];
  if (commit) lines.push(`(compared with ${ref} = ${git(options.root, ['rev-parse', '--short=12', commit])})`);
  return `${lines.join('\n')}\n`;
}

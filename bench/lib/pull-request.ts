/**
 * The pull-request case of the bench: what Atlantis runs for a one-service edit at 1
 * environment x 50 services, against planning that one stack alone.
 *
 * Prepared once (not measured): a git repository holding the project with the 1 x 50
 * configuration and its generated files on main; a pull request that changes svc-7's
 * imageTag and regenerates; Atlantis's clone of it (main merged with the pull request, the
 * merge checkout strategy); the projects Atlantis autoplans for its modified files.
 *
 * Measured, in the clone, from a clean ci-cdktf.out/: the pre-workflow hook
 * (`npm run atlantis:synth`), then for each autoplanned project the `cdktf` workflow's steps:
 * `terraform init` + `terraform plan` (offline: local backend, dummy credentials,
 * placeholder remote state; lib/terraform/offline.ts) and the report step (preflight, and the
 * cost delta against the base, whose synth is cached per base commit: `cold` clears that
 * cache entry first, as for the first pull request after a merge). The baseline: init + plan
 * of that stack alone from its synthesized folder.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { parse } from 'yaml';
import { autoplannedProjects } from '../../lib/atlantis/autoplan';
import { BASE_CACHE_DIR, baseCacheKey } from '../../lib/atlantis/project-report';
import type { AtlantisConfig } from '../../lib/atlantis/repo-config';
import { describeFailure, planStackOffline } from '../../lib/terraform/offline';
import { ROOT, scaleConfig } from './fixtures';

export const PR_SERVICES = 50;
/** The repository's own configuration: `npm run atlantis` generates from the committed one only. */
const CONFIG = 'config/environments.yaml';

export interface PreparedPullRequest {
  readonly clone: string;
  readonly env: NodeJS.ProcessEnv;
  /** The projects Atlantis autoplans for the pull request. */
  readonly projects: readonly string[];
  /** The edited service's stack. */
  readonly stack: string;
  /** The pull request synthesized once, for the baseline. */
  readonly aloneOutdir: string;
}

function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', ['-c', 'user.name=bench', '-c', 'user.email=bench@example.com', '-c', 'init.defaultBranch=main', ...args], { cwd, encoding: 'utf8', stdio: 'pipe' }).trim();
}

function node(cwd: string, env: NodeJS.ProcessEnv, ...args: string[]): string {
  const result = spawnSync(process.execPath, ['scripts/run.cjs', ...args], { cwd, env, encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`${args.join(' ')} (in ${cwd}) exited ${result.status}\n${result.stderr}`);
  return result.stdout;
}

function linkModules(repo: string): void {
  symlinkSync(path.join(ROOT, 'node_modules'), path.join(repo, 'node_modules'), 'dir');
  writeFileSync(path.join(repo, '.git', 'info', 'exclude'), 'node_modules\n');
}

export function preparePullRequest(scratch: string): PreparedPullRequest {
  const work = mkdtempSync(path.join(scratch, 'pr-'));
  const origin = path.join(work, 'origin');
  const files = execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard', '-z'], { cwd: ROOT, encoding: 'utf8' }).split('\0').filter(Boolean);
  for (const file of files) {
    const from = path.join(ROOT, file);
    if (!existsSync(from) || !lstatSync(from).isFile()) continue;
    mkdirSync(path.dirname(path.join(origin, file)), { recursive: true });
    copyFileSync(from, path.join(origin, file));
  }
  writeFileSync(path.join(origin, CONFIG), scaleConfig(PR_SERVICES, 1));
  const env: NodeJS.ProcessEnv = { ...process.env, INFRA_CONFIG: '', ENVIRONMENTS: '', CDKTF_OUTDIR: '', CHECKPOINT_DISABLE: '1' };
  git(origin, 'init', '-q');
  linkModules(origin);
  node(origin, env, 'scripts/atlantis.ts');
  git(origin, 'add', '-A');
  git(origin, 'commit', '-q', '-m', 'base: 1 environment x 50 services');
  git(origin, 'checkout', '-q', '-b', 'pull-request');
  const configFile = path.join(origin, CONFIG);
  writeFileSync(configFile, readFileSync(configFile, 'utf8').replace(/(svc-7:\n\s+imageTag:) v1\.0\.0/, '$1 v1.0.1'));
  node(origin, env, 'scripts/atlantis.ts');
  git(origin, 'commit', '-q', '-am', 'svc-7: v1.0.1');
  const clone = path.join(work, 'clone');
  git(work, 'clone', '-q', '--branch', 'main', origin, clone);
  git(clone, 'fetch', '-q', 'origin', 'pull-request');
  git(clone, 'merge', '-q', '--no-ff', '-m', 'atlantis-merge', 'FETCH_HEAD');
  linkModules(clone);
  const modified = git(clone, 'diff', '--name-only', 'HEAD^1', 'HEAD').split('\n').filter(Boolean);
  const config = parse(readFileSync(path.join(clone, 'atlantis.yaml'), 'utf8')) as AtlantisConfig;
  const aloneOutdir = path.join(work, 'alone.out');
  node(clone, { ...env, CDKTF_OUTDIR: aloneOutdir }, 'main.ts');
  return { clone, env, projects: autoplannedProjects(config, modified), stack: 'dev-svc-7', aloneOutdir };
}

const CI_OUT = 'ci-cdktf.out';

/**
 * Forgets what an earlier run left in the clone (each pull request starts from a fresh
 * clone) and, when `cold`, the cached synth of the base.
 */
export function resetClone(pr: PreparedPullRequest, cold: boolean): void {
  rmSync(path.join(pr.clone, CI_OUT), { recursive: true, force: true });
  if (cold) rmSync(path.join(BASE_CACHE_DIR, baseCacheKey(pr.clone, git(pr.clone, 'rev-parse', 'HEAD^1'), pr.env, pr.clone)), { recursive: true, force: true });
}

/** The hook, then each autoplanned project's plan workflow. */
export async function runPullRequest(pr: PreparedPullRequest, workroot: string): Promise<void> {
  node(pr.clone, pr.env, 'scripts/atlantis.ts', 'synth');
  for (const project of pr.projects) {
    const result = await planStackOffline(path.join(pr.clone, CI_OUT), project, workroot);
    if (!result.ok) throw new Error(describeFailure(result));
    node(pr.clone, { ...pr.env, BASE_BRANCH_NAME: 'main' }, 'scripts/atlantis.ts', 'report', '--project', project);
  }
}

/** The baseline: init + plan of the one stack, already synthesized. */
export async function planAlone(pr: PreparedPullRequest, workroot: string): Promise<void> {
  const result = await planStackOffline(pr.aloneOutdir, pr.stack, workroot);
  if (!result.ok) throw new Error(describeFailure(result));
}

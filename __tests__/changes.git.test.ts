/**
 * Pull requests plan only what changed, in a real git repository: the project copied into a
 * temporary repository whose config/environments.yaml has 1 environment x 50 services,
 * committed with the files `npm run atlantis` generates; then one branch per kind of change,
 * regenerated and committed as a developer would. Which projects Atlantis autoplans is decided
 * from the pull request's modified files and its atlantis.yaml the way Atlantis does
 * (lib/atlantis/autoplan.ts); `npm run changed` synthesizes the base revision with its own code.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parse } from 'yaml';
import { autoplannedProjects } from '../lib/atlantis/autoplan';
import type { AtlantisConfig } from '../lib/atlantis/repo-config';
import type { ChangeReport } from '../lib/changes/detect';
import { scaleConfig } from '../bench/lib/fixtures';

jest.setTimeout(300_000);

const ROOT = path.resolve(__dirname, '..');
const SERVICES = 50;
/** The repository's own configuration: atlantis.yaml and fingerprints/ describe the committed one. */
const CONFIG = 'config/environments.yaml';
const env = { ...process.env, INFRA_CONFIG: '', ENVIRONMENTS: '', CDKTF_OUTDIR: '' };
const services = Array.from({ length: SERVICES }, (_, i) => `dev-svc-${i + 1}`);

let work: string;
let repo: string;

function git(...args: string[]): string {
  return execFileSync('git', ['-c', 'user.name=test', '-c', 'user.email=test@example.com', '-c', 'init.defaultBranch=main', ...args], { cwd: repo, encoding: 'utf8', stdio: 'pipe' }).trim();
}

/** Runs one of the project's npm scripts in the repository, as `npm run <script>` does. */
function run(entry: string, ...args: string[]): string {
  const result = spawnSync(process.execPath, ['scripts/run.cjs', entry, ...args], { cwd: repo, env, encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`${entry} ${args.join(' ')} exited ${result.status}\n${result.stderr}`);
  return result.stdout;
}

function edit(file: string, from: string | RegExp, to: string): void {
  const full = path.join(repo, file);
  const text = readFileSync(full, 'utf8');
  const changed = text.replace(from, to);
  if (changed === text) throw new Error(`${file}: ${from} not found`);
  writeFileSync(full, changed);
}

/**
 * A pull request: a branch off main with `change` made, `npm run atlantis` run and everything
 * committed. Returns the projects Atlantis autoplans for it.
 */
function pullRequest(name: string, change: () => void): string[] {
  git('checkout', '-q', '-b', name, 'main');
  change();
  run('scripts/atlantis.ts');
  git('add', '-A');
  git('commit', '-q', '-m', name);
  const modified = git('diff', '--name-only', 'main...HEAD').split('\n').filter(Boolean);
  const config = parse(readFileSync(path.join(repo, 'atlantis.yaml'), 'utf8')) as AtlantisConfig;
  return autoplannedProjects(config, modified);
}

beforeAll(() => {
  work = mkdtempSync(path.join(os.tmpdir(), 'changes-git-'));
  repo = path.join(work, 'repo');
  const files = execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard', '-z'], { cwd: ROOT, encoding: 'utf8' }).split('\0').filter(Boolean);
  for (const file of files) {
    const from = path.join(ROOT, file);
    if (!existsSync(from) || !lstatSync(from).isFile()) continue;
    mkdirSync(path.dirname(path.join(repo, file)), { recursive: true });
    copyFileSync(from, path.join(repo, file));
  }
  symlinkSync(path.join(ROOT, 'node_modules'), path.join(repo, 'node_modules'), 'dir');
  writeFileSync(path.join(repo, CONFIG), scaleConfig(SERVICES, 1).replace('egress: endpoints', 'egress: endpoints\n      flowLogs:\n        retentionDays: 30'));
  git('init', '-q');
  // `node_modules/` in .gitignore matches a folder, not this link.
  writeFileSync(path.join(repo, '.git', 'info', 'exclude'), 'node_modules\n');
  run('scripts/atlantis.ts');
  git('add', '-A');
  git('commit', '-q', '-m', 'base: 1 environment x 50 services');
});

afterAll(() => rmSync(work, { recursive: true, force: true }));

test('the base has a project per stack, each autoplanning on its own fingerprint file', () => {
  const config = parse(readFileSync(path.join(repo, 'atlantis.yaml'), 'utf8')) as AtlantisConfig;
  expect(config.projects).toHaveLength(SERVICES + 2);
  expect(existsSync(path.join(repo, 'fingerprints', 'dev-svc-7.txt'))).toBe(true);
});

test("a one-service edit autoplans exactly that service's project; `npm run changed` finds the same stack", () => {
  expect(pullRequest('one-service', () => edit(CONFIG, /(svc-7:\n\s+imageTag:) v1\.0\.0/, '$1 v1.0.1'))).toEqual(['dev-svc-7']);
  const report = JSON.parse(run('scripts/changed.ts', '--base', 'main', '--json')) as ChangeReport;
  expect(report.stacks).toBe(SERVICES + 3);
  expect(report.changes).toEqual([{ stack: 'dev-svc-7', kind: 'changed', reasons: ['Terraform JSON'] }]);
  expect(report.planOrder).toEqual(['dev-svc-7']);
});

test('an edit to a module every service uses autoplans every service, and nothing else', () => {
  const planned = pullRequest('module', () => edit('modules/task-security-group.ts', "'Container port from the load balancer'", "'Container port from the ALB'"));
  expect(planned.sort()).toEqual([...services].sort());
});

test('a network change that alters its outputs autoplans the network and its consumers', () => {
  const planned = pullRequest('network-cidr', () => edit(CONFIG, 'cidr: 10.10.0.0/16', 'cidr: 10.40.0.0/16'));
  expect(planned.sort()).toEqual(['dev-network', 'dev-platform', ...services].sort());
});

test('a network change that reaches no output autoplans the network alone', () => {
  expect(pullRequest('flow-log-retention', () => edit(CONFIG, 'retentionDays: 30', 'retentionDays: 90'))).toEqual(['dev-network']);
});

test('the pre-workflow hook refuses a pull request whose fingerprint files do not match its code', () => {
  git('checkout', '-q', '-b', 'stale', 'main');
  edit(CONFIG, /(svc-9:\n\s+imageTag:) v1\.0\.0/, '$1 v2.0.0');
  git('commit', '-q', '-am', 'forgot npm run regenerate');
  const hook = spawnSync(process.execPath, ['scripts/run.cjs', 'scripts/atlantis.ts', 'synth'], { cwd: repo, env, encoding: 'utf8' });
  expect(hook.status).toBe(1);
  expect(hook.stderr).toContain('fingerprints/dev-svc-9.txt');
  expect(hook.stderr).toContain('npm run regenerate');
});

/**
 * The Atlantis workflow, run the way Atlantis runs it, for one project: Atlantis's clone of a
 * pull request (a temporary git repository made from the working tree, so the test does not
 * depend on what is committed yet, and a pull request merged into it), the server's pre_workflow_hook (docs/atlantis/repos.yaml,
 * less `npm ci`: node_modules is linked in), then the project's plan steps from
 * atlantis.yaml in the project dir with the variables Atlantis sets (DIR, PLANFILE,
 * WORKSPACE, PROJECT_NAME, REPO_REL_DIR, ...) and the project's Terraform on the PATH as
 * terraform<version>. Built-in steps behave as Atlantis's step runners do (init deletes an
 * untracked lock file and adds -upgrade without one; plan writes $PLANFILE).
 *
 * Offline settings come from the test: the provider mirror (TF_CLI_CONFIG_FILE) and an
 * override file in the project dir with a local backend and dummy AWS credentials.
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parse } from 'yaml';
import { AtlantisConfig, CI_OUTDIR, REPORT_STEP } from '../lib/atlantis/repo-config';
import { terraformEnv } from '../lib/terraform/offline';
import { describeWithTerraform } from './helpers/terraform';

jest.setTimeout(600_000);

const ROOT = path.resolve(__dirname, '..');
const PROJECT = 'dev-network';
/** What the pull request changes: dev gets a third zone (more subnets and endpoint ENIs: a cost delta). */
const PR_ZONES = ['ap-northeast-2a', 'ap-northeast-2b', 'ap-northeast-2c'];

interface Ran {
  step: string;
  code: number;
  output: string;
}

function sh(command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { cwd, env });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    child.on('error', (e) => resolve({ code: 127, output: output + e.message }));
    child.on('close', (code) => resolve({ code: code ?? 1, output }));
  });
}

/**
 * Atlantis's clone of a pull request (merge checkout strategy): a repository whose main holds
 * the working tree, a pull request branch that adds a third availability zone to dev (with
 * its regenerated fingerprint files, as a developer commits it), cloned at main and merged
 * with the pull request, so HEAD^1 is the base and HEAD^2 the pull request's head.
 */
function cloneWorkingTree(work: string): string {
  const source = path.join(work, 'origin');
  const files = execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard', '-z'], { cwd: ROOT, encoding: 'utf8' }).split('\0').filter(Boolean);
  for (const file of files) {
    const from = path.join(ROOT, file);
    if (!existsSync(from) || !lstatSync(from).isFile()) continue; // deleted in the working tree, or a link
    mkdirSync(path.dirname(path.join(source, file)), { recursive: true });
    copyFileSync(from, path.join(source, file));
  }
  const git = (cwd: string, ...args: string[]) => execFileSync('git', ['-c', 'user.name=test', '-c', 'user.email=test@example.com', '-c', 'init.defaultBranch=main', ...args], { cwd, stdio: 'pipe' });
  // Stands in for the hook's `npm ci`; a link is not matched by .gitignore's `node_modules/`.
  const linkModules = (repo: string) => {
    symlinkSync(path.join(ROOT, 'node_modules'), path.join(repo, 'node_modules'), 'dir');
    writeFileSync(path.join(repo, '.git', 'info', 'exclude'), 'node_modules\n');
  };
  git(source, 'init', '-q');
  linkModules(source);
  git(source, 'add', '-A');
  git(source, 'commit', '-q', '-m', 'base');
  git(source, 'checkout', '-q', '-b', 'feature');
  const configFile = path.join(source, 'config', 'environments.yaml');
  const config = readFileSync(configFile, 'utf8');
  writeFileSync(configFile, config.replace('cidr: 10.10.0.0/16', `cidr: 10.10.0.0/16\n      availabilityZones: [${PR_ZONES.join(', ')}]`));
  const env = { ...process.env, INFRA_CONFIG: '', ENVIRONMENTS: '', CDKTF_OUTDIR: '' };
  execFileSync(process.execPath, ['scripts/run.cjs', 'scripts/atlantis.ts'], { cwd: source, env, stdio: 'pipe' });
  git(source, 'commit', '-q', '-am', 'pull request: a third zone for dev');
  const clone = path.join(work, 'repo');
  git(work, 'clone', '-q', '--branch', 'main', source, clone);
  git(clone, 'fetch', '-q', 'origin', 'feature');
  git(clone, 'merge', '-q', '--no-ff', '-m', 'atlantis-merge', 'FETCH_HEAD');
  linkModules(clone);
  return clone;
}

type Step = string | Record<string, unknown>;

/** Runs one workflow step as Atlantis's step runners do. */
async function runStep(step: Step, dir: string, env: NodeJS.ProcessEnv): Promise<Ran> {
  const terraform = `terraform${env.ATLANTIS_TERRAFORM_VERSION}`;
  const name = typeof step === 'string' ? step : Object.keys(step)[0];
  const value = typeof step === 'string' ? undefined : step[name];
  const extraArgs = ((value as { extra_args?: string[] } | undefined)?.extra_args ?? []) as string[];
  const label = JSON.stringify(step);
  switch (name) {
    case 'env': {
      const { name: variable, value: fixed, command } = value as { name: string; value?: string; command?: string };
      if (command !== undefined) {
        const r = await sh('sh', ['-c', command], dir, env);
        if (r.code !== 0) return { step: label, ...r };
        env[variable] = r.output.trim();
      } else env[variable] = fixed;
      return { step: label, code: 0, output: '' };
    }
    case 'run': {
      const command = typeof value === 'string' ? value : (value as { command: string }).command;
      return { step: label, ...(await sh('sh', ['-c', command], dir, env)) };
    }
    case 'init': {
      // server/events/runtime/init_step_runner.go
      const lock = path.join(dir, '.terraform.lock.hcl');
      const tracked = spawnSync('git', ['ls-files', '--error-unmatch', '.terraform.lock.hcl'], { cwd: dir, stdio: 'ignore' }).status === 0;
      if (existsSync(lock) && !tracked) rmSync(lock);
      const args = ['init', '-input=false', ...(existsSync(lock) ? [] : ['-upgrade']), ...extraArgs];
      return { step: label, ...(await sh(terraform, args, dir, env)) };
    }
    case 'plan':
      return { step: label, ...(await sh(terraform, ['plan', '-input=false', '-refresh', '-out', env.PLANFILE!, ...extraArgs], dir, env)) };
    case 'apply':
      return { step: label, ...(await sh(terraform, ['apply', '-input=false', ...extraArgs, env.PLANFILE!], dir, env)) };
    default:
      throw new Error(`step ${label} is not emulated`);
  }
}

async function runStage(steps: Step[], dir: string, env: NodeJS.ProcessEnv): Promise<Ran[]> {
  const results: Ran[] = [];
  for (const step of steps) {
    const result = await runStep(step, dir, env);
    results.push(result);
    if (result.code !== 0) break;
  }
  return results;
}

describeWithTerraform('the Atlantis cdktf workflow, run as Atlantis runs it', () => {
  let clone: string;
  let config: AtlantisConfig;
  let dir: string;
  let env: NodeJS.ProcessEnv;
  let hook: { code: number; output: string };
  let plan: Ran[];

  beforeAll(async () => {
    const work = mkdtempSync(path.join(os.tmpdir(), 'atlantis-run-'));
    clone = cloneWorkingTree(work);
    config = parse(readFileSync(path.join(clone, 'atlantis.yaml'), 'utf8')) as AtlantisConfig;
    const project = config.projects.find((p) => p.name === PROJECT)!;
    dir = path.join(clone, project.dir);

    // Atlantis's bin dir: the project's Terraform as terraform<version>.
    const bin = path.join(work, 'bin');
    mkdirSync(bin);
    const terraform = execFileSync('sh', ['-c', 'command -v terraform'], { encoding: 'utf8' }).trim();
    symlinkSync(terraform, path.join(bin, `terraform${project.terraform_version}`));

    const base = { ...terraformEnv() };
    for (const v of ['INFRA_CONFIG', 'ENVIRONMENTS', 'CDKTF_OUTDIR', 'TF_IN_AUTOMATION', 'TF_INPUT']) delete base[v];

    // The server's pre_workflow_hook, in the clone's root (npm ci left out: node_modules is linked).
    const repos = parse(readFileSync(path.join(clone, 'docs/atlantis/repos.yaml'), 'utf8')) as { repos: Array<{ pre_workflow_hooks: Array<{ run: string }> }> };
    const hookCommand = repos.repos[0].pre_workflow_hooks[0].run.replace(/^npm ci [^&]*&&\s*/, '');
    hook = await sh('sh', ['-c', hookCommand], clone, base);

    writeFileSync(
      path.join(dir, 'zz_test_override.tf.json'),
      JSON.stringify({
        terraform: { backend: { local: { path: path.join(work, `${PROJECT}.tfstate`) } } },
        provider: { aws: { access_key: 'offline-dummy', secret_key: 'offline-dummy', skip_credentials_validation: true, skip_requesting_account_id: true, skip_metadata_api_check: true, skip_region_validation: true } },
      }),
    );

    const head = execFileSync('git', ['rev-parse', 'HEAD'], { cwd: clone, encoding: 'utf8' }).trim();
    env = {
      ...base,
      PATH: `${process.env.PATH}:${bin}`,
      ATLANTIS_TERRAFORM_VERSION: project.terraform_version,
      DIR: dir,
      PLANFILE: path.join(dir, `${PROJECT}-${project.workspace}.tfplan`),
      SHOWFILE: path.join(dir, `${PROJECT}-${project.workspace}.json`),
      WORKSPACE: project.workspace,
      PROJECT_NAME: PROJECT,
      REPO_REL_DIR: project.dir,
      HEAD_COMMIT: head,
      HEAD_BRANCH_NAME: 'feature',
      HEAD_REPO_NAME: 'fargate-platform',
      HEAD_REPO_OWNER: 'acme',
      BASE_BRANCH_NAME: 'main',
      BASE_REPO_NAME: 'fargate-platform',
      BASE_REPO_OWNER: 'acme',
      PULL_NUM: '7',
      PULL_AUTHOR: 'dev',
      PULL_URL: 'https://example.com/acme/fargate-platform/pull/7',
      USER_NAME: 'dev',
      COMMENT_ARGS: '',
    };
    plan = await runStage(config.workflows[project.workflow].plan.steps as Step[], dir, env);
  });

  test('the pre_workflow_hook synthesizes every project dir before Atlantis looks for projects', () => {
    expect({ code: hook.code, output: hook.code === 0 ? '' : hook.output }).toEqual({ code: 0, output: '' });
    for (const project of config.projects) expect({ dir: project.dir, exists: existsSync(path.join(clone, project.dir, 'cdk.tf.json')) }).toEqual({ dir: project.dir, exists: true });
    // The synthesized files are ignored: the clone stays clean for Atlantis's git operations.
    expect(execFileSync('git', ['status', '--porcelain'], { cwd: clone, encoding: 'utf8' })).toBe('');
    expect(spawnSync('git', ['check-ignore', '-q', `${CI_OUTDIR}/stacks/${PROJECT}/cdk.tf.json`], { cwd: clone }).status).toBe(0);
  });

  test("the plan stage runs on the hook's synth: init with the lock file read-only, plan to $PLANFILE, report", () => {
    const failed = plan.find((r) => r.code !== 0);
    expect(failed ?? null).toBeNull();
    expect(plan.map((r) => r.step)).toEqual(config.workflows.cdktf.plan.steps.map((s) => JSON.stringify(s)));
    expect(plan[1].output).toContain('Terraform has been successfully initialized');
    expect(existsSync(env.PLANFILE!)).toBe(true);
    // init -lockfile=readonly left the committed lock file as it was.
    expect(readFileSync(path.join(dir, '.terraform.lock.hcl'), 'utf8')).toBe(readFileSync(path.join(clone, 'locks', 'providers.terraform.lock.hcl'), 'utf8'));
  });

  test('after the plan, the report step prints the preflight verdict and the cost delta against the base, as docs/atlantis.md shows', () => {
    const report = plan[plan.length - 1];
    expect(report.step).toBe(JSON.stringify({ run: REPORT_STEP }));
    const base = execFileSync('git', ['rev-parse', '--short=12', 'HEAD^1'], { cwd: clone, encoding: 'utf8' }).trim();
    const doc = readFileSync(path.join(ROOT, 'docs', 'atlantis.md'), 'utf8');
    const sample = /<!-- report-sample -->\n```\n([\s\S]*?)```/.exec(doc)![1];
    expect(report.output.replace(base, '<base commit>')).toBe(sample);
    expect(report.output).toMatch(/^Preflight \(dev-web\): .* 0 fail; every task can reach what it needs to start\.$/m);
    expect(report.output).toMatch(/^Cost \(dev, .*: \$\d+\.\d\d\/month before, \$\d+\.\d\d\/month after: \+\$[1-9]\d*\.\d\d\/month\.$/m);
  });

  test('terraform show reads the plan at $PLANFILE', async () => {
    const shown = await sh(`terraform${env.ATLANTIS_TERRAFORM_VERSION}`, ['show', '-json', env.PLANFILE!], dir, env);
    expect({ code: shown.code, output: shown.code === 0 ? '' : shown.output }).toEqual({ code: 0, output: '' });
    const json = JSON.parse(shown.output) as { resource_changes: Array<{ address: string; change: { actions: string[] } }> };
    const creates = json.resource_changes.filter((c) => c.change.actions.join() === 'create');
    expect(creates.length).toBeGreaterThan(10);
    expect(creates.map((c) => c.address)).toEqual(expect.arrayContaining([expect.stringMatching(/^aws_vpc\./)]));
  });

  test("Atlantis's built-in init could not keep -lockfile=readonly: it deletes the untracked lock file and adds -upgrade", async () => {
    const builtIn = await runStep({ init: { extra_args: ['-lockfile=readonly'] } }, dir, { ...env });
    expect(builtIn.code).not.toBe(0);
    expect(builtIn.output.replace(/\s+/g, ' ')).toContain('The -upgrade flag conflicts with -lockfile=readonly');
  });
});

/**
 * atlantis.yaml: generated from the app and current, valid against a strict schema of the
 * Atlantis repo config, one project per stack with the manifest's dependencies, autoplan on
 * the sources that shape each stack, and the cdktf workflow. Also the server-side example
 * (docs/atlantis/repos.yaml) and the README's workflow documentation.
 * atlantis.tf.test.ts runs the workflow the way Atlantis does.
 */
import Ajv from 'ajv';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parse } from 'yaml';
import { runSynth } from '../main';
import {
  ATLANTIS_FILE,
  atlantisConfig,
  atlantisSynth,
  backendOf,
  AtlantisConfig,
  CI_OUTDIR,
  generateAtlantisYaml,
  INIT_STEP,
  REPORT_STEP,
  TERRAFORM_VERSION,
  WORKFLOW_NAME,
} from '../lib/atlantis/repo-config';
import { ManifestStack, readManifest } from '../lib/atlantis/manifest';
import { ATLANTIS_REPO_CONFIG_SCHEMA } from '../lib/atlantis/schema';
import { autoplannedProjects } from '../lib/atlantis/autoplan';
import { staleRepoFiles } from '../lib/atlantis/cli';
import { fingerprintFile } from '../lib/changes/fingerprint-files';

const ROOT = path.resolve(__dirname, '..');
const committed = readFileSync(path.join(ROOT, ATLANTIS_FILE), 'utf8');
const config = parse(committed) as AtlantisConfig;
const validate = new Ajv({ allErrors: true, strict: true }).compile(ATLANTIS_REPO_CONFIG_SCHEMA);

let outdir: string;
let stacks: ManifestStack[];

beforeAll(() => {
  outdir = path.join(mkdtempSync(path.join(os.tmpdir(), 'atlantis-test-')), 'out');
  expect(runSynth({ ...process.env, CDKTF_OUTDIR: outdir, INFRA_CONFIG: '', ENVIRONMENTS: '' }, { write: () => true })).toBe(0);
  stacks = readManifest(outdir);
});

/** Atlantis's autoplan decision for one modified file (lib/atlantis/autoplan.ts). */
function autoplanned(cfg: AtlantisConfig, modifiedFile: string): string[] {
  return autoplannedProjects(cfg, [modifiedFile]);
}

describe('atlantis.yaml', () => {
  test('is exactly what `npm run atlantis` generates from the app (not stale)', () => {
    expect(committed).toBe(generateAtlantisYaml(outdir));
  });

  test('the fingerprint files are current too: one per stack, none left over', () => {
    expect(staleRepoFiles(outdir, ROOT).stale).toEqual([]);
    const files = execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard', 'fingerprints'], { cwd: ROOT, encoding: 'utf8' }).split('\n').filter(Boolean);
    expect(files.sort()).toEqual(stacks.map((s) => fingerprintFile(s.name)).sort());
  });

  test('validates against the strict repo-config schema', () => {
    expect(validate(config)).toBe(true);
    expect(validate.errors).toBeNull();
  });

  test('version 3, parallel plans, applies group by group', () => {
    expect(config).toMatchObject({ version: 3, parallel_plan: true, parallel_apply: true, abort_on_execution_order_fail: true });
  });

  test('one project per stack with remote state, in the synthesized stack folder Atlantis sees, pinned to one Terraform', () => {
    const remote = stacks.filter((s) => backendOf(outdir, s) !== 'local');
    expect(config.projects.map((p) => p.name)).toEqual(remote.map((s) => s.name));
    expect(remote.length).toBeGreaterThan(1);
    for (const stack of remote) {
      expect(config.projects.find((p) => p.name === stack.name)).toMatchObject({
        dir: `${CI_OUTDIR}/${stack.workingDirectory}`,
        workspace: 'default',
        workflow: WORKFLOW_NAME,
        terraform_version: TERRAFORM_VERSION,
      });
    }
  });

  test("the pinned Terraform satisfies every stack's required_version (>= 1.10)", () => {
    const version = TERRAFORM_VERSION.split('.').map(Number);
    for (const stack of stacks) {
      const json = JSON.parse(readFileSync(path.join(outdir, stack.workingDirectory, 'cdk.tf.json'), 'utf8')) as { terraform: { required_version: string } };
      const minimum = /^>=\s*(\d+)\.(\d+)(?:\.(\d+))?$/.exec(json.terraform.required_version);
      expect({ stack: stack.name, required: json.terraform.required_version, pinned: minimum !== null }).toEqual({ stack: stack.name, required: json.terraform.required_version, pinned: true });
      const [major, minor, patch] = minimum!.slice(1).map((n) => Number(n ?? 0));
      const rank = (a: number, b: number, c: number) => a * 1e6 + b * 1e3 + c;
      expect(rank(major, minor, patch)).toBeGreaterThanOrEqual(rank(1, 10, 0));
      expect(rank(version[0], version[1], version[2])).toBeGreaterThanOrEqual(rank(major, minor, patch));
    }
  });

  test('a stack keeping its state locally (the bootstrap before its migration) is no project: Atlantis discards its clone', () => {
    for (const stack of stacks.filter((s) => backendOf(outdir, s) === 'local')) {
      expect(config.projects.map((p) => p.name)).not.toContain(stack.name);
      expect(committed).toContain(`# Not a project: ${stack.name}`);
    }
  });

  test('depends_on and execution_order_group follow the manifest dependencies', () => {
    const group = new Map(config.projects.map((p) => [p.name, p.execution_order_group]));
    for (const stack of stacks.filter((s) => backendOf(outdir, s) !== 'local')) {
      const project = config.projects.find((p) => p.name === stack.name)!;
      const planned = stack.dependencies.filter((d) => group.has(d));
      expect(project.depends_on ?? []).toEqual(planned);
      for (const dependency of planned) expect(group.get(dependency)!).toBeLessThan(project.execution_order_group);
      if (stack.dependencies.length === 0) expect(project.execution_order_group).toBe(0);
    }
    // The default configuration has cross-stack references; the test would be vacuous without them.
    expect(stacks.some((s) => s.dependencies.length > 0)).toBe(true);
  });

  test('the plan workflow inits with the lock file read-only, plans to $PLANFILE and reports preflight and cost (the hook synthesized); apply applies that plan', () => {
    expect(config.workflows[WORKFLOW_NAME].plan.steps).toEqual([{ env: { name: 'CHECKPOINT_DISABLE', value: '1' } }, { run: INIT_STEP }, 'plan', { run: REPORT_STEP }]);
    expect(REPORT_STEP).toContain('npm run --silent atlantis:report -- --project "$PROJECT_NAME"');
    expect(INIT_STEP).toMatch(/^terraform\$\{ATLANTIS_TERRAFORM_VERSION\} init .*-lockfile=readonly/);
    // The built-in apply step applies $PLANFILE, the plan the built-in plan step wrote.
    expect(config.workflows[WORKFLOW_NAME].apply.steps).toEqual(['apply']);
  });
});

describe('autoplan.when_modified', () => {
  test("each project autoplans on its own fingerprint file, and only on it", () => {
    for (const project of config.projects) {
      expect(project.autoplan.when_modified).toEqual([`../../../${fingerprintFile(project.name)}`]);
      expect(autoplanned(config, fingerprintFile(project.name))).toEqual([project.name]);
    }
  });

  test('sources, configuration and lock files reach Atlantis through the fingerprint files only', () => {
    // Their effect on a stack changes its fingerprint file in the same pull request (the hook refuses stale ones).
    for (const file of ['main.ts', 'stacks/network-stack.ts', 'modules/private-vpc.ts', 'config/environments.yaml', 'package-lock.json', 'locks/providers.terraform.lock.hcl', 'README.md', 'docs/atlantis/repos.yaml']) {
      expect({ file, planned: autoplanned(config, file) }).toEqual({ file, planned: [] });
    }
  });

  test('every pattern stays inside the repository and matches files that exist', () => {
    const files = execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard'], { cwd: ROOT, encoding: 'utf8' }).split('\n').filter(Boolean);
    for (const project of config.projects) {
      for (const wm of project.autoplan.when_modified) {
        const joined = path.posix.join(project.dir, wm);
        expect(joined.startsWith('..')).toBe(false);
        const single = { ...config, projects: [{ ...project, autoplan: { enabled: true, when_modified: [wm] } }] };
        expect({ pattern: joined, matches: files.some((f) => autoplanned(single, f).length > 0) }).toEqual({ pattern: joined, matches: true });
      }
    }
  });

});

describe('generated for any set of stacks', () => {
  test('dependencies become depends_on and execution groups', () => {
    const app: ManifestStack[] = [
      { name: 'net', dependencies: [], workingDirectory: 'stacks/net' },
      { name: 'data', dependencies: ['net'], workingDirectory: 'stacks/data' },
      { name: 'app', dependencies: ['data', 'net'], workingDirectory: 'stacks/app' },
      { name: 'edge', dependencies: ['net'], workingDirectory: 'stacks/edge' },
    ];
    const cfg = atlantisConfig(app);
    expect(cfg.projects.map((p) => [p.name, p.depends_on ?? [], p.execution_order_group])).toEqual([
      ['net', [], 0],
      ['data', ['net'], 1],
      ['app', ['data', 'net'], 2],
      ['edge', ['net'], 1],
    ]);
    expect(cfg.projects[0].autoplan.when_modified).toEqual(['../../../fingerprints/net.txt']);
    expect(validate(cfg)).toBe(true);

    const withoutNet = atlantisConfig(app, ['net']);
    expect(withoutNet.projects.map((p) => [p.name, p.depends_on ?? [], p.execution_order_group])).toEqual([
      ['data', [], 1],
      ['app', ['data'], 2],
      ['edge', [], 1],
    ]);
  });
});

describe('npm run atlantis:synth', () => {
  /** A stand-in for the app's synth: two stacks, `version` in every file. */
  const fakeSynth = (version: string, withLock = true) => (out: string) => {
    const stacks = ['a', 'b'];
    mkdirSync(out, { recursive: true });
    writeFileSync(path.join(out, 'manifest.json'), JSON.stringify({ stacks: Object.fromEntries(stacks.map((s) => [s, { name: s, dependencies: [], workingDirectory: `stacks/${s}` }])), version }));
    for (const s of stacks) {
      mkdirSync(path.join(out, 'stacks', s), { recursive: true });
      writeFileSync(path.join(out, 'stacks', s, 'cdk.tf.json'), version);
      if (withLock) writeFileSync(path.join(out, 'stacks', s, '.terraform.lock.hcl'), version);
    }
    return 0;
  };

  test('refreshes the synthesized files in place: .terraform/ and a plan waiting for apply survive', () => {
    const root = mkdtempSync(path.join(os.tmpdir(), 'atlantis-sync-'));
    expect(atlantisSynth(fakeSynth('v1'), { root })).toEqual({ code: 0, stacks: ['a', 'b'] });
    const a = path.join(root, CI_OUTDIR, 'stacks', 'a');
    mkdirSync(path.join(a, '.terraform', 'providers'), { recursive: true });
    writeFileSync(path.join(a, 'a-default.tfplan'), 'plan');

    expect(atlantisSynth(fakeSynth('v2'), { root, project: 'a' })).toEqual({ code: 0, stacks: ['a'] });
    expect(readFileSync(path.join(a, 'cdk.tf.json'), 'utf8')).toBe('v2');
    expect(readFileSync(path.join(a, 'a-default.tfplan'), 'utf8')).toBe('plan');
    expect(existsSync(path.join(a, '.terraform', 'providers'))).toBe(true);
    // Only the project's stack is touched by a project synth.
    expect(readFileSync(path.join(root, CI_OUTDIR, 'stacks', 'b', 'cdk.tf.json'), 'utf8')).toBe('v1');

    // A lock file that is no longer synthesized does not linger.
    atlantisSynth(fakeSynth('v3', false), { root, project: 'a' });
    expect(existsSync(path.join(a, '.terraform.lock.hcl'))).toBe(false);
  });

  test('a failed synth changes nothing; an unknown project is an error', () => {
    const root = mkdtempSync(path.join(os.tmpdir(), 'atlantis-sync-'));
    atlantisSynth(fakeSynth('v1'), { root });
    expect(atlantisSynth(() => 1, { root, project: 'a' })).toEqual({ code: 1, stacks: [] });
    expect(readFileSync(path.join(root, CI_OUTDIR, 'stacks', 'a', 'cdk.tf.json'), 'utf8')).toBe('v1');
    expect(() => atlantisSynth(fakeSynth('v2'), { root, project: 'nope' })).toThrow(/no stack named "nope" .*: a, b/);
  });
});

describe('the schema is strict', () => {
  const clone = (): AtlantisConfig & Record<string, unknown> => JSON.parse(JSON.stringify(config));
  const rejects = (mutate: (c: ReturnType<typeof clone>) => void, keyword: string) => {
    const c = clone();
    mutate(c);
    expect(validate(c)).toBe(false);
    expect(validate.errors?.map((e) => e.keyword)).toContain(keyword);
  };

  test('an unknown top-level key', () => rejects((c) => (c.parallel_plans = true), 'additionalProperties'));
  test('a server-side key in the repo config', () => rejects((c) => (c.allow_custom_workflows = true), 'additionalProperties'));
  test('an unknown project key', () => rejects((c) => ((c.projects[0] as unknown as Record<string, unknown>).dirr = 'x'), 'additionalProperties'));
  test('an unknown autoplan key', () => rejects((c) => ((c.projects[0].autoplan as unknown as Record<string, unknown>).when_modifed = []), 'additionalProperties'));
  test('an unknown stage', () => rejects((c) => ((c.workflows[WORKFLOW_NAME] as unknown as Record<string, unknown>).planning = { steps: [] }), 'additionalProperties'));
  test('an unknown step', () => rejects((c) => c.workflows[WORKFLOW_NAME].plan.steps.push('validate'), 'oneOf'));
  test('an unknown key of a built-in step', () => rejects((c) => c.workflows[WORKFLOW_NAME].plan.steps.push({ init: { extra_argz: ['-x'] } }), 'oneOf'));
  test('an env step with both value and command', () => rejects((c) => c.workflows[WORKFLOW_NAME].plan.steps.push({ env: { name: 'A', value: '1', command: 'echo 1' } }), 'oneOf'));
  test('a dir reaching outside the repository', () => rejects((c) => (c.projects[0].dir = '../elsewhere'), 'not'));
  test('version 1', () => rejects((c) => ((c as Record<string, unknown>).version = 1), 'enum'));
  test('a wrongly typed value', () => rejects((c) => ((c as Record<string, unknown>).parallel_plan = 'yes'), 'type'));
});

describe('the server side: docs/atlantis/repos.yaml', () => {
  const repos = parse(readFileSync(path.join(ROOT, 'docs/atlantis/repos.yaml'), 'utf8')) as { repos: Array<Record<string, unknown>> };
  const repo = repos.repos[0];

  test('lets the repo config define and select its workflow', () => {
    expect(repo.allow_custom_workflows).toBe(true);
    expect(repo.allowed_overrides).toContain('workflow');
  });

  test('synthesizes every stack before Atlantis looks for projects, with run-only hooks', () => {
    const hooks = repo.pre_workflow_hooks as Array<Record<string, string>>;
    expect(hooks.map((h) => Object.keys(h))).toEqual([['run']]);
    expect(hooks[0].run).toMatch(/^npm ci .*&& npm run --silent atlantis:synth$/);
  });
});

describe('README, docs/workflows.md and docs/atlantis.md', () => {
  const readme = ['README.md', 'docs/workflows.md', 'docs/atlantis.md'].map((f) => readFileSync(path.join(ROOT, f), 'utf8')).join('\n');

  test('documents every workflow command', () => {
    for (const script of ['locks', 'plan', 'apply', 'atlantis', 'atlantis:synth', 'atlantis:report', 'changed', 'regenerate']) expect(readme).toContain(`npm run ${script}`);
    for (const text of ['--changed', '--fail-on-pre-workflow-hook-error', 'fingerprints/<stack>.txt']) expect(readme).toContain(text);
    for (const text of ['cdktf diff', 'cdktf deploy', '-lockfile=readonly', 'docs/atlantis/repos.yaml', 'Node.js 20', TERRAFORM_VERSION]) expect(readme).toContain(text);
  });
});

/**
 * `npm run plan` / `npm run apply`: stack selection, the dependency order of the manifest
 * (the order `cdktf deploy` uses) and the terraform commands, without running Terraform.
 * parity.tf.test.ts runs them for real and compares with `cdktf diff`.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { dependencyOrder, executionGroups, globToRegExp, ManifestStack, matchStacks, readManifest } from '../lib/atlantis/manifest';
import { parseArgs, planSteps } from '../lib/terraform/run-cli';

const ROOT = path.resolve(__dirname, '..');

/** A synthesized-looking output folder with the given stacks (manifest + stack folders). */
function fakeOutdir(stacks: Array<{ name: string; dependencies?: string[]; lock?: boolean }>): string {
  const outdir = mkdtempSync(path.join(os.tmpdir(), 'run-test-'));
  const manifest = {
    version: '0.21.0',
    stacks: Object.fromEntries(stacks.map((s) => [s.name, { name: s.name, dependencies: s.dependencies ?? [], workingDirectory: `stacks/${s.name}`, synthesizedStackPath: `stacks/${s.name}/cdk.tf.json` }])),
  };
  writeFileSync(path.join(outdir, 'manifest.json'), JSON.stringify(manifest));
  for (const s of stacks) {
    mkdirSync(path.join(outdir, 'stacks', s.name), { recursive: true });
    writeFileSync(path.join(outdir, 'stacks', s.name, 'cdk.tf.json'), '{}');
    if (s.lock !== false) writeFileSync(path.join(outdir, 'stacks', s.name, '.terraform.lock.hcl'), '# lock\n');
  }
  return outdir;
}

// Listed out of dependency order on purpose: the manifest order is not a dependency order in general.
const APP = [
  { name: 'dev-web', dependencies: ['dev-platform', 'dev-network'] },
  { name: 'dev-platform', dependencies: ['dev-network'] },
  { name: 'dev-network' },
  { name: 'prod-network', lock: false },
  { name: 'terraform-state' },
];

describe('dependency order', () => {
  const stacks: ManifestStack[] = APP.map((s) => ({ name: s.name, dependencies: s.dependencies ?? [], workingDirectory: `stacks/${s.name}` }));

  test('producers come before the stacks that read their outputs', () => {
    expect(dependencyOrder(stacks)).toEqual(['dev-network', 'dev-platform', 'dev-web', 'prod-network', 'terraform-state']);
  });

  test('a selection keeps its dependency order and pulls nothing in', () => {
    expect(dependencyOrder(stacks, ['dev-web', 'dev-network'])).toEqual(['dev-network', 'dev-web']);
  });

  test('execution groups: a stack runs one group after its deepest dependency', () => {
    expect(Object.fromEntries(executionGroups(stacks))).toEqual({ 'dev-network': 0, 'dev-platform': 1, 'dev-web': 2, 'prod-network': 0, 'terraform-state': 0 });
  });

  test('cycles and unknown dependencies are errors', () => {
    const cyclic: ManifestStack[] = [
      { name: 'a', dependencies: ['b'], workingDirectory: 'stacks/a' },
      { name: 'b', dependencies: ['a'], workingDirectory: 'stacks/b' },
    ];
    expect(() => dependencyOrder(cyclic)).toThrow('dependency cycle: a -> b -> a');
    expect(() => dependencyOrder([{ name: 'a', dependencies: ['x'], workingDirectory: 'stacks/a' }])).toThrow('stack a depends on unknown stack(s): x');
  });

  test('stack globs', () => {
    expect(globToRegExp('dev-*').test('dev-network')).toBe(true);
    expect(globToRegExp('dev-*').test('prod-network')).toBe(false);
    expect(globToRegExp('*-network').test('dev.network')).toBe(false);
    expect(matchStacks(['dev-network', 'prod-network', 'terraform-state'], ['*-network', 'nope'])).toEqual({ matched: ['dev-network', 'prod-network'], unmatched: ['nope'] });
  });
});

describe('npm run plan / apply commands', () => {
  const outdir = fakeOutdir(APP);
  const commands = (argv: string[]) => planSteps(outdir, parseArgs(argv)).map((s) => `${s.stack}: terraform ${s.args.join(' ')}`);

  test('plan of a glob: init (read-only lock file) and plan to a plan file, producers first', () => {
    expect(commands(['plan', 'dev-*'])).toEqual([
      'dev-network: terraform init -input=false -lockfile=readonly',
      'dev-network: terraform plan -input=false -out=dev-network.tfplan',
      'dev-platform: terraform init -input=false -lockfile=readonly',
      'dev-platform: terraform plan -input=false -out=dev-platform.tfplan',
      'dev-web: terraform init -input=false -lockfile=readonly',
      'dev-web: terraform plan -input=false -out=dev-web.tfplan',
    ]);
  });

  test('plan without stacks plans all of them; a stack without a lock file inits without -lockfile', () => {
    const all = commands(['plan']);
    expect(all.filter((c) => c.includes(' init '))).toHaveLength(APP.length);
    expect(all).toContain('prod-network: terraform init -input=false');
  });

  test('apply passes terraform flags through and runs in the stack folder', () => {
    const steps = planSteps(outdir, parseArgs(['apply', 'dev-network', '-auto-approve', '--skip-synth']));
    expect(steps.map((s) => s.args.join(' '))).toEqual(['init -input=false -lockfile=readonly', 'apply -input=false -auto-approve']);
    expect(steps[0].cwd).toBe(path.join(outdir, 'stacks', 'dev-network'));
  });

  test('bad invocations', () => {
    expect(() => parseArgs(['apply'])).toThrow(/needs the stack/);
    expect(() => parseArgs(['destroy'])).toThrow(/unknown command/);
    expect(() => commands(['plan', 'qa-*'])).toThrow(/no stack matches qa-\*; stacks: dev-web, dev-platform/);
    expect(parseArgs(['plan', '--dry-run', '--skip-synth', '-refresh=false'])).toEqual({ command: 'plan', patterns: [], terraformArgs: ['-refresh=false'], skipSynth: true, dryRun: true });
  });

  test('`npm run plan` synthesizes first, then runs terraform per stack in dependency order (dry run)', () => {
    const out = path.join(mkdtempSync(path.join(os.tmpdir(), 'run-synth-')), 'cdktf.out');
    const result = spawnSync(process.execPath, ['scripts/run.cjs', 'scripts/terraform-run.ts', 'plan', '--dry-run', '*-network'], {
      cwd: ROOT,
      encoding: 'utf8',
      env: { ...process.env, CDKTF_OUTDIR: out, INFRA_CONFIG: '', ENVIRONMENTS: '' },
    });
    expect({ status: result.status, stderr: result.status === 0 ? '' : result.stderr }).toEqual({ status: 0, stderr: '' });
    const names = readManifest(out).map((s) => s.name);
    expect(names).toEqual(expect.arrayContaining(['dev-network', 'prod-network']));
    const ran = result.stdout.split('\n').filter((l) => l.startsWith('$ '));
    const networks = names.filter((n) => n.endsWith('-network'));
    expect(ran).toEqual(
      networks.flatMap((n) => [
        `$ (cd ${path.relative(ROOT, path.join(out, 'stacks', n))} && terraform init -input=false -lockfile=readonly)`,
        `$ (cd ${path.relative(ROOT, path.join(out, 'stacks', n))} && terraform plan -input=false -out=${n}.tfplan)`,
      ]),
    );
  });
});

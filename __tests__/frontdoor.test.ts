/**
 * The newcomer's front door: README.md names every npm script and stays short, with a table of
 * contents and the three quick-start commands CI runs; README and docs/ link only inside the
 * repository; `npm run <x> -- --json` prints JSON only (no npm banner); `npm run atlantis`
 * refuses a configuration other than the committed one, leaving atlantis.yaml as it is.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { generatorRefusal, projectsNotSynthesized } from '../lib/atlantis/cli';
import { synthDefault } from './helpers/synth';

const ROOT = path.resolve(__dirname, '..');
const README = readFileSync(path.join(ROOT, 'README.md'), 'utf8');
const DOCS = readdirSync(path.join(ROOT, 'docs')).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`);

/**
 * Pages other engineers are writing, linked from the README's documentation table before they
 * exist. Remove a page from this list when it arrives.
 */
const PENDING_PAGES = ['docs/security.md', 'docs/atlantis.md'];

function npm(args: string[], env: NodeJS.ProcessEnv = {}) {
  return spawnSync('npm', args, { cwd: ROOT, encoding: 'utf8', env: { ...process.env, ...env } });
}

describe('README.md', () => {
  test('mentions every npm script as `npm run <name>`', () => {
    const scripts = Object.keys((JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts);
    expect(scripts.filter((name) => !README.includes(`npm run ${name}`))).toEqual([]);
  });

  test('is a short front door: at most 250 lines, a table of contents, the quick start CI runs', () => {
    expect(README.split('\n').length).toBeLessThanOrEqual(250);
    const contents = /## Contents\n\n((?:- .*\n)+)/.exec(README)?.[1] ?? '';
    for (const anchor of contents.matchAll(/\]\(#([^)]+)\)/g)) {
      const headings = [...README.matchAll(/^#{2,3} (.+)$/gm)].map((m) => m[1].toLowerCase().replace(/[^a-z0-9 -]/g, '').replace(/ /g, '-'));
      expect(headings).toContain(anchor[1]);
    }
    expect(contents.split('\n').length).toBeGreaterThan(5);
    const quickStart = /## Quick start[\s\S]*?```sh\n([\s\S]*?)```/.exec(README)?.[1] ?? '';
    expect(quickStart.split('\n').filter(Boolean).map((l) => l.replace(/\s+#.*$/, ''))).toEqual(['npm ci', 'npm run synth', 'npm test']);
    for (const text of ['TF_PLUGIN_MIRROR', 'docs/examples/terraformrc.offline', 'CHECKPOINT_DISABLE=1', 'docs/first-deploy.md']) expect(README).toContain(text);
  });

  test.each(['README.md', ...DOCS])('%s links only to files of the repository and cites nothing outside it', (file) => {
    const text = readFileSync(path.join(ROOT, file), 'utf8');
    expect(text).not.toMatch(/REFERENCE|\.\.\/shared|\/work\//);
    for (const [, target] of text.matchAll(/\]\(([^)#\s]+)(?:#[^)]*)?\)/g)) {
      expect(target).not.toMatch(/^[a-z]+:/);
      const resolved = path.relative(ROOT, path.resolve(path.dirname(path.join(ROOT, file)), target));
      expect({ file, target, inside: !resolved.startsWith('..') }).toEqual({ file, target, inside: true });
      if (!PENDING_PAGES.includes(resolved)) expect({ file, target, exists: existsSync(path.join(ROOT, resolved)) }).toEqual({ file, target, exists: true });
    }
  });
});

test.each(DOCS)('%s is one page: a single top-level heading', (file) => {
  const prose = readFileSync(path.join(ROOT, file), 'utf8').replace(/^```[\s\S]*?^```/gm, '');
  expect(prose.match(/^# /gm)).toHaveLength(1);
});

describe('JSON modes through npm print only JSON on stdout', () => {
  test.each([
    ['preflight', { ok: true }],
    ['cost', { environments: expect.any(Array) }],
  ])('npm run %s -- --json', (script, shape) => {
    const result = npm(['run', script, '--', '--json'], { CDKTF_OUTDIR: synthDefault().outdir });
    expect({ status: result.status, stderr: result.stderr }).toEqual({ status: 0, stderr: '' });
    expect(result.stdout.trimStart().startsWith('{')).toBe(true);
    expect(JSON.parse(result.stdout)).toMatchObject(shape);
  });
});

describe('the committed generated files never depend on INFRA_CONFIG', () => {
  test('npm run atlantis refuses to run with INFRA_CONFIG set, naming the variable, and writes nothing', () => {
    const before = readFileSync(path.join(ROOT, 'atlantis.yaml'), 'utf8');
    const result = npm(['run', 'atlantis'], { INFRA_CONFIG: 'config/examples/internal-service.yaml' });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('INFRA_CONFIG=config/examples/internal-service.yaml is set: `npm run atlantis` writes atlantis.yaml from the committed config/environments.yaml only');
    expect(readFileSync(path.join(ROOT, 'atlantis.yaml'), 'utf8')).toBe(before);
  });

  test('the Atlantis hook honours INFRA_CONFIG, and fails when that configuration lacks projects of atlantis.yaml', () => {
    const yaml = readFileSync(path.join(ROOT, 'atlantis.yaml'), 'utf8');
    const own = ['terraform-state', 'dev-network', 'dev-platform', 'dev-web', 'dev-api'];
    expect(projectsNotSynthesized(own, { INFRA_CONFIG: 'config/examples/internal-service.yaml' }, yaml)).toBe(
      [
        'atlantis.yaml has projects that INFRA_CONFIG=config/examples/internal-service.yaml does not synthesize: prod-network, prod-platform, prod-web.',
        'atlantis.yaml is generated from the committed config/environments.yaml: put that configuration there and run',
        '`npm run atlantis`, or unset INFRA_CONFIG on the Atlantis server.',
      ].join('\n'),
    );
    expect(projectsNotSynthesized(synthDefault().stackNames(), { INFRA_CONFIG: 'copy-of-default.yaml' }, yaml)).toBeUndefined();
    expect(projectsNotSynthesized(own, {}, yaml)).toBeUndefined();
    expect(generatorRefusal({ ENVIRONMENTS: 'dev' })).toMatch(/^ENVIRONMENTS=dev is set/);
    expect(generatorRefusal({})).toBeUndefined();
  });
});

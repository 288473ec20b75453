/**
 * scripts/run.cjs, the launcher `npm run synth` and the other npm scripts use: a cached
 * esbuild bundle of the entry, loaded with V8's code cache. What matters is that it is never
 * stale and that a module cannot tell it from running under tsx. That the synth writes the
 * same bytes through it as under tsx is checked in parity.tf.test.ts.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const ROOT = path.join(__dirname, '..');
const RUN = path.join(ROOT, 'scripts', 'run.cjs');
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { bundlePath } = require(RUN) as { bundlePath(entry: string): string };

interface Ran {
  status: number | null;
  stdout: string;
  stderr: string;
}

function runSync(args: string[], env: NodeJS.ProcessEnv = {}): Ran {
  const result = spawnSync(process.execPath, [RUN, ...args], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, DEBUG: '', ...env } });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

function runAsync(args: string[]): Promise<Ran> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [RUN, ...args], { cwd: ROOT, env: { ...process.env, DEBUG: '' } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

/** The code caches kept beside `entry`'s bundle. */
function codeCaches(entry: string): string[] {
  const bundle = bundlePath(entry);
  return readdirSync(path.dirname(bundle)).filter((name) => name.startsWith(`${path.basename(bundle)}.`) && name.endsWith('.v8cache'));
}

/** Rewrites `file` with `text` and moves its modification time on, as an editor save does. */
function edit(file: string, text: string): void {
  const before = statSync(file).mtimeMs;
  writeFileSync(file, text);
  const later = new Date(before + 2000);
  utimesSync(file, later, later);
}

describe('scripts/run.cjs', () => {
  const work = mkdtempSync(path.join(os.tmpdir(), 'run-launcher-'));
  const entry = path.join(work, 'entry.ts');
  const helper = path.join(work, 'lib', 'helper.ts');
  const plain = path.join(work, 'lib', 'plain.cjs');
  const entries = [entry];

  beforeAll(() => {
    mkdirSync(path.dirname(helper), { recursive: true });
    writeFileSync(
      entry,
      [
        "import { value, where, helperIsMain } from './lib/helper';",
        "const plain = require('./lib/plain.cjs');",
        'const report = { value, where, helperIsMain, plain, isMain: require.main === module, args: process.argv.slice(2), dir: __dirname, file: __filename };',
        'console.log(JSON.stringify(report));',
        'process.exitCode = 3;',
        '',
      ].join('\n'),
    );
    writeFileSync(helper, ["export const value: string = 'one';", 'export const where = __dirname;', 'export const helperIsMain = require.main === module;', ''].join('\n'));
    // CommonJS with a directive: the bundle must keep it strict.
    writeFileSync(plain, ["'use strict';", 'module.exports = { file: __filename, strict: (function () { return this === undefined; })() };', ''].join('\n'));
  });

  afterAll(() => {
    for (const e of entries) {
      const bundle = bundlePath(e);
      for (const name of readdirSync(path.dirname(bundle))) if (name.startsWith(path.basename(bundle))) rmSync(path.join(path.dirname(bundle), name), { force: true });
    }
    rmSync(work, { recursive: true, force: true });
  });

  const report = (ran: Ran) => {
    expect({ status: ran.status, stderr: ran.stderr }).toEqual({ status: 3, stderr: '' });
    return JSON.parse(ran.stdout) as { value: string; where: string; helperIsMain: boolean; plain: { file: string; strict: boolean }; isMain: boolean; args: string[]; dir: string; file: string };
  };

  test('runs the entry as the main module, with its arguments, exit code and every module’s own __dirname', () => {
    const first = report(runSync([entry, 'plan', '--flag=x']));
    expect(first).toEqual({
      value: 'one',
      where: path.join(work, 'lib'),
      helperIsMain: false,
      plain: { file: plain, strict: true },
      isMain: true,
      args: ['plan', '--flag=x'],
      dir: work,
      file: entry,
    });
    // One code cache, made by the first run, beside the bundle.
    expect(codeCaches(entry)).toHaveLength(1);
  });

  test('a changed import is rebuilt: a new size, and the same size with a new modification time', () => {
    report(runSync([entry]));
    const cacheBefore = codeCaches(entry);
    edit(helper, readFileSync(helper, 'utf8').replace("'one'", "'three'"));
    expect(report(runSync([entry])).value).toBe('three');
    edit(helper, readFileSync(helper, 'utf8').replace("'three'", "'eerht'"));
    expect(report(runSync([entry])).value).toBe('eerht');
    // The old bundle's code cache is gone; the new one has its own.
    const cacheAfter = codeCaches(entry);
    expect(cacheAfter).toHaveLength(1);
    expect(cacheAfter).not.toEqual(cacheBefore);
  });

  test('runs started together right after a change all see the change', async () => {
    edit(helper, readFileSync(helper, 'utf8').replace(/'[a-z]+'/, "'together'"));
    const runs = await Promise.all([runAsync([entry]), runAsync([entry]), runAsync([entry])]);
    for (const ran of runs) expect(report(ran).value).toBe('together');
    expect(codeCaches(entry)).toHaveLength(1);
  });

  test('a syntax error names the file and line, exits 1 and prints no stack trace', () => {
    const bad = path.join(work, 'bad.ts');
    entries.push(bad);
    writeFileSync(bad, "const fine = 1;\nconst broken = ;\nconsole.log(fine, broken);\n");
    const ran = runSync([bad]);
    expect(ran.status).toBe(1);
    expect(ran.stderr).toMatch(/bad\.ts:2:\d+: /);
    expect(ran.stderr).not.toMatch(/\n\s+at /);
  });

  test('a missing entry is refused with exit 2', () => {
    const ran = runSync([path.join(work, 'nope.ts')]);
    expect(ran.status).toBe(2);
    expect(ran.stderr).toContain('nope.ts: no such file');
  });

});

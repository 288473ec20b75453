/**
 * lib/synth/stack-traces.ts in a plain Node.js process, as the synth runs (Jest has
 * its own stack formatter, which the module leaves alone): the creation stacks cdktf captures
 * onto plain objects keep their top 10 frames, real errors every frame; DEBUG keeps all.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const ROOT = path.join(__dirname, '..');

describe('synth stack traces', () => {
  const work = mkdtempSync(path.join(os.tmpdir(), 'stack-traces-'));
  const entry = path.join(work, 'stacks.ts');

  beforeAll(() => {
    writeFileSync(
      entry,
      [
        `import ${JSON.stringify(path.join(ROOT, 'lib', 'synth', 'stack-traces'))};`,
        'function deep(n: number, f: () => void): void {',
        '  if (n === 0) f();',
        '  else deep(n - 1, f);',
        '}',
        'const frames: Record<string, number> = {};',
        'deep(30, () => {',
        '  // As cdktf records a token creation stack: onto a plain object, depth limit lifted.',
        "  const holder = { stack: '' };",
        '  const previous = Error.stackTraceLimit;',
        '  Error.stackTraceLimit = Number.MAX_SAFE_INTEGER;',
        '  Error.captureStackTrace(holder);',
        "  frames.creation = holder.stack.split('\\n').length - 1;",
        "  frames.error = (new Error('real').stack ?? '').split('\\n').length - 1;",
        '  Error.stackTraceLimit = previous;',
        '});',
        'console.log(JSON.stringify(frames));',
        '',
      ].join('\n'),
    );
  });

  afterAll(() => rmSync(work, { recursive: true, force: true }));

  const framesOf = (env: NodeJS.ProcessEnv) => {
    const result = spawnSync(process.execPath, [path.join(ROOT, 'scripts', 'run.cjs'), entry], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, ...env } });
    expect({ status: result.status, stderr: result.stderr }).toEqual({ status: 0, stderr: '' });
    return JSON.parse(result.stdout) as { creation: number; error: number };
  };

  test('a creation stack keeps its top 10 frames; an error keeps every frame', () => {
    const frames = framesOf({ DEBUG: '' });
    expect(frames.creation).toBe(10);
    expect(frames.error).toBeGreaterThan(30);
  });

  test('with DEBUG, creation stacks are complete', () => {
    expect(framesOf({ DEBUG: '1' }).creation).toBeGreaterThan(30);
  });
});

/** Runs the real synth entry point on a bad configuration and reports what a user would see. */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { stringify } from 'yaml';
import { runSynth } from '../../main';
import { defaultConfigData, Json } from './synth';

const work = mkdtempSync(path.join(os.tmpdir(), 'bad-config-'));

/** A previous synth output with a sentinel, to prove a failed synth leaves it alone. */
export function previousOutput(): { outdir: string; snapshot: () => string } {
  const outdir = mkdtempSync(path.join(work, 'out-'));
  mkdirSync(path.join(outdir, 'stacks', 'dev-network'), { recursive: true });
  writeFileSync(path.join(outdir, 'stacks', 'dev-network', 'cdk.tf.json'), '{"previous": true}');
  writeFileSync(path.join(outdir, 'manifest.json'), '{"stacks": {}}');
  const snapshot = () =>
    readdirSync(outdir, { recursive: true, withFileTypes: true })
      .filter((e) => e.isFile())
      .map((e) => `${path.join(e.parentPath, e.name)}=${readFileSync(path.join(e.parentPath, e.name), 'utf8')}`)
      .sort()
      .join('\n');
  return { outdir, snapshot };
}

export interface BadSynth {
  readonly code: number;
  readonly stderr: string;
  /** The previous output folder is byte for byte as before. */
  readonly unchanged: boolean;
  /** Leftover temporary folders next to the output (there must be none). */
  readonly leftovers: string[];
}

/** Synthesizes `fileContent` (undefined: the file does not exist; bytes: written as they are) over a previous output. */
export function synthWith(fileContent: string | Buffer | undefined, extraEnv: NodeJS.ProcessEnv = {}): BadSynth {
  const file = path.join(mkdtempSync(path.join(work, 'cfg-')), 'environments.yaml');
  if (fileContent !== undefined) writeFileSync(file, fileContent);
  const { outdir, snapshot } = previousOutput();
  const before = snapshot();
  let stderr = '';
  const code = runSynth({ INFRA_CONFIG: file, CDKTF_OUTDIR: outdir, ...extraEnv }, { write: (t: string) => (stderr += t) });
  return {
    code,
    stderr,
    unchanged: snapshot() === before,
    leftovers: readdirSync(path.dirname(outdir)).filter((s) => s.includes('.tmp-') || s.includes('.old-')),
  };
}

/** The default configuration, changed by `change`, as YAML text. */
export function mutated(change: (data: Json) => void): string {
  const data = defaultConfigData();
  change(data);
  return stringify(data);
}

/** The assertions every bad-input case shares. */
export function expectRejected(result: BadSynth, message: RegExp): void {
  expect(result.stderr).toMatch(message);
  expect(result.code).not.toBe(0);
  expect(result.unchanged).toBe(true);
  expect(result.leftovers).toEqual([]);
  expect(result.stderr).not.toMatch(/^\s+at .+:\d+:\d+\)?$/m);
  expect(result.stderr).toContain('is unchanged');
}

export const workDir = work;

/**
 * The default configuration and every example under config/examples/ synthesize, break no
 * guardrail, and pass the preflight: every task of every service can start.
 */
import { readdirSync } from 'node:fs';
import * as path from 'node:path';
import { DEFAULT_CONFIG_PATH, loadConfigFile } from '../config/load';
import { checkSynthesized } from '../lib/preflight/synth-check';
import { tally } from './helpers/preflight';
import { synthConfig } from './helpers/synth';

const examplesDir = path.join(__dirname, '..', 'config', 'examples');
const examples = (() => {
  try {
    return readdirSync(examplesDir).filter((f) => /\.ya?ml$/.test(f)).map((f) => path.join(examplesDir, f));
  } catch {
    return [];
  }
})();
const configs = [DEFAULT_CONFIG_PATH, ...examples].map((file) => [path.relative(path.join(__dirname, '..'), file), file]);

test.each(configs)('%s passes the guardrails and the preflight', (_name, file) => {
  const synth = synthConfig(loadConfigFile(file));
  const { report } = checkSynthesized(synth.outdir);
  expect(report.services.length).toBeGreaterThan(0);
  const problems = report.services.flatMap((s) => s.checks.filter((c) => c.verdict !== 'pass').map((c) => `${s.service.stack.name} ${c.title}: ${c.verdict}: ${c.reason}`));
  expect(problems).toEqual([]);
  expect(tally(report)).toMatchObject({ fail: 0, warn: 0, unknown: 0 });
});

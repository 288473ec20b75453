/**
 * Before any test file: one real synth of the default configuration, the way `npm run synth`
 * makes it (scripts/run.cjs main.ts), into a temporary folder that `synthDefault()`
 * (helpers/synth.ts) reads instead of synthesizing it again in every test file that needs
 * it. Its stack folders must be treated as read-only: copy them before changing anything.
 */
const { spawnSync } = require('node:child_process');
const { mkdtempSync } = require('node:fs');
const os = require('node:os');
const path = require('node:path');

module.exports = async function globalSetup() {
  if (process.env.TEST_DEFAULT_SYNTH) return;
  const outdir = path.join(mkdtempSync(path.join(os.tmpdir(), 'default-synth-')), 'cdktf.out');
  const root = path.join(__dirname, '..', '..');
  const result = spawnSync(process.execPath, [path.join(root, 'scripts', 'run.cjs'), 'main.ts'], {
    cwd: root,
    encoding: 'utf8',
    env: { ...process.env, CDKTF_OUTDIR: outdir, INFRA_CONFIG: '', ENVIRONMENTS: '', DEBUG: '' },
  });
  if (result.status !== 0) throw new Error(`the default synth failed (exit ${result.status}):\n${result.stdout}${result.stderr}`);
  // Jest starts its workers after the global setup: they inherit this.
  process.env.TEST_DEFAULT_SYNTH = outdir;
};

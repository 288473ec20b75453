/** Removes the default synth made by global-setup.js. */
const { rmSync } = require('node:fs');
const path = require('node:path');

module.exports = async function globalTeardown() {
  const outdir = process.env.TEST_DEFAULT_SYNTH;
  if (outdir && path.basename(path.dirname(outdir)).startsWith('default-synth-')) rmSync(path.dirname(outdir), { recursive: true, force: true });
};

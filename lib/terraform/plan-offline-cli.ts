/**
 * npm run plan:offline [-- <stack> ...]
 *
 * Synthesizes nothing: plans what is in cdktf.out (run `npm run synth` first) with real
 * Terraform, offline: a local backend, dummy AWS credentials and placeholder remote state,
 * all through an override file in a temporary copy. Exits 1 if any stack fails.
 */
import * as path from 'node:path';
import { existsSync } from 'node:fs';
import { describeFailure, listStacks, planStacksOffline, terraformAvailable } from './offline';

/** The command: `npm run plan:offline [-- <stack> ...]`. */
export async function main(argv: string[]): Promise<void> {
  const outdir = path.resolve(process.env.CDKTF_OUTDIR ?? 'cdktf.out');
  if (!existsSync(path.join(outdir, 'manifest.json'))) {
    process.stderr.write(`No synthesized stacks in ${outdir}: run \`npm run synth\` first.\n`);
    process.exit(1);
  }
  if (!terraformAvailable()) {
    process.stderr.write('terraform is not on the PATH (Terraform >= 1.10 is required).\n');
    process.exit(1);
  }
  const all = listStacks(outdir);
  const wanted = argv;
  const unknown = wanted.filter((s) => !all.includes(s));
  if (unknown.length > 0) {
    process.stderr.write(`Unknown stack(s): ${unknown.join(', ')}. Stacks: ${all.join(', ')}\n`);
    process.exit(1);
  }
  const started = Date.now();
  const results = await planStacksOffline(outdir, wanted.length > 0 ? wanted : all);
  for (const r of results) {
    const s = r.summary;
    process.stdout.write(`${r.ok ? 'ok  ' : 'FAIL'} ${r.stack}${s ? `  (+${s.add} ~${s.change} -${s.destroy})` : ''}\n`);
    if (!r.ok) process.stdout.write(`${describeFailure(r)}\n`);
  }
  process.stdout.write(`${results.filter((r) => r.ok).length}/${results.length} stacks planned offline in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
  if (results.some((r) => !r.ok)) process.exit(1);
}


/**
 * npm run plan:offline [-- <stack> ...]
 * npm run plan:offline -- --write-override <stack> ...
 *
 * Synthesizes nothing: plans what is in cdktf.out (run `npm run synth` first) with real
 * Terraform, offline: a local backend, dummy AWS credentials and placeholder remote state,
 * all through an override file in a temporary copy. Exits 1 if any stack fails.
 *
 * --write-override writes that override file into the stack folders themselves instead, and
 * plans nothing, so that plain `terraform plan` and `cdktf diff --skip-synth` run offline there
 * (docs/workflows.md, "Offline"). The next synth replaces the folders, override included.
 */
import * as path from 'node:path';
import { existsSync } from 'node:fs';
import { describeFailure, listStacks, planStacksOffline, terraformAvailable, writeOfflineOverride } from './offline';
import { OFFLINE_CLI_CONFIG } from './provider-hint';

const WRITE_OVERRIDE = '--write-override';

/** The command: `npm run plan:offline [-- [--write-override] <stack> ...]`. */
export async function main(argv: string[]): Promise<void> {
  const outdir = path.resolve(process.env.CDKTF_OUTDIR ?? 'cdktf.out');
  if (!existsSync(path.join(outdir, 'manifest.json'))) {
    process.stderr.write(`No synthesized stacks in ${outdir}: run \`npm run synth\` first.\n`);
    process.exit(1);
  }
  const inPlace = argv.includes(WRITE_OVERRIDE);
  const wanted = argv.filter((a) => a !== WRITE_OVERRIDE);
  const all = listStacks(outdir);
  const unknown = wanted.filter((s) => !all.includes(s));
  if (unknown.length > 0) {
    process.stderr.write(`Unknown stack(s): ${unknown.join(', ')}. Stacks: ${all.join(', ')}\n`);
    process.exit(1);
  }
  if (inPlace) {
    if (wanted.length === 0) {
      process.stderr.write(`${WRITE_OVERRIDE} needs the stack(s) to write it into, e.g. \`npm run plan:offline -- ${WRITE_OVERRIDE} dev-network\`\n`);
      process.exit(2);
    }
    try {
      writeOverrides(outdir, wanted);
    } catch (error) {
      // A provider pinned to an account needs the STS stand-in only the temporary copies get.
      process.stderr.write(`${(error as Error).message}\n${WRITE_OVERRIDE} cannot prepare it: use \`npm run plan:offline -- <stack>\`.\n`);
      process.exit(1);
    }
    return;
  }
  if (!terraformAvailable()) {
    process.stderr.write('terraform is not on the PATH (Terraform >= 1.10 is required).\n');
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

function writeOverrides(outdir: string, stacks: readonly string[]): void {
  const relative = (p: string) => path.relative(process.cwd(), p) || '.';
  for (const stack of stacks) {
    const file = writeOfflineOverride(outdir, stack, path.join(outdir, 'stacks', stack));
    process.stdout.write(`wrote ${relative(file)}\n`);
  }
  const dir = relative(path.join(outdir, 'stacks', stacks[0]));
  process.stdout.write(
    [
      '',
      'Offline only: the override replaces the S3 backend with a local one and gives the AWS provider dummy',
      'credentials; `npm run synth` removes it. Then, with a provider mirror (edit its path first):',
      `  export TF_CLI_CONFIG_FILE=$PWD/${OFFLINE_CLI_CONFIG} CHECKPOINT_DISABLE=1`,
      `  (cd ${dir} && terraform init -lockfile=readonly && terraform plan)`,
      `  npx cdktf diff ${stacks[0]} --skip-synth --skip-provider-lock`,
      '',
    ].join('\n'),
  );
}

/**
 * `npm run cost [-- --json]`: the command behind scripts/cost.ts, as a function that
 * returns the exit code so tests can run it in-process.
 */
import * as path from 'node:path';
import { formatReport } from './format';
import { UnknownRegionError } from './pricing';
import { buildReport, ReportOptions, reportToJson } from './report';
import { MissingSynthError } from './stacks';

export interface Output {
  write(text: string): unknown;
}

const USAGE = `Usage: npm run cost [-- --json]

Estimates the fixed monthly cost of every environment synthesized into cdktf.out
(CDKTF_OUTDIR for another folder) from the list prices in pricing/<region>.json,
with the NAT gateway alternative and the break-even data volume.

  --json   machine-readable output (for CI comments)
  --help   this text
`;

export function runCost(argv: readonly string[], env: NodeJS.ProcessEnv, stdout: Output, stderr: Output, options: ReportOptions = {}): number {
  const unknown = argv.filter((a) => !['--json', '--help', '-h'].includes(a));
  if (argv.includes('--help') || argv.includes('-h')) {
    stdout.write(USAGE);
    return 0;
  }
  if (unknown.length > 0) {
    stderr.write(`Unknown argument(s): ${unknown.join(' ')}\n\n${USAGE}`);
    return 2;
  }
  const outdir = env.CDKTF_OUTDIR ?? 'cdktf.out';
  try {
    const report = buildReport(path.resolve(outdir), options);
    const shown = { ...report, outdir };
    stdout.write(argv.includes('--json') ? `${JSON.stringify(reportToJson(shown), null, 2)}\n` : formatReport(shown));
    return 0;
  } catch (error) {
    const known = error instanceof UnknownRegionError || error instanceof MissingSynthError;
    stderr.write(`${known ? '' : 'cost report failed: '}${(error as Error).message}\n`);
    if (env.DEBUG && !known) stderr.write(`${(error as Error).stack}\n`);
    return 1;
  }
}

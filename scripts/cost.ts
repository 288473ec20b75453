/**
 * npm run cost [-- --json]
 *
 * Prints, per environment synthesized into cdktf.out (or CDKTF_OUTDIR), the fixed monthly
 * cost by line at list prices, the NAT gateway alternative and the break-even data volume.
 * Reads the synthesized JSON only: run `npm run synth` first. Exits 1 when the output is
 * missing or a region has no pricing/<region>.json.
 */
import { runCost } from '../lib/cost/cli';

process.exitCode = runCost(process.argv.slice(2), process.env, process.stdout, process.stderr);

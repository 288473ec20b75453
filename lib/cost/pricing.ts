/**
 * Price sheets for the cost report: one JSON file per region in `pricing/<region>.json`,
 * each price with the page it comes from and the date it was read. Prices are data, not
 * code, so a price change or a new region is a reviewed one-file change, and the report
 * never calls a pricing API (it must work offline, like the synth and the tests).
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { z } from 'zod';

/** The repository's `pricing/` folder. */
export const PRICING_DIR = path.join(__dirname, '..', '..', 'pricing');

/** Hours in a billing month, the convention of the AWS pricing pages and calculator. */
export const HOURS_PER_MONTH = 730;

const price = z.strictObject({
  usd: z.number().nonnegative(),
  unit: z.string().min(1),
  source: z.url(),
  read: z.iso.date(),
  /** How (and whether) the figure was cross-checked; shown in --json for reviewers. */
  checked: z.string().min(1),
});

export const PRICE_KEYS = [
  'interfaceEndpointAzHour',
  'interfaceEndpointGb',
  'natGatewayHour',
  'natGatewayGb',
  'publicIpv4Hour',
  'albHour',
  'albLcuHour',
  'fargateX86VcpuHour',
  'fargateX86GbHour',
  'fargateArmVcpuHour',
  'fargateArmGbHour',
  'wafWebAclMonth',
  'wafRuleMonth',
  'wafMillionRequests',
  'kmsKeyMonth',
] as const;

export type PriceKey = (typeof PRICE_KEYS)[number];

const priceSheetSchema = z.strictObject({
  region: z.string().min(1),
  regionName: z.string().min(1),
  currency: z.literal('USD'),
  note: z.string(),
  prices: z.strictObject(Object.fromEntries(PRICE_KEYS.map((key) => [key, price])) as Record<PriceKey, typeof price>),
});

export type Price = z.output<typeof price>;
export type PriceSheet = z.output<typeof priceSheetSchema> & { readonly file: string };

/** A region with no price sheet: reported by name with the sheets that exist, never priced at zero. */
export class UnknownRegionError extends Error {
  constructor(
    readonly region: string,
    readonly available: readonly string[],
    readonly environment?: string,
  ) {
    super(
      `No prices for region ${JSON.stringify(region)}${environment ? ` (environment ${environment})` : ''}: ` +
        `pricing/${region}.json does not exist. Available pricing files: ${available.length > 0 ? available.map((r) => `pricing/${r}.json`).join(', ') : 'none'}. ` +
        `Add pricing/${region}.json (same shape, with the source and date of each price) to estimate this region.`,
    );
    this.name = 'UnknownRegionError';
  }
}

/** Regions that have a price sheet in `dir`, sorted. */
export function availableRegions(dir: string = PRICING_DIR): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .map((f) => f.slice(0, -'.json'.length))
    .sort();
}

/** Loads and validates `pricing/<region>.json`; an unknown region throws UnknownRegionError. */
export function loadPriceSheet(region: string, dir: string = PRICING_DIR, environment?: string): PriceSheet {
  const file = path.join(dir, `${region}.json`);
  // The region comes from synthesized JSON; refuse anything that could name a path.
  if (!/^[a-z0-9-]+$/.test(region) || !existsSync(file)) throw new UnknownRegionError(region, availableRegions(dir), environment);
  const parsed = priceSheetSchema.safeParse(JSON.parse(readFileSync(file, 'utf8')));
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');
    throw new Error(`${path.relative(process.cwd(), file)} is not a valid price sheet: ${problems}`);
  }
  if (parsed.data.region !== region) throw new Error(`${file} says region ${JSON.stringify(parsed.data.region)}, expected ${JSON.stringify(region)}`);
  return { ...parsed.data, file: path.relative(path.join(dir, '..'), file) };
}

/**
 * Builds the whole cost report of a synthesized output folder: stacks -> environments ->
 * inventory -> priced lines. Every environment's region must have a price sheet; one
 * that does not stops the report (a missing price is never reported as $0).
 */
import { costOf, EnvironmentCost } from './model';
import { inventoryOf, EnvironmentInventory } from './inventory';
import { HOURS_PER_MONTH, loadPriceSheet, PRICING_DIR } from './pricing';
import { groupByEnvironment, NO_ENVIRONMENT, readSynthesizedStacks } from './stacks';

export const BASIS =
  'List-price estimates: on-demand list prices in USD from pricing/<region>.json, 730 hours a month, before tax, credits, free tier and discounts. Usage-based charges are listed, not estimated.';

export interface CostReport {
  readonly currency: 'USD';
  readonly hoursPerMonth: number;
  readonly basis: string;
  readonly outdir: string;
  readonly environments: readonly EnvironmentCost[];
}

export interface ReportOptions {
  /** Folder of the price sheets. @default the repository's pricing/ */
  readonly pricingDir?: string;
}

/** The report for every environment synthesized into `outdir`. */
export function buildReport(outdir: string, options: ReportOptions = {}): CostReport {
  const stacks = readSynthesizedStacks(outdir);
  const environments = groupByEnvironment(stacks)
    .map((env) => inventoryOf(env, stacks))
    // Account-wide stacks (the state bootstrap) appear only when they hold something priced.
    .filter((inv) => inv.name !== NO_ENVIRONMENT || hasBillable(inv))
    .map((inv) => {
      if (!inv.region) throw new Error(`environment ${inv.name}: its stacks (${inv.stacks.join(', ')}) have no AWS provider region`);
      return costOf(inv, loadPriceSheet(inv.region, options.pricingDir ?? PRICING_DIR, inv.name));
    });
  return { currency: 'USD', hoursPerMonth: HOURS_PER_MONTH, basis: BASIS, outdir, environments };
}

function hasBillable(inv: EnvironmentInventory): boolean {
  return (
    inv.interfaceEndpoints.length + inv.natGateways + inv.natElasticIps + inv.otherElasticIps + inv.loadBalancers.length + inv.fargate.length + inv.cloudFront.length + inv.containerInsights.length >
    0
  );
}

/** Money rounded to cents and volumes to 0.1 GB, for machine-readable output without float noise. */
export function reportToJson(report: CostReport): unknown {
  const cents = (usd: number) => Math.round(usd * 100) / 100;
  return {
    ...report,
    environments: report.environments.map((env) => ({
      ...env,
      lines: env.lines.map((l) => ({ ...l, monthlyUsd: cents(l.monthlyUsd) })),
      fixedMonthlyUsd: cents(env.fixedMonthlyUsd),
      egress: {
        ...env.egress,
        options: env.egress.options.map((o) => ({ ...o, fixedMonthlyUsd: cents(o.fixedMonthlyUsd), environmentMonthlyUsd: cents(o.environmentMonthlyUsd) })),
        breakEven: env.egress.breakEven.map((b) => ({ ...b, gbPerMonth: b.gbPerMonth === null ? null : Math.round(b.gbPerMonth * 10) / 10 })),
      },
    })),
  };
}

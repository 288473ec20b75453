/**
 * Turns an environment's inventory and its region's price sheet into the report: fixed
 * monthly cost by line, the same environment with NAT gateways instead of interface
 * endpoints (one, and one per zone), and the monthly data volume where the two break even.
 * Pure arithmetic; every figure is `quantity x hours x unit price`, shown as such.
 */
import type { FargateService } from './fargate';
import type { EnvironmentInventory } from './inventory';
import { HOURS_PER_MONTH, PriceKey, PriceSheet } from './pricing';

export type LineKind =
  | 'interface-endpoints'
  | 'gateway-endpoints'
  | 'nat-gateways'
  | 'nat-public-ipv4'
  | 'elastic-ips'
  | 'alb'
  | 'alb-public-ipv4'
  | 'fargate'
  | 'task-public-ipv4'
  | 'waf'
  | 'kms-keys';

export interface CostLine {
  readonly kind: LineKind;
  readonly label: string;
  /** The arithmetic in words, e.g. `3 endpoints x 2 AZs x 730 h x $0.013`. */
  readonly detail: string;
  readonly monthlyUsd: number;
}

export type EgressOptionId = 'endpoints' | 'nat-single' | 'nat-per-az' | 'nat-and-endpoints';

export interface EgressOption {
  readonly id: EgressOptionId;
  readonly label: string;
  /** Fixed monthly cost of this way out (endpoint AZ-hours, or NAT hours + their public IPv4). */
  readonly fixedMonthlyUsd: number;
  /** Charge per GB processed on top. */
  readonly perGbUsd: number;
  /** The environment's fixed monthly total with this option in place of what was synthesized. */
  readonly environmentMonthlyUsd: number;
  /** True when this option is what the stacks synthesize. */
  readonly synthesized: boolean;
  readonly detail: string;
}

export interface BreakEven {
  readonly against: 'nat-single' | 'nat-per-az';
  /** Monthly GB through the endpoints (or the NAT) at which both cost the same; null if they never do. */
  readonly gbPerMonth: number | null;
  /** When the endpoints are the cheaper choice. */
  readonly endpointsCheaper: 'always' | 'never' | 'above' | 'below';
}

export interface EnvironmentCost {
  readonly name: string;
  readonly region: string;
  readonly pricingFile: string;
  readonly pricesRead: readonly string[];
  readonly stacks: readonly string[];
  readonly lines: readonly CostLine[];
  readonly fixedMonthlyUsd: number;
  readonly egress: {
    readonly zones: number;
    readonly options: readonly EgressOption[];
    readonly breakEven: readonly BreakEven[];
  };
  /** Usage-based charges mentioned, not estimated. */
  readonly notes: readonly string[];
  readonly warnings: readonly string[];
}

const H = HOURS_PER_MONTH;

/** `$0.013`: unit prices exactly as in the sheet. */
export function unitPrice(usd: number): string {
  return `$${usd}`;
}

export function money(usd: number): string {
  return `$${usd.toFixed(2)}`;
}

function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

/** Prices one environment. */
export function costOf(inventory: EnvironmentInventory, sheet: PriceSheet): EnvironmentCost {
  const p = (key: PriceKey) => sheet.prices[key].usd;
  const ipv4 = p('publicIpv4Hour');
  const lines: CostLine[] = [];
  const add = (kind: LineKind, label: string, detail: string, monthlyUsd: number) => lines.push({ kind, label, detail, monthlyUsd });

  const endpointZones = inventory.interfaceEndpoints.reduce((sum, e) => sum + e.zones, 0);
  if (inventory.interfaceEndpoints.length > 0) {
    add('interface-endpoints', 'Interface endpoints', `${endpointShape(inventory)} x ${H} h x ${unitPrice(p('interfaceEndpointAzHour'))}`, endpointZones * H * p('interfaceEndpointAzHour'));
  }
  if (inventory.gatewayEndpoints > 0) add('gateway-endpoints', 'Gateway endpoints (S3, DynamoDB)', `${inventory.gatewayEndpoints}, free`, 0);
  if (inventory.natGateways > 0) {
    add('nat-gateways', 'NAT gateways', `${inventory.natGateways} x ${H} h x ${unitPrice(p('natGatewayHour'))}`, inventory.natGateways * H * p('natGatewayHour'));
  }
  if (inventory.natElasticIps > 0) {
    add('nat-public-ipv4', 'NAT public IPv4 (Elastic IPs)', `${inventory.natElasticIps} x ${H} h x ${unitPrice(ipv4)}`, inventory.natElasticIps * H * ipv4);
  }
  if (inventory.otherElasticIps > 0) {
    add('elastic-ips', 'Other Elastic IPs', `${inventory.otherElasticIps} x ${H} h x ${unitPrice(ipv4)}`, inventory.otherElasticIps * H * ipv4);
  }
  const albs = inventory.loadBalancers;
  if (albs.length > 0) {
    add('alb', 'Application Load Balancers', `${albs.length} x ${H} h x ${unitPrice(p('albHour'))}`, albs.length * H * p('albHour'));
    const nodes = albs.filter((a) => a.internetFacing).reduce((sum, a) => sum + a.zones, 0);
    if (nodes > 0) add('alb-public-ipv4', 'ALB public IPv4 (one per AZ)', `${nodes} x ${H} h x ${unitPrice(ipv4)}`, nodes * H * ipv4);
  }
  for (const service of inventory.fargate) {
    const { vcpu, gb } = fargateRates(service, sheet);
    const perTaskHour = service.vcpu * vcpu + service.memoryGb * gb;
    add(
      'fargate',
      `Fargate ${service.label}`,
      `${plural(service.tasks, 'task')} (${service.tasksFrom}) x (${service.vcpu} vCPU x ${unitPrice(vcpu)} + ${service.memoryGb} GB x ${unitPrice(gb)}) x ${H} h, ${service.architecture}`,
      service.tasks * perTaskHour * H,
    );
  }
  const publicTasks = inventory.fargate.filter((s) => s.publicIp).reduce((sum, s) => sum + s.tasks, 0);
  if (publicTasks > 0) add('task-public-ipv4', 'Task public IPv4', `${publicTasks} x ${H} h x ${unitPrice(ipv4)}`, publicTasks * H * ipv4);
  // Hardening (production): monthly fees, not hourly.
  const acls = inventory.webAcls;
  if (acls.length > 0) {
    const rules = acls.reduce((n, a) => n + a.rules, 0);
    add(
      'waf',
      'AWS WAF web ACLs',
      `${plural(acls.length, 'web ACL')} x ${unitPrice(p('wafWebAclMonth'))} + ${plural(rules, 'rule')} x ${unitPrice(p('wafRuleMonth'))}, a month`,
      acls.length * p('wafWebAclMonth') + rules * p('wafRuleMonth'),
    );
  }
  if (inventory.kmsKeys.length > 0) {
    add('kms-keys', 'KMS customer managed keys', `${plural(inventory.kmsKeys.length, 'key')} x ${unitPrice(p('kmsKeyMonth'))}, a month`, inventory.kmsKeys.length * p('kmsKeyMonth'));
  }

  const fixedMonthlyUsd = sum(lines.map((l) => l.monthlyUsd));
  const egress = egressComparison(inventory, sheet, lines, fixedMonthlyUsd);
  return {
    name: inventory.name,
    region: sheet.region,
    pricingFile: sheet.file,
    pricesRead: [...new Set(Object.values(sheet.prices).map((price) => price.read))].sort(),
    stacks: inventory.stacks,
    lines,
    fixedMonthlyUsd,
    egress,
    notes: usageNotes(inventory, sheet),
    warnings: inventory.warnings,
  };
}

/** `3 endpoints x 2 AZs` when uniform, else `7 endpoint-AZs (ecr.api 2, logs 3, ...)`. */
function endpointShape(inventory: EnvironmentInventory): string {
  const endpoints = inventory.interfaceEndpoints;
  const zones = new Set(endpoints.map((e) => e.zones));
  if (zones.size === 1) return `${plural(endpoints.length, 'endpoint')} x ${plural(endpoints[0].zones, 'AZ')}`;
  const total = endpoints.reduce((s, e) => s + e.zones, 0);
  return `${total} endpoint-AZs (${endpoints.map((e) => `${e.service} ${e.zones}`).join(', ')})`;
}

function fargateRates(service: FargateService, sheet: PriceSheet): { vcpu: number; gb: number } {
  return service.architecture === 'ARM64'
    ? { vcpu: sheet.prices.fargateArmVcpuHour.usd, gb: sheet.prices.fargateArmGbHour.usd }
    : { vcpu: sheet.prices.fargateX86VcpuHour.usd, gb: sheet.prices.fargateX86GbHour.usd };
}

function sum(values: number[]): number {
  return values.reduce((a, b) => a + b, 0);
}

/**
 * The ways tasks reach ECR and CloudWatch Logs: interface endpoints (every one the tasks
 * need, inventory.neededEndpoints), one NAT gateway, one NAT gateway per zone, and, when
 * that is what was synthesized (`egress: nat` keeps the endpoints unless
 * `interfaceEndpoints: false`), NAT gateways and endpoints together. Each option replaces
 * whatever egress was synthesized (endpoints, NAT gateways and their Elastic IPs) in the
 * environment's total; the synthesized one is marked.
 */
function egressComparison(inventory: EnvironmentInventory, sheet: PriceSheet, lines: CostLine[], total: number): EnvironmentCost['egress'] {
  const p = sheet.prices;
  const synthesizedEgress = sum(lines.filter((l) => ['interface-endpoints', 'nat-gateways', 'nat-public-ipv4'].includes(l.kind)).map((l) => l.monthlyUsd));
  const others = total - synthesizedEgress;
  const zones = inventory.zones;

  // The endpoints the tasks need that were not synthesized (all of them in a NAT-only
  // environment) are priced one per zone.
  const hasEndpoints = inventory.interfaceEndpoints.length > 0;
  const synthesizedServices = new Set(inventory.interfaceEndpoints.map((e) => e.service));
  const missing = inventory.neededEndpoints.filter((e) => !synthesizedServices.has(e));
  const endpointZones = inventory.interfaceEndpoints.reduce((s, e) => s + e.zones, 0) + missing.length * zones;
  const missingShape = `${plural(missing.length, 'endpoint')} (${missing.join(', ')}) x ${plural(zones, 'AZ')}`;
  const endpointShapes = [...(hasEndpoints ? [endpointShape(inventory)] : []), ...(missing.length > 0 ? [missingShape] : [])];
  const endpointDetail = `${endpointShapes.length > 1 ? `(${endpointShapes.join(' + ')})` : endpointShapes[0]} x ${H} h x ${unitPrice(p.interfaceEndpointAzHour.usd)}`;
  const natFixed = (n: number) => n * H * (p.natGatewayHour.usd + p.publicIpv4Hour.usd);
  const natDetail = (n: number) => `${n} x ${H} h x (${unitPrice(p.natGatewayHour.usd)} + ${unitPrice(p.publicIpv4Hour.usd)} public IPv4)`;
  const onlyNat = !hasEndpoints && inventory.natGateways > 0;

  const option = (id: EgressOptionId, label: string, fixed: number, perGb: number, synthesized: boolean, detail: string): EgressOption => ({
    id,
    label,
    fixedMonthlyUsd: fixed,
    perGbUsd: perGb,
    environmentMonthlyUsd: others + fixed,
    synthesized,
    detail,
  });
  const endpointsLabel = `Interface endpoints (${plural(inventory.neededEndpoints.length, 'service')}${missing.length > 0 ? `; ${missing.length} not synthesized` : ''})`;
  const endpoints = option('endpoints', endpointsLabel, endpointZones * H * p.interfaceEndpointAzHour.usd, p.interfaceEndpointGb.usd, hasEndpoints && inventory.natGateways === 0, endpointDetail);
  const single = option('nat-single', 'NAT gateway, one', natFixed(1), p.natGatewayGb.usd, onlyNat && inventory.natGateways === 1, natDetail(1));
  const perAz = option('nat-per-az', `NAT gateway, one per AZ (${zones})`, natFixed(zones), p.natGatewayGb.usd, onlyNat && inventory.natGateways === zones && zones > 1, natDetail(zones));
  const options = [endpoints, single, perAz];
  if (hasEndpoints && inventory.natGateways > 0) {
    // `egress: nat` with the endpoints kept: ECR and logs traffic still takes the endpoints.
    const both = `${inventory.natGateways} NAT + ${endpointShape(inventory)}`;
    options.push(option('nat-and-endpoints', `NAT gateway (${inventory.natGateways}) and interface endpoints`, synthesizedEgress, p.interfaceEndpointGb.usd, true, both));
  }
  return { zones, options, breakEven: [breakEven(endpoints, single), breakEven(endpoints, perAz)] };
}

/**
 * Where `fixed + perGb x V` of the endpoints meets that of a NAT option. Interface
 * endpoints usually cost more fixed and less per GB, so they win above the break-even.
 */
export function breakEven(endpoints: EgressOption, nat: EgressOption): BreakEven {
  const against = nat.id as BreakEven['against'];
  const fixedDiff = endpoints.fixedMonthlyUsd - nat.fixedMonthlyUsd;
  const perGbDiff = nat.perGbUsd - endpoints.perGbUsd;
  if (perGbDiff === 0) return { against, gbPerMonth: null, endpointsCheaper: fixedDiff <= 0 ? 'always' : 'never' };
  const volume = fixedDiff / perGbDiff;
  if (volume <= 0) return { against, gbPerMonth: null, endpointsCheaper: perGbDiff > 0 ? 'always' : 'never' };
  return { against, gbPerMonth: volume, endpointsCheaper: perGbDiff > 0 ? 'above' : 'below' };
}

function usageNotes(inventory: EnvironmentInventory, sheet: PriceSheet): string[] {
  const p = sheet.prices;
  const notes = [
    `Per GB processed: interface endpoints ${unitPrice(p.interfaceEndpointGb.usd)}, NAT gateways ${unitPrice(p.natGatewayGb.usd)} (S3 image layers use the free gateway endpoint either way).`,
  ];
  if (inventory.loadBalancers.length > 0) notes.push(`ALB capacity: ${unitPrice(p.albLcuHour.usd)} per LCU-hour, by traffic.`);
  const spot = inventory.fargate.filter((s) => s.spotTasks > 0);
  if (spot.length > 0) {
    notes.push(
      `FARGATE_SPOT: ${spot.map((s) => `${s.spotTasks} of ${s.tasks} ${s.label} tasks`).join(', ')} may run on Spot capacity, up to 70% cheaper at a variable price; priced here at the on-demand rate (an upper bound).`,
    );
  }
  if (inventory.cloudFront.length > 0) {
    notes.push(`CloudFront (${inventory.cloudFront.length} distribution${inventory.cloudFront.length === 1 ? '' : 's'}): billed per request and per GB delivered, no hourly charge; not estimated.`);
  }
  if (inventory.webAcls.length > 0) notes.push(`AWS WAF requests: ${unitPrice(p.wafMillionRequests.usd)} per million inspected, by traffic.`);
  if (inventory.containerInsights.length > 0) {
    notes.push(`Container Insights (${inventory.containerInsights.length} cluster${inventory.containerInsights.length === 1 ? '' : 's'}): CloudWatch metrics and performance log events billed by usage; not estimated.`);
  }
  notes.push('Not included: data transfer, CloudWatch Logs (VPC flow logs, task logs), S3 log storage, ECR storage, KMS requests and rotated key versions, taxes and discounts.');
  return notes;
}

/**
 * What an environment's synthesized stacks contain that has a price: interface endpoints
 * and the zones they span, NAT gateways, public IPv4 addresses (Elastic IPs, one per ALB
 * node, one per task with a public IP), load balancers, Fargate tasks, plus the
 * usage-billed items the report only mentions. Read by resource type, so resources added
 * by escape hatches are found too.
 */
import { neededEndpoints } from './endpoint-needs';
import { containerInsightsClusters, FargateService, fargateServices } from './fargate';
import { refersTo, resolveSubnets, ResolvedSubnet, zoneCount } from './refs';
import type { EnvironmentStacks } from './stacks';
import { awsProviders, instanceCount, isRecord, literalString, nestedBlocks, resourcesIn, SynthStack, TfResource } from './terraform-json';

export interface InterfaceEndpoint {
  readonly address: string;
  /** `ecr.api`, `logs`, ... (the service name without `com.amazonaws.<region>.`). */
  readonly service: string;
  /** Availability zones the endpoint has a network interface in (billed per AZ-hour). */
  readonly zones: number;
}

export interface LoadBalancer {
  readonly address: string;
  readonly internetFacing: boolean;
  /** Zones (= nodes, each with its own public IPv4 address when internet-facing). */
  readonly zones: number;
}

/** An AWS WAF web ACL: billed monthly, plus per rule (a managed rule group counts as one). */
export interface WebAcl {
  readonly address: string;
  readonly rules: number;
}

export interface EnvironmentInventory {
  readonly name: string;
  readonly region?: string;
  readonly stacks: readonly string[];
  /** Availability zones the environment's subnets span (for the NAT-per-AZ alternative). */
  readonly zones: number;
  readonly interfaceEndpoints: readonly InterfaceEndpoint[];
  /** Interface endpoint services the tasks would need without NAT (./endpoint-needs.ts). */
  readonly neededEndpoints: readonly string[];
  /** S3 / DynamoDB gateway endpoints: free, listed so the report shows they were seen. */
  readonly gatewayEndpoints: number;
  readonly natGateways: number;
  /** Elastic IPs held by NAT gateways, and all other Elastic IPs (billed idle or not). */
  readonly natElasticIps: number;
  readonly otherElasticIps: number;
  readonly loadBalancers: readonly LoadBalancer[];
  readonly fargate: readonly FargateService[];
  readonly cloudFront: readonly string[];
  readonly containerInsights: readonly string[];
  /** WAF web ACLs (production hardening). */
  readonly webAcls: readonly WebAcl[];
  /** Customer managed KMS keys (billed monthly each). */
  readonly kmsKeys: readonly string[];
  /** Assumptions made and resources left unpriced, in plain words. */
  readonly warnings: readonly string[];
}

/** Reads the billable inventory of one environment. */
export function inventoryOf(environment: EnvironmentStacks, allStacks: readonly SynthStack[]): EnvironmentInventory {
  const warnings: string[] = [];
  const stacks = environment.stacks;
  const zones = environmentZones(stacks, warnings);
  const count = (resource: TfResource): number => {
    const n = instanceCount(resource);
    if (n === undefined) warnings.push(`${address(resource)} has a computed count/for_each: counted once`);
    return n ?? 1;
  };

  const endpoints = resourcesIn(stacks, 'aws_vpc_endpoint');
  const interfaceEndpoints = endpoints
    .filter((e) => endpointType(e) === 'Interface')
    .flatMap((e) => Array.from({ length: count(e) }, () => interfaceEndpoint(e, stacks, allStacks, zones, warnings)));
  const gatewayEndpoints = endpoints.filter((e) => endpointType(e) === 'Gateway').reduce((sum, e) => sum + count(e), 0);
  for (const e of endpoints.filter((x) => !['Interface', 'Gateway'].includes(endpointType(x)))) {
    warnings.push(`${address(e)} is a ${endpointType(e)} endpoint: not priced`);
  }

  warnings.push(...otherRegionWarnings(stacks, environment.region));

  const nats = resourcesIn(stacks, 'aws_nat_gateway');
  const eips = resourcesIn(stacks, 'aws_eip');
  const isNatEip = (eip: TfResource) =>
    nats.some((n) => n.stack === eip.stack && (refersTo(n.block.allocation_id, 'aws_eip', eip.name) || refersTo(n.block.secondary_allocation_ids, 'aws_eip', eip.name)));

  return {
    name: environment.name,
    region: environment.region,
    stacks: stacks.map((s) => s.name),
    zones,
    interfaceEndpoints,
    neededEndpoints: neededEndpoints(stacks, interfaceEndpoints.map((e) => e.service)),
    gatewayEndpoints,
    natGateways: nats.reduce((sum, n) => sum + count(n), 0),
    natElasticIps: eips.filter(isNatEip).reduce((sum, e) => sum + count(e), 0),
    otherElasticIps: eips.filter((e) => !isNatEip(e)).reduce((sum, e) => sum + count(e), 0),
    loadBalancers: loadBalancers(stacks, allStacks, zones, warnings, count),
    fargate: fargateServices(stacks, warnings),
    cloudFront: resourcesIn(stacks, 'aws_cloudfront_distribution').map(address),
    containerInsights: containerInsightsClusters(stacks),
    webAcls: resourcesIn(stacks, 'aws_wafv2_web_acl').map((acl) => ({ address: address(acl), rules: Array.isArray(acl.block.rule) ? acl.block.rule.length : acl.block.rule ? 1 : 0 })),
    kmsKeys: resourcesIn(stacks, 'aws_kms_key').flatMap((key) => Array.from({ length: count(key) }, () => address(key))),
    warnings,
  };
}

/**
 * Priced resources on an aliased provider in another region (say a us-east-1 alias) are
 * still priced with the environment's sheet; say so rather than mix sheets in one report.
 */
function otherRegionWarnings(stacks: readonly SynthStack[], region: string | undefined): string[] {
  return resourcesIn(stacks, 'aws_vpc_endpoint', 'aws_nat_gateway', 'aws_eip', 'aws_lb', 'aws_alb', 'aws_ecs_service').flatMap((r) => {
    const alias = literalString(r.block.provider)?.replace(/^aws\./, '');
    const aliasRegion = alias ? literalString(awsProviders(r.stack).find((p) => p.alias === alias)?.region) : undefined;
    return aliasRegion && aliasRegion !== region ? [`${address(r)} is in ${aliasRegion} (provider aws.${alias}): priced at ${region} prices`] : [];
  });
}

function address(resource: TfResource): string {
  return `${resource.stack.name}/${resource.type}.${resource.name}`;
}

/** `vpc_endpoint_type`, with the provider's default (`Gateway`) when it is not set. */
function endpointType(endpoint: TfResource): string {
  return literalString(endpoint.block.vpc_endpoint_type) ?? (endpoint.block.vpc_endpoint_type === undefined ? 'Gateway' : 'Interface');
}

/**
 * One interface endpoint and its zones: the distinct zones of its `subnet_ids`, plus any
 * `aws_vpc_endpoint_subnet_association` that adds a subnet to it.
 */
function interfaceEndpoint(endpoint: TfResource, stacks: readonly SynthStack[], allStacks: readonly SynthStack[], envZones: number, warnings: string[]): InterfaceEndpoint {
  const service = (literalString(endpoint.block.service_name) ?? endpoint.name).replace(/^com\.amazonaws\.[a-z0-9-]+\./, '');
  const own = endpoint.block.subnet_ids === undefined ? [] : resolveSubnets(endpoint.block.subnet_ids, endpoint.stack, allStacks);
  const associated: ResolvedSubnet[] = resourcesIn(stacks, 'aws_vpc_endpoint_subnet_association')
    .filter((a) => a.stack === endpoint.stack && refersTo(a.block.vpc_endpoint_id, 'aws_vpc_endpoint', endpoint.name))
    .flatMap((a) => resolveSubnets([a.block.subnet_id], a.stack, allStacks) ?? []);
  if (own === undefined) {
    warnings.push(`${address(endpoint)}: subnet_ids ${JSON.stringify(endpoint.block.subnet_ids)} cannot be resolved; assumed one per zone (${envZones})`);
    return { address: address(endpoint), service, zones: envZones };
  }
  const zones = zoneCount([...own, ...associated]);
  // An interface endpoint without subnets still exists; AWS needs at least one subnet to create it.
  return { address: address(endpoint), service, zones: Math.max(zones, 1) };
}

function loadBalancers(
  stacks: readonly SynthStack[],
  allStacks: readonly SynthStack[],
  envZones: number,
  warnings: string[],
  count: (r: TfResource) => number,
): LoadBalancer[] {
  const result: LoadBalancer[] = [];
  for (const lb of resourcesIn(stacks, 'aws_lb', 'aws_alb')) {
    const type = literalString(lb.block.load_balancer_type) ?? 'application';
    if (type !== 'application') {
      warnings.push(`${address(lb)} is a ${type} load balancer: not priced (only Application Load Balancers are in the price sheet)`);
      continue;
    }
    const internetFacing = lb.block.internal !== true;
    const subnetValue = lb.block.subnets ?? nestedBlocks(lb.block.subnet_mapping).map((m) => m.subnet_id);
    const subnets = resolveSubnets(subnetValue, lb.stack, allStacks);
    let zones: number;
    if (subnets !== undefined && subnets.length > 0) {
      zones = zoneCount(subnets);
    } else {
      zones = publicSubnetZones(stacks) ?? envZones;
      warnings.push(`${address(lb)}: subnets ${JSON.stringify(subnetValue)} cannot be resolved; assumed the environment's public subnets (${zones} zones)`);
    }
    for (let i = 0; i < count(lb); i++) result.push({ address: address(lb), internetFacing, zones });
  }
  return result;
}

/** Zones of the environment's public subnets (tagged `Tier = public` by the network stack). */
function publicSubnetZones(stacks: readonly SynthStack[]): number | undefined {
  const zones = resourcesIn(stacks, 'aws_subnet')
    .filter((s) => isRecord(s.block.tags) && s.block.tags.Tier === 'public')
    .map((s) => literalString(s.block.availability_zone) ?? s.name);
  return zones.length > 0 ? new Set(zones).size : undefined;
}

/**
 * Availability zones of the environment: the distinct zones of its subnets. Without
 * subnets (a stack set without a network stack) two are assumed, the minimum for an ALB.
 */
function environmentZones(stacks: readonly SynthStack[], warnings: string[]): number {
  const zones = new Set(
    resourcesIn(stacks, 'aws_subnet')
      .map((s) => literalString(s.block.availability_zone) ?? literalString(s.block.availability_zone_id))
      .filter((z): z is string => z !== undefined),
  );
  if (zones.size > 0) return zones.size;
  warnings.push('no aws_subnet with a literal availability zone in this environment: assumed 2 zones');
  return 2;
}

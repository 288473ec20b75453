/**
 * Rules that relate several configuration values, applied after the schema has checked
 * shapes and types. The result is the resolved configuration the stacks are built from:
 * every default filled in, every subnet CIDR literal.
 */
import { availabilityZonesOf, REQUIRED_INTERFACE_ENDPOINTS } from './aws-facts';
import { isPrivateRange, LOAD_BALANCER_SUBNET_PREFIX_MAX, PRIVATE_RANGES, s3BucketNameProblem } from './aws-rules';
import { Cidr, contains, formatCidr, isCanonical, overlaps, parseCidr, subnet } from './cidr';
import { ConfigIssue, quote } from './issues';
import type { ParsedConfig, ParsedEnvironment } from './schema';
import { checkAccountCollisions, checkStateRoleAccounts, resolveAccountAccess, ResolvedAccountAccess } from './validate-accounts';
import { resolveCloudfront, ResolvedCloudfront } from './validate-cloudfront';
import { checkDerivedNames, cloudfrontLogsBucketName } from './validate-names';
import { checkProductionEntryPoint, isProduction, resolveWaf, ResolvedWaf } from './validate-security';
import { defaultLogDays, EndpointNeed, RESERVED_SERVICE_NAMES, resolvePlatform, resolveServices, ResolvedPlatform, ResolvedService } from './validate-services';

export type { ConfigIssue } from './issues';

export interface ResolvedNetwork {
  readonly cidr: string;
  readonly availabilityZones: readonly string[];
  /** One per availability zone, in the same order. */
  readonly publicSubnets: readonly string[];
  readonly privateSubnets: readonly string[];
  readonly egress: 'endpoints' | 'nat';
  /** Number of NAT gateways: 0 with egress "endpoints". */
  readonly natGatewayCount: number;
  /** Interface endpoint services, sorted; empty when interface endpoints are off. */
  readonly interfaceEndpoints: readonly string[];
  readonly s3GatewayBuckets: readonly string[];
  readonly flowLogs: { readonly enabled: boolean; readonly retentionDays: number; readonly trafficType: 'ALL' | 'ACCEPT' | 'REJECT' };
}

export interface ResolvedEnvironment {
  readonly name: string;
  readonly region: string;
  /** Hardened defaults (HTTPS only, access logs, a year of logs); `production`, or the name prod/production. */
  readonly production: boolean;
  readonly network: ResolvedNetwork;
  readonly platform: ResolvedPlatform;
  readonly services: readonly ResolvedService[];
  /** CloudFront in front of the load balancer, when enabled. */
  readonly cloudfront?: ResolvedCloudfront;
  /** AWS WAF on the internet-facing entry point, when configured. */
  readonly waf?: ResolvedWaf;
  /** Encrypt the environment's log groups with a customer managed key. */
  readonly logs: { readonly kmsKey: boolean };
  readonly stateRoleArn?: string;
  /** The pinned account and the role the providers assume (`account`, `deployRoleArn`). */
  readonly access: ResolvedAccountAccess;
  readonly tags: Readonly<Record<string, string>>;
}

export interface ResolvedConfig {
  readonly project: string;
  readonly state: ParsedConfig['state'] & {
    /** Server access logging of the state bucket to a log bucket the bootstrap creates. */
    readonly accessLogging?: { readonly bucket: string; readonly expirationDays: number };
  };
  readonly tags: Readonly<Record<string, string>>;
  readonly environments: readonly ResolvedEnvironment[];
}

const VPC_PREFIX = { min: 16, max: 24 };
const SUBNET_PREFIX_MAX = 28;

/** Validates cross-field rules; returns the resolved configuration or every issue found. */
export function resolveConfig(parsed: ParsedConfig): { config?: ResolvedConfig; issues: ConfigIssue[] } {
  const issues: ConfigIssue[] = [];
  const environments = Object.entries(parsed.environments).map(([name, env]) =>
    resolveEnvironment(parsed.project, name, env, `environments.${name}`, issues),
  );
  checkStateRules(parsed, issues);
  checkStateRoleAccounts(parsed, issues);
  checkAccountCollisions(parsed, issues);
  checkDerivedNames(parsed, RESERVED_SERVICE_NAMES, issues);
  const accessLogging = resolveStateAccessLogging(parsed.state, issues);
  if (issues.length > 0) return { issues };
  return {
    issues,
    config: {
      project: parsed.project,
      state: { ...parsed.state, accessLogging },
      tags: parsed.tags,
      environments: environments as ResolvedEnvironment[],
    },
  };
}

function resolveEnvironment(project: string, name: string, env: ParsedEnvironment, path: string, issues: ConfigIssue[]): ResolvedEnvironment | undefined {
  const before = issues.length;
  const production = isProduction(name, env.production);
  const platform = resolvePlatform(production, env.platform, env.region, `${path}.platform`, issues);
  const cloudfront = resolveCloudfront(env.cloudfront, platform, { region: env.region, production }, path, issues);
  if (cloudfront?.accessLogs) {
    // The stack creates this bucket; its name comes from project and environment.
    const bucket = s3BucketNameProblem(cloudfrontLogsBucketName(project, name, env.region));
    if (bucket) issues.push({ path: `${path}.cloudfront.accessLogs`, message: `the CloudFront log bucket name is derived from project and environment: ${bucket}` });
  }
  checkProductionEntryPoint(production, platform, cloudfront, env.cloudfront?.enabled === true, path, issues);
  const waf = resolveWaf(env.waf, cloudfront, env.cloudfront?.webAclArn, `${path}.waf`, issues);
  const services = resolveServices(
    env.services,
    {
      project,
      environment: name,
      region: env.region,
      production,
      internetEgress: env.network.egress === 'nat',
      originHeaderCondition: cloudfront?.originProtection === 'prefix-list',
      behindCloudfront: cloudfront !== undefined,
      securityGroupRuleQuota: env.platform.securityGroupRuleQuota,
    },
    `${path}.services`,
    issues,
  );
  // Behind a CloudFront VPC origin the load balancer is internal, in the private subnets.
  const albTier = cloudfront?.originProtection === 'vpc-origin' ? 'private' : 'public';
  const network = resolveNetwork(env, production, services.flatMap((s) => s.endpointNeeds), albTier, `${path}.network`, issues);
  const access = resolveAccountAccess(env, path, issues);
  if (!network || issues.length > before) return undefined;
  return { name, region: env.region, production, network, platform, services, cloudfront, waf, logs: env.logs, stateRoleArn: env.stateRoleArn, access, tags: env.tags };
}

function resolveNetwork(env: ParsedEnvironment, production: boolean, needs: readonly EndpointNeed[], albTier: 'public' | 'private', path: string, issues: ConfigIssue[]): ResolvedNetwork | undefined {
  const net = env.network;
  const before = issues.length;
  const report = (key: string, message: string) => issues.push({ path: `${path}.${key}`, message });

  const vpc = parseCidr(net.cidr);
  if (!vpc || !isCanonical(vpc)) {
    report('cidr', `${quote(net.cidr)} is not a valid IPv4 network CIDR (expected e.g. "10.0.0.0/16", with the host bits zero)`);
  } else if (vpc.prefix < VPC_PREFIX.min || vpc.prefix > VPC_PREFIX.max) {
    report('cidr', `a VPC CIDR must be /${VPC_PREFIX.min} to /${VPC_PREFIX.max}, got /${vpc.prefix}`);
  } else if (!isPrivateRange(vpc)) {
    report('cidr', `${net.cidr} is not a private range; a VPC CIDR must lie inside ${PRIVATE_RANGES.join(', ')}`);
  }

  const regionZones = availabilityZonesOf(env.region);
  const zones = net.availabilityZones ?? regionZones.slice(0, 2);
  zones.forEach((zone, i) => {
    if (!regionZones.includes(zone)) {
      report(`availabilityZones.${i}`, `${quote(zone)} is not an availability zone of ${env.region}; valid zones: ${regionZones.join(', ')}`);
    } else if (zones.indexOf(zone) !== i) {
      report(`availabilityZones.${i}`, `${quote(zone)} is listed twice`);
    }
  });

  if (net.egress === 'endpoints' && net.natGateways !== undefined) {
    report('natGateways', 'is only used with egress: "nat" (egress is "endpoints", which creates no NAT gateway)');
  }
  if (net.egress === 'endpoints' && !net.interfaceEndpoints) {
    report(
      'interfaceEndpoints',
      'cannot be false with egress: "endpoints": tasks would have no path to ECR and CloudWatch Logs and fail with ResourceInitializationError (set egress: "nat" or keep the endpoints)',
    );
  }

  let publicSubnets: string[] = [];
  let privateSubnets: string[] = [];
  if (vpc && issues.length === before) {
    if (net.subnets) {
      const smallest = (tier: 'public' | 'private') => (tier === albTier ? LOAD_BALANCER_SUBNET_PREFIX_MAX : SUBNET_PREFIX_MAX);
      publicSubnets = checkSubnets(net.subnets.public, 'public', vpc, zones.length, smallest('public'), `${path}.subnets.public`, issues);
      privateSubnets = checkSubnets(net.subnets.private, 'private', vpc, zones.length, smallest('private'), `${path}.subnets.private`, issues);
      checkNoOverlap([...net.subnets.public.map((c, i) => ({ c, p: `${path}.subnets.public.${i}` })), ...net.subnets.private.map((c, i) => ({ c, p: `${path}.subnets.private.${i}` }))], issues);
    } else {
      const carved = carveSubnets(vpc, zones.length, albTier);
      if (!carved) {
        report(
          'cidr',
          `${net.cidr} is too small for ${zones.length} zones: each zone needs a ${albTier} subnet of at least /${LOAD_BALANCER_SUBNET_PREFIX_MAX} for the load balancer (an AWS minimum) and a subnet of at least /${SUBNET_PREFIX_MAX} in the other tier; use a larger VPC CIDR, fewer availability zones, or give network.subnets explicitly`,
        );
      } else {
        ({ publicSubnets, privateSubnets } = carved);
      }
    }
  }
  if (issues.length > before) return undefined;

  net.disabledEndpoints.forEach((endpoint, i) => {
    if (net.egress === 'nat') return; // NAT is the path to every AWS API then.
    const at = `disabledEndpoints.${i}`;
    if ((REQUIRED_INTERFACE_ENDPOINTS as readonly string[]).includes(endpoint)) {
      report(at, `"${endpoint}" is needed by every task (image pulls and logs) and egress is "endpoints": there is no other path; keep it or set egress: "nat"`);
    }
    for (const need of needs.filter((n) => n.endpoint === endpoint)) {
      report(at, `"${endpoint}" is needed by service "${need.service}" (${need.feature}) and egress is "endpoints": its tasks would fail to start; keep the endpoint or set egress: "nat"`);
    }
  });
  if (issues.length > before) return undefined;

  const wanted = [...REQUIRED_INTERFACE_ENDPOINTS, ...net.extraEndpoints, ...needs.map((n) => n.endpoint)];
  const interfaceEndpoints = net.interfaceEndpoints ? [...new Set(wanted)].filter((e) => !net.disabledEndpoints.includes(e as never)).sort() : [];
  return {
    cidr: net.cidr,
    availabilityZones: zones,
    publicSubnets,
    privateSubnets,
    egress: net.egress,
    natGatewayCount: net.egress === 'nat' ? (net.natGateways === 'per-az' ? zones.length : 1) : 0,
    interfaceEndpoints,
    s3GatewayBuckets: [...new Set(net.s3GatewayBuckets)],
    flowLogs: { ...net.flowLogs, retentionDays: net.flowLogs.retentionDays ?? defaultLogDays(production) },
  };
}

/**
 * Default layout: the first half of the VPC holds the private subnets (tasks need the
 * addresses), the second half holds public subnets a quarter of that size (the ALB needs
 * few), but never smaller than the /27 a load balancer subnet needs; the rest of the second
 * half stays free for later tiers. Undefined when the VPC is too small for that.
 */
export function carveSubnets(vpc: Cidr, zoneCount: number, albTier: 'public' | 'private' = 'public'): { publicSubnets: string[]; privateSubnets: string[] } | undefined {
  const zoneBits = Math.ceil(Math.log2(zoneCount));
  const privateBits = 1 + zoneBits;
  const publicBits = Math.min(privateBits + 2, LOAD_BALANCER_SUBNET_PREFIX_MAX - vpc.prefix);
  const largest = { public: LOAD_BALANCER_SUBNET_PREFIX_MAX, private: SUBNET_PREFIX_MAX, [albTier]: LOAD_BALANCER_SUBNET_PREFIX_MAX };
  // Public subnets are blocks of the second half: it must hold one per zone.
  if (publicBits - 1 < zoneBits || vpc.prefix + privateBits > largest.private || vpc.prefix + publicBits > largest.public) return undefined;
  const privateSubnets: string[] = [];
  const publicSubnets: string[] = [];
  const secondHalf = subnet(vpc, 1, 1);
  for (let i = 0; i < zoneCount; i++) {
    privateSubnets.push(formatCidr(subnet(vpc, privateBits, i)));
    publicSubnets.push(formatCidr(subnet(secondHalf, publicBits - 1, i)));
  }
  return { publicSubnets, privateSubnets };
}

function checkSubnets(cidrs: string[], tier: string, vpc: Cidr, zoneCount: number, smallestPrefix: number, path: string, issues: ConfigIssue[]): string[] {
  if (cidrs.length !== zoneCount) {
    issues.push({ path, message: `needs one ${tier} subnet per availability zone: ${zoneCount} expected, ${cidrs.length} given` });
  }
  cidrs.forEach((text, i) => {
    const cidr = parseCidr(text);
    if (!cidr || !isCanonical(cidr)) {
      issues.push({ path: `${path}.${i}`, message: `${quote(text)} is not a valid IPv4 network CIDR (expected e.g. "10.0.0.0/24", with the host bits zero)` });
    } else if (!contains(vpc, cidr)) {
      issues.push({ path: `${path}.${i}`, message: `${text} does not fit inside the VPC CIDR ${formatCidr(vpc)}` });
    } else if (cidr.prefix > smallestPrefix) {
      issues.push({
        path: `${path}.${i}`,
        message:
          smallestPrefix === SUBNET_PREFIX_MAX
            ? `${text} is smaller than /${SUBNET_PREFIX_MAX}, the smallest subnet AWS allows`
            : `${text} is smaller than /${smallestPrefix}, the smallest subnet a load balancer accepts (the load balancer is in the ${tier} subnets)`,
      });
    }
  });
  return cidrs;
}

function checkNoOverlap(entries: { c: string; p: string }[], issues: ConfigIssue[]): void {
  const parsed = entries.map((e) => ({ ...e, cidr: parseCidr(e.c) })).filter((e): e is typeof e & { cidr: Cidr } => e.cidr !== undefined);
  for (let i = 0; i < parsed.length; i++) {
    for (let j = i + 1; j < parsed.length; j++) {
      if (overlaps(parsed[i].cidr, parsed[j].cidr)) {
        issues.push({ path: parsed[j].p, message: `${parsed[j].c} overlaps ${parsed[i].c} (${parsed[i].p})` });
      }
    }
  }
}

/** The state bucket's access log bucket: named after it unless given, within S3's 63 characters. */
function resolveStateAccessLogging(state: ParsedConfig['state'], issues: ConfigIssue[]): ResolvedConfig['state']['accessLogging'] {
  if (!state.accessLogs.enabled) return undefined;
  const bucket = state.accessLogs.bucket ?? `${state.bucket}-logs`;
  if (bucket.length > 63) {
    issues.push({ path: 'state.accessLogs.bucket', message: `is required: the default name "${bucket}" is longer than the 63 characters S3 allows; name the log bucket` });
    return undefined;
  }
  if (bucket === state.bucket) issues.push({ path: 'state.accessLogs.bucket', message: 'must differ from state.bucket: a bucket logging to itself logs its own log writes without end' });
  return { bucket, expirationDays: state.accessLogs.expirationDays };
}

/** Tasks must not be able to read state: it holds every resource attribute, secrets included. */
function checkStateRules(parsed: ParsedConfig, issues: ConfigIssue[]): void {
  for (const [name, env] of Object.entries(parsed.environments)) {
    env.network.s3GatewayBuckets.forEach((bucket, i) => {
      if (bucket === parsed.state.bucket) {
        issues.push({
          path: `environments.${name}.network.s3GatewayBuckets.${i}`,
          message: `${quote(bucket)} is the state bucket (state.bucket); tasks must not read Terraform state through the S3 endpoint`,
        });
      }
    });
  }
}

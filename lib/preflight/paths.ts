/**
 * One network path of a task, decided for one of its subnets: to an AWS service through an
 * interface endpoint (or, when no endpoint with private DNS exists, through the internet),
 * to S3 through the gateway endpoint, or to the internet only (other registries, other
 * regions). docs/preflight.md lists what each path needs.
 */
import { ecrLayerBucketArn } from '../../config/aws-facts';
import { dnsResolver, DnsResolver } from './dns';
import { aclConnection } from './nacl';
import { internetAccess, tableLabel } from './internet';
import type { EcsService, Endpoint, Model, Subnet } from './model';
import { describeRule, egressAllows, ingressAllows } from './security-groups';
import type { StartRequest } from './task-requests';
import { endpointPolicyDecision, PlainRequest } from './endpoint-policy';
import { AWS_OWNED_ACCOUNT } from './policy-eval';
import { ACCOUNT } from './symbolic';
import { fixOn, PathCheck, Verdict, Via, worst } from './types';

export interface PathContext {
  readonly model: Model;
  readonly service: EcsService;
  readonly region: string;
}

export interface PathSpec {
  readonly path: string;
  readonly title: string;
  /** The error AWS reports when the path is missing. */
  readonly awsError: string;
  /** What needs it, for messages: "the awslogs log driver". */
  readonly neededBy: string;
  /** The requests made through this path, which an endpoint policy must allow. */
  readonly requests?: readonly (StartRequest | PlainRequest)[];
}

const HTTPS = 443;

function sameVpc(endpoint: Endpoint, subnet: Subnet): boolean {
  return endpoint.vpc !== undefined && endpoint.vpc.resource === subnet.vpc?.resource;
}

/**
 * Endpoints that may be the `type` endpoint for `com.amazonaws.<region>.<service>` in the
 * subnet's VPC: every attribute that is known matches, and the service name, type or VPC is
 * known only after apply. A path with only such endpoints is unknown, never failed.
 */
function undecidedEndpoints(ctx: PathContext, subnet: Subnet, service: string, type: string): Endpoint[] {
  return ctx.model.endpoints().filter((e) => {
    const name = e.serviceName === undefined || (e.service === service && e.region === ctx.region);
    const vpc = e.vpc === undefined || sameVpc(e, subnet);
    const kind = e.type === undefined || e.type === type;
    return name && vpc && kind && (e.serviceName === undefined || e.vpc === undefined || e.type === undefined);
  });
}

function vpcName(subnet: Subnet): string {
  const tags = subnet.vpc?.resource.values.tags as Record<string, unknown> | undefined;
  return subnet.vpc ? `${subnet.vpc.resource.address}${typeof tags?.Name === 'string' ? ` (${tags.Name})` : ''}` : 'the VPC';
}

/** A path to `com.amazonaws.<region>.<endpointService>` over HTTPS. */
export function interfacePath(ctx: PathContext, subnet: Subnet, endpointService: string, spec: PathSpec): PathCheck {
  const base = { path: spec.path, title: spec.title, subnet };
  const serviceName = `com.amazonaws.${ctx.region}.${endpointService}`;
  const candidates = ctx.model.endpoints().filter((e) => e.service === endpointService && e.region === ctx.region && sameVpc(e, subnet) && e.type === 'Interface');
  // Private DNS "only for inbound resolver endpoints" leaves the VPC's own clients on the public addresses.
  const withDns = candidates.filter((e) => e.privateDns === true && e.inboundResolverOnly === false);
  if (candidates.some((e) => e.privateDns === true && e.inboundResolverOnly === undefined)) {
    return { ...base, verdict: 'unknown', via: [], reason: `dns_options of the ${serviceName} endpoint is known only after apply` };
  }
  const dns = subnet.vpc ? dnsResolver(ctx.model, subnet.vpc) : undefined;
  if (withDns.length > 0 && dns?.kind === 'unknown') return { ...base, verdict: 'unknown', via: [], reason: dns.reason };
  if (withDns.length > 0 && dns?.kind === 'public') {
    // The public server answers with the service's public addresses: the endpoint is bypassed.
    const net = internetPath(ctx, subnet);
    const preface = `the VPC's DHCP options ${dns.options.address} make ${dns.server} the tasks' DNS server, which answers ${hostOf(endpointService, ctx.region)} with public addresses (only the Amazon DNS server answers an endpoint's private DNS name)`;
    const via: Via[] = [{ resource: dns.options, note: `domain_name_servers: ${dns.server} first` }, ...net.via];
    if (net.verdict !== 'fail') return { ...base, verdict: net.verdict, via, reason: `${preface}; ${net.reason}` };
    return {
      ...base,
      verdict: 'fail',
      via,
      reason: `${preface}, and ${net.reason}`,
      awsError: spec.awsError,
      fix: [fixOn(dns.options, 'set domain_name_servers = ["AmazonProvidedDNS"] (or list first a resolver that forwards amazonaws.com to the Amazon DNS server)'), ...net.fix.map((f) => `or ${f}`)],
    };
  }
  if (withDns.length > 0) {
    const outcomes = withDns.map((e) => viaEndpoint(ctx, subnet, e, spec, dns));
    return outcomes.find((o) => o.verdict === 'pass') ?? outcomes.find((o) => o.verdict === 'warn') ?? outcomes[0];
  }
  if (candidates.some((e) => e.privateDns === undefined)) {
    return { ...base, verdict: 'unknown', via: candidates.map((e) => ({ resource: e.resource, note: 'interface endpoint' })), reason: `private_dns_enabled of the ${serviceName} endpoint is known only after apply` };
  }
  if (!subnet.vpc) return { ...base, verdict: 'unknown', via: [], reason: `the VPC of ${subnet.label} is not in the loaded stacks` };
  const net = internetPath(ctx, subnet);
  const undecided = undecidedEndpoints(ctx, subnet, endpointService, 'Interface').filter((e) => e.privateDns !== false);
  if (net.verdict !== 'pass' && undecided.length > 0) {
    return { ...base, verdict: 'unknown', via: undecided.map((e) => ({ resource: e.resource, note: 'VPC endpoint' })), reason: `whether ${undecided[0].resource.address} is the ${serviceName} interface endpoint of ${vpcName(subnet)} (service name, type or VPC) is known only after apply` };
  }
  const disabled = candidates[0];
  const preface = disabled
    ? `endpoint ${disabled.resource.address} has ${disabled.privateDns ? 'private DNS only for inbound resolver endpoints' : 'private_dns_enabled = false'}, so ${hostOf(endpointService, ctx.region)} resolves to public addresses`
    : `there is no ${serviceName} interface endpoint in ${vpcName(subnet)}`;
  const via: Via[] = [...candidates.map((e) => ({ resource: e.resource, note: 'interface endpoint, private DNS OFF for the VPC: not used' })), ...net.via];
  if (net.verdict === 'pass') return { ...base, verdict: 'pass', via, reason: `${preface}; ${net.reason}` };
  if (net.verdict === 'unknown') return { ...base, verdict: 'unknown', via, reason: `${preface}; ${net.reason}` };
  const zones = [...new Set(ctx.service.subnets.map((s) => s.az ?? '?'))].join(', ');
  const cidrs = ctx.service.subnets.map((s) => s.cidr ?? '?').join(', ');
  const fix = disabled
    ? [fixOn(disabled.resource, 'set private_dns_enabled = true')]
    : [
        `add an aws_vpc_endpoint for ${serviceName} to ${vpcName(subnet)}: vpc_endpoint_type = "Interface", private_dns_enabled = true, a subnet of each task zone (${zones}) in subnet_ids, and security_group_ids admitting TCP 443 from the task subnets (${cidrs})`,
        ...net.fix.map((f) => `or ${f}`),
      ];
  return { ...base, verdict: 'fail', via, reason: `${preface}, and ${net.reason}`, awsError: spec.awsError, fix };
}

function hostOf(endpointService: string, region: string): string {
  if (endpointService === 'ecr.api') return `api.ecr.${region}.amazonaws.com`;
  if (endpointService === 'ecr.dkr') return `<account>.dkr.ecr.${region}.amazonaws.com`;
  return `${endpointService}.${region}.amazonaws.com`;
}

function viaEndpoint(ctx: PathContext, subnet: Subnet, endpoint: Endpoint, spec: PathSpec, dns?: DnsResolver): PathCheck {
  const base = { path: spec.path, title: spec.title, subnet };
  const via: Via[] = [{ resource: endpoint.resource, note: 'interface endpoint, private DNS on' }];
  const problems: { verdict: Verdict; reason: string; fix?: string; awsError?: string }[] = [];
  const taskGroups = ctx.service.securityGroups;

  // An ENI in the task's zone. Without one, private DNS still returns the endpoint's other
  // ENIs, so tasks start, but cross zones and fail with the zone that holds the ENIs.
  let eniSubnets = endpoint.subnets;
  if (endpoint.subnets.length === 0) {
    problems.push(
      endpoint.unresolved.length > 0
        ? { verdict: 'unknown', reason: `the subnets of ${endpoint.resource.address} cannot be read before apply` }
        : { verdict: 'fail', reason: `${endpoint.resource.address} has no subnets, so it has no network interface to answer`, fix: fixOn(endpoint.resource, `add ${subnet.label} to subnet_ids`) },
    );
  } else if (subnet.az === undefined || endpoint.subnets.some((s) => s.az === undefined)) {
    problems.push({ verdict: 'unknown', reason: 'availability zones are known only after apply' });
  } else {
    const sameZone = endpoint.subnets.filter((s) => s.az === subnet.az);
    if (sameZone.length > 0) eniSubnets = sameZone;
    else {
      const zones = [...new Set(endpoint.subnets.map((s) => s.az))].join(', ');
      problems.push({
        verdict: 'warn',
        reason: `${endpoint.resource.address} has no network interface in ${subnet.az} (only in ${zones}): tasks in ${subnet.label} start, but reach it across zones (cross-AZ data charges) and fail when ${zones} is down`,
        fix: fixOn(endpoint.resource, `add a subnet of ${subnet.az} (e.g. ${subnet.label}) to subnet_ids`),
      });
    }
  }

  // The endpoint's security groups admit HTTPS from the task.
  if (endpoint.securityGroups.length === 0) {
    problems.push(
      endpoint.unresolved.length > 0
        ? { verdict: 'unknown', reason: `the security groups of ${endpoint.resource.address} cannot be read before apply` }
        : {
            verdict: 'fail',
            reason: `${endpoint.resource.address} has no security_group_ids, so it uses the VPC's default security group, which admits only its own members`,
            fix: fixOn(endpoint.resource, 'set security_group_ids to a group admitting TCP 443 from the task subnets'),
          },
    );
  } else {
    const ingress = ingressAllows(endpoint.securityGroups, { groups: taskGroups, cidrs: [subnet.cidr] }, HTTPS);
    if (ingress.verdict === 'yes') for (const rule of ingress.rules) via.push({ resource: rule.resource, note: `endpoint SG: ${describeRule(rule)}` });
    else if (ingress.verdict === 'unknown') problems.push({ verdict: 'unknown', reason: `whether the endpoint security group admits the tasks depends on ${ingress.unknownBecause}` });
    else {
      const group = endpoint.securityGroups[0];
      problems.push({
        verdict: 'fail',
        reason: `the endpoint's security group ${endpoint.securityGroups.map((g) => g.label).join(', ')} admits no TCP 443 from ${subnet.label} (${subnet.cidr ?? 'CIDR unknown'}) or from the task security group`,
        fix: fixOn(
          group.resource,
          `add an ingress rule TCP 443 from the task security group${taskGroups[0] ? ` ${taskGroups[0].label}` : ''} (referenced_security_group_id) or from the task subnets (${ctx.service.subnets.map((s) => s.cidr ?? '?').join(', ')})`,
        ),
      });
    }
  }

  // The task's security groups let HTTPS out to the endpoint.
  const egress = egressAllows(taskGroups, { groups: endpoint.securityGroups, cidrs: eniSubnets.map((s) => s.cidr) }, HTTPS);
  if (egress.verdict === 'yes') for (const rule of egress.rules) via.push({ resource: rule.resource, note: `task SG: ${describeRule(rule)}` });
  else if (egress.verdict === 'unknown') problems.push({ verdict: 'unknown', reason: `whether the task security group lets HTTPS out depends on ${egress.unknownBecause}` });
  else problems.push(taskEgressProblem(ctx, `to the endpoint security group ${endpoint.securityGroups.map((g) => g.label).join(', ') || '(none)'}`, `referenced_security_group_id = the endpoint security group`));

  // Network ACLs of the task subnet and the endpoint's subnets, both directions. Private DNS
  // answers with the interfaces of every zone, so each one must be reachable.
  problems.push(...aclProblems(ctx, subnet, endpoint.subnets.length > 0 ? endpoint.subnets : eniSubnets, `HTTPS to ${endpoint.resource.address}`));

  // A private resolver answers the endpoint's name correctly only if it forwards to the Amazon DNS server.
  if (dns?.kind === 'private') {
    problems.push({
      verdict: 'warn',
      reason: `the tasks' DNS server is ${dns.server} (DHCP options ${dns.options.address}), not the Amazon DNS server: ${hostOf(endpoint.service ?? '', ctx.region)} resolves to ${endpoint.resource.address} only if it forwards amazonaws.com to ${dns.amazonAddress ?? 'the Amazon DNS server'}; otherwise it answers with public addresses and the tasks fail as without the endpoint`,
      fix: fixOn(dns.options, `make sure ${dns.server} forwards amazonaws.com to ${dns.amazonAddress ?? 'the Amazon DNS server (VPC CIDR base + 2)'}, or set domain_name_servers = ["AmazonProvidedDNS"]`),
    });
  }

  // The endpoint policy lets the task's requests through.
  const policy = endpointPolicyDecision(ctx.model, endpoint, spec.requests ?? []);
  if (policy.verdict === 'pass') {
    if (policy.note !== 'no policy (full access)') via[0] = { resource: endpoint.resource, note: `${via[0].note}; ${policy.note}` };
  } else problems.push({ verdict: policy.verdict, reason: policy.reason ?? 'endpoint policy', fix: policy.fix, awsError: policy.awsError });

  const verdict = worst(problems.map((p) => p.verdict));
  if (verdict === 'pass') return { ...base, verdict, via, reason: `through ${endpoint.resource.address} (private DNS, network interface in ${subnet.az ?? 'the zone'}, HTTPS allowed both ways)` };
  const shown = problems.filter((p) => p.verdict === verdict);
  return {
    ...base,
    verdict,
    via,
    reason: shown.map((p) => p.reason).join('; '),
    awsError: verdict === 'fail' ? (shown.find((p) => p.awsError)?.awsError ?? spec.awsError) : undefined,
    fix: shown.map((p) => p.fix).filter((f): f is string => f !== undefined),
  };
}

/** The network ACL decisions that are not a pass, as problems of a path. */
function aclProblems(ctx: PathContext, subnet: Subnet, server: Subnet[] | 'public', why: string): { verdict: Verdict; reason: string; fix?: string }[] {
  return aclConnection(ctx.model, subnet, server, why)
    .filter((d) => d.verdict !== 'pass')
    .map((d) => ({ verdict: d.verdict, reason: d.reason ?? 'network ACL', fix: d.fix }));
}

/** The worst network ACL problem of a connection, or undefined when every direction passes. */
function aclBlock(ctx: PathContext, subnet: Subnet, server: Subnet[] | 'public', why: string): { verdict: Verdict; reason: string; fix: string[] } | undefined {
  const problems = aclProblems(ctx, subnet, server, why);
  if (problems.length === 0) return undefined;
  const verdict = worst(problems.map((p) => p.verdict));
  const shown = problems.filter((p) => p.verdict === verdict);
  return { verdict, reason: shown.map((p) => p.reason).join('; '), fix: shown.map((p) => p.fix).filter((f): f is string => f !== undefined) };
}

function taskEgressProblem(ctx: PathContext, what: string, attribute: string): { verdict: Verdict; reason: string; fix?: string } {
  const groups = ctx.service.securityGroups;
  if (groups.length === 0) {
    return { verdict: ctx.service.unresolved.length > 0 ? 'unknown' : 'fail', reason: `the service has no security groups it can be checked with`, fix: fixOn(ctx.service.resource, 'set network_configuration.security_groups') };
  }
  return {
    verdict: 'fail',
    reason: `the task security group ${groups.map((g) => g.label).join(', ')} allows no TCP 443 ${what}`,
    fix: fixOn(groups[0].resource, `add an egress rule TCP 443 (an aws_vpc_security_group_egress_rule with ${attribute})`),
  };
}

/** A path over the internet only (NAT or public IP), with HTTPS allowed to 0.0.0.0/0. */
export function internetPath(ctx: PathContext, subnet: Subnet): { verdict: Verdict; via: Via[]; reason: string; fix: string[] } {
  const access = internetAccess(ctx.model, ctx.service, subnet);
  if (access.verdict !== 'yes') {
    return {
      verdict: access.verdict === 'no' ? 'fail' : 'unknown',
      via: access.via,
      reason: access.verdict === 'no' ? `there is no way to the internet: ${access.reason}` : access.reason,
      fix: access.fix,
    };
  }
  const egress = egressAllows(ctx.service.securityGroups, { internet: true }, HTTPS);
  const acl = egress.verdict === 'yes' ? aclBlock(ctx, subnet, 'public', 'HTTPS to the internet') : undefined;
  if (acl) return { verdict: acl.verdict, via: access.via, reason: `${access.reason}, but ${acl.reason}`, fix: acl.fix };
  if (egress.verdict === 'yes') {
    return {
      verdict: 'pass',
      via: [...access.via, ...egress.rules.map((rule) => ({ resource: rule.resource, note: `task SG: ${describeRule(rule)}` }))],
      reason: `over the internet: ${access.reason}`,
      fix: [],
    };
  }
  if (egress.verdict === 'unknown') return { verdict: 'unknown', via: access.via, reason: `whether the task security group lets HTTPS out depends on ${egress.unknownBecause}`, fix: [] };
  const problem = taskEgressProblem(ctx, 'to 0.0.0.0/0', 'cidr_ipv4 = "0.0.0.0/0"');
  return { verdict: problem.verdict, via: access.via, reason: `${access.reason}, but ${problem.reason}`, fix: problem.fix ? [problem.fix] : [] };
}

/** A path that only the internet can serve (another registry, another region's service). */
export function internetOnlyPath(ctx: PathContext, subnet: Subnet, spec: PathSpec): PathCheck {
  const net = internetPath(ctx, subnet);
  return {
    path: spec.path,
    title: spec.title,
    subnet,
    verdict: net.verdict,
    via: net.via,
    reason: net.verdict === 'pass' ? `${spec.neededBy}: ${net.reason}` : `${spec.neededBy} needs the internet, but ${net.reason}`,
    awsError: net.verdict === 'fail' ? spec.awsError : undefined,
    fix: net.verdict === 'fail' ? net.fix : undefined,
  };
}

/** ECR image layers: the S3 gateway endpoint on the subnet's route table, with a policy allowing the layer bucket. */
export function s3LayerPath(ctx: PathContext, subnet: Subnet, spec: PathSpec, forbiddenError: string): PathCheck {
  const base = { path: spec.path, title: spec.title, subnet };
  const layerArn = ecrLayerBucketArn(ctx.region);
  const layers: PlainRequest = {
    action: 's3:GetObject',
    resource: layerArn.replace(/\*$/, 'sha256/layer'),
    display: layerArn,
    what: 'ECR image layers',
    // The layer bucket is AWS's, never in the caller's account (aws:ResourceAccount).
    context: { 'aws:securetransport': 'true', 'aws:requestedregion': ctx.region, 'aws:principalaccount': ACCOUNT, 'aws:resourceaccount': AWS_OWNED_ACCOUNT },
    account: ctx.service.stack.account,
    error: () => forbiddenError,
  };
  // An S3 interface endpoint with private DNS for the VPC's clients takes S3's names (the
  // layer URLs among them) for the whole VPC: the layers come through it, not the gateway.
  const interfaces = ctx.model.endpoints().filter((e) => e.service === 's3' && e.region === ctx.region && sameVpc(e, subnet) && e.type === 'Interface' && e.privateDns !== false);
  if (interfaces.some((e) => e.privateDns === undefined || e.inboundResolverOnly !== true)) return interfacePath(ctx, subnet, 's3', { ...spec, requests: [layers] });
  const { table, undecided: tableUndecided } = ctx.model.routeTableOf(subnet);
  const gateways = ctx.model.endpoints().filter((e) => e.service === 's3' && e.region === ctx.region && sameVpc(e, subnet) && e.type === 'Gateway');
  const associated = table ? gateways.filter((g) => g.routeTables.includes(table)) : [];
  if (associated.length === 0) {
    if (gateways.length > 0 && tableUndecided) return { ...base, verdict: 'unknown', via: [], reason: `the route table of ${subnet.label} is known only after apply` };
    if (gateways.some((g) => g.unresolved.length > 0)) return { ...base, verdict: 'unknown', via: [], reason: 'the route tables of the S3 gateway endpoint cannot be read before apply' };
    const undecided = undecidedEndpoints(ctx, subnet, 's3', 'Gateway');
    if (undecided.length > 0) return { ...base, verdict: 'unknown', via: [], reason: `whether ${undecided[0].resource.address} is the S3 gateway endpoint of ${vpcName(subnet)} (service name, type or VPC) is known only after apply` };
    const tableName = table ? tableLabel(table.resource.values, table.resource.address) : `the route table of ${subnet.label}`;
    const preface = gateways.length > 0 ? `the S3 gateway endpoint ${gateways[0].resource.address} is not associated with ${tableName}` : `there is no S3 gateway endpoint in ${vpcName(subnet)}`;
    const net = internetPath(ctx, subnet);
    if (net.verdict !== 'fail') return { ...base, verdict: net.verdict, via: net.via, reason: `${preface}; ${net.reason}` };
    const fix =
      gateways.length > 0
        ? [fixOn(gateways[0].resource, `add ${table ? table.resource.address : `the route table of ${subnet.label}`} to route_table_ids`)]
        : [`add an aws_vpc_endpoint for com.amazonaws.${ctx.region}.s3 (vpc_endpoint_type = "Gateway") to ${vpcName(subnet)} with ${tableName} in route_table_ids and a policy allowing s3:GetObject on ${layerArn}`];
    return { ...base, verdict: 'fail', via: net.via, reason: `${preface}, and ${net.reason}`, awsError: spec.awsError, fix };
  }
  const gateway = associated[0];
  const via: Via[] = [{ resource: gateway.resource, note: 'S3 gateway endpoint on the route table of the subnet' }];
  // With the endpoint on the route table, every S3 request of the subnet goes through it (even with NAT).
  const decision = endpointPolicyDecision(ctx.model, gateway, [layers]);
  if (decision.verdict === 'unknown') return { ...base, verdict: 'unknown', via, reason: decision.reason ?? 'the endpoint policy is unknown' };
  if (decision.verdict === 'fail') return { ...base, verdict: 'fail', via, reason: `${decision.reason}, where ECR keeps image layers`, awsError: forbiddenError, fix: decision.fix ? [decision.fix] : [] };
  const policyNote = decision.note;
  via[0] = { resource: gateway.resource, note: `${via[0].note}; ${policyNote}` };
  const egress = egressAllows(ctx.service.securityGroups, { prefixListOf: gateway }, HTTPS);
  // S3 answers from its public addresses, which the subnet's network ACL must let through both ways.
  const acl = egress.verdict === 'yes' ? aclBlock(ctx, subnet, 'public', 'HTTPS to S3 (ECR image layers)') : undefined;
  if (acl) return { ...base, verdict: acl.verdict, via, reason: acl.reason, awsError: acl.verdict === 'fail' ? spec.awsError : undefined, fix: acl.fix };
  if (egress.verdict === 'yes') {
    for (const rule of egress.rules) via.push({ resource: rule.resource, note: `task SG: ${describeRule(rule)}` });
    return { ...base, verdict: 'pass', via, reason: `through ${gateway.resource.address}` };
  }
  if (egress.verdict === 'unknown') return { ...base, verdict: 'unknown', via, reason: `whether the task security group lets HTTPS out to S3 depends on ${egress.unknownBecause}` };
  const problem = taskEgressProblem(ctx, `to the S3 prefix list (${gateway.resource.address}.prefix_list_id) or 0.0.0.0/0`, `prefix_list_id = ${gateway.resource.address}.prefix_list_id`);
  return { ...base, verdict: problem.verdict, via, reason: problem.reason, awsError: problem.verdict === 'fail' ? spec.awsError : undefined, fix: problem.fix ? [problem.fix] : [] };
}

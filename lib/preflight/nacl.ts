/**
 * Network ACLs: stateless, so a TCP connection needs its request allowed out of the client's
 * subnet and into the server's, and its return traffic (to the client's ephemeral port)
 * allowed out of the server's subnet and into the client's. Rules are evaluated in rule
 * number order, the first rule matching protocol, port and address decides, and the final
 * `*` rule denies. A subnet uses the ACL it is associated with (`aws_network_acl_association`,
 * `subnet_ids` of `aws_network_acl`), else its VPC's default ACL (`aws_default_network_acl`
 * when managed; an unmanaged default ACL allows everything). Traffic within one subnet is
 * not filtered.
 *
 * Fargate tasks run Linux, whose ephemeral ports are 32768-60999: return traffic to the
 * task must be allowed on all of them (AWS recommends allowing 1024-65535). Public
 * destinations (S3's and other public addresses) are only known to be covered by 0.0.0.0/0;
 * a rule for a private range never matches them, and one for another public range may or
 * may not (S3's ranges change): unknown.
 */
import { contains, overlaps, parseCidr } from '../../config/cidr';
import type { Model, Subnet } from './model';
import { blocks, literalBool, literalNumber, literalString, TfResource } from './tf';
import { fixOn } from './types';

export const HTTPS_PORTS: PortRange = [443, 443];
/** The Linux ephemeral port range the tasks' connections use. */
export const EPHEMERAL_PORTS: PortRange = [32768, 60999];
export type PortRange = readonly [number, number];

interface AclRule {
  readonly resource: TfResource;
  readonly number?: number;
  readonly egress: boolean;
  readonly allow?: boolean;
  readonly protocol?: string;
  readonly from?: number;
  readonly to?: number;
  /** `cidr_block` as written: absent for an IPv6 rule, an expression or UNKNOWN before apply. */
  readonly cidr?: unknown;
}

interface Acl {
  readonly resource: TfResource;
  readonly rules: AclRule[];
}

/** The peer of a connection: subnet CIDRs (undefined: unknown) or public addresses. */
export type AclPeer = { readonly cidrs: readonly (string | undefined)[] } | { readonly public: true };

export interface AclDecision {
  readonly verdict: 'pass' | 'fail' | 'unknown';
  readonly reason?: string;
  readonly fix?: string;
  readonly acl?: TfResource;
}

function rulesOf(model: Model, acl: TfResource): AclRule[] {
  const rules: AclRule[] = [];
  const inline = (values: Record<string, unknown>, egress: boolean) => ({
    resource: acl,
    number: literalNumber(values.rule_no),
    egress,
    allow: actionOf(values.action),
    protocol: protocolOf(values.protocol),
    from: literalNumber(values.from_port),
    to: literalNumber(values.to_port),
    cidr: values.cidr_block,
  });
  for (const r of blocks(acl.values.ingress)) rules.push(inline(r, false));
  for (const r of blocks(acl.values.egress)) rules.push(inline(r, true));
  for (const rule of model.resolver.ofType('aws_network_acl_rule')) {
    if (model.resolver.resource(model.scope(rule), rule.values.network_acl_id, 'aws_network_acl', 'aws_default_network_acl') !== acl) continue;
    rules.push({
      resource: rule,
      number: literalNumber(rule.values.rule_number),
      egress: literalBool(rule.values.egress, false) === true,
      allow: actionOf(rule.values.rule_action),
      protocol: protocolOf(rule.values.protocol),
      from: literalNumber(rule.values.from_port),
      to: literalNumber(rule.values.to_port),
      cidr: rule.values.cidr_block,
    });
  }
  return rules;
}

function actionOf(value: unknown): boolean | undefined {
  const text = literalString(value)?.toLowerCase();
  return text === 'allow' ? true : text === 'deny' ? false : undefined;
}

function protocolOf(value: unknown): string | undefined {
  const text = typeof value === 'number' ? String(value) : literalString(value)?.toLowerCase();
  if (text === 'all') return '-1';
  if (text === 'tcp') return '6';
  if (text === 'udp') return '17';
  return text;
}

/** The ACL a subnet uses, or undefined for an unmanaged default ACL (allows all); `unknown` when it cannot be told. */
export function aclOf(model: Model, subnet: Subnet): Acl | undefined | 'unknown' {
  for (const association of model.resolver.ofType('aws_network_acl_association')) {
    const scope = model.scope(association);
    if (model.resolver.resource(scope, association.values.subnet_id, 'aws_subnet') !== subnet.resource) continue;
    const acl = model.resolver.resource(scope, association.values.network_acl_id, 'aws_network_acl');
    return acl ? { resource: acl, rules: rulesOf(model, acl) } : 'unknown';
  }
  for (const type of ['aws_network_acl', 'aws_default_network_acl']) {
    for (const acl of model.resolver.ofType(type)) {
      if (model.resolver.resources(model.scope(acl), acl.values.subnet_ids, 'aws_subnet').found.includes(subnet.resource)) return { resource: acl, rules: rulesOf(model, acl) };
    }
  }
  if (!subnet.vpc) return 'unknown';
  for (const acl of model.resolver.ofType('aws_default_network_acl')) {
    if (model.resolver.resource(model.scope(acl), acl.values.default_network_acl_id, 'aws_vpc') === subnet.vpc.resource) return { resource: acl, rules: rulesOf(model, acl) };
  }
  return undefined;
}

type Cover = 'all' | 'some' | 'none';

function portCover(rule: AclRule, ports: PortRange): Cover | undefined {
  if (rule.protocol === '-1') return 'all';
  if (rule.protocol === undefined) return undefined;
  if (rule.protocol !== '6') return 'none';
  if (rule.from === undefined || rule.to === undefined) return undefined;
  if (rule.from <= ports[0] && ports[1] <= rule.to) return 'all';
  return rule.to < ports[0] || rule.from > ports[1] ? 'none' : 'some';
}

const PRIVATE = ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', '100.64.0.0/10', '127.0.0.0/8', '169.254.0.0/16'].map((c) => parseCidr(c)!);

function addressCover(rule: AclRule, peer: AclPeer): Cover | undefined {
  if (rule.cidr === undefined || rule.cidr === null || rule.cidr === '') return 'none'; // an IPv6 rule
  const literal = literalString(rule.cidr);
  const ruleCidr = literal ? parseCidr(literal) : undefined;
  if (!ruleCidr) return undefined; // an expression, or known only after apply
  if ('public' in peer) {
    if (ruleCidr.prefix === 0) return 'all';
    return PRIVATE.some((p) => contains(p, ruleCidr)) ? 'none' : 'some';
  }
  const covers: Cover[] = [];
  for (const text of peer.cidrs) {
    const cidr = text ? parseCidr(text) : undefined;
    if (!cidr) return undefined;
    covers.push(contains(ruleCidr, cidr) ? 'all' : overlaps(ruleCidr, cidr) ? 'some' : 'none');
  }
  if (covers.every((c) => c === 'all')) return 'all';
  return covers.every((c) => c === 'none') ? 'none' : 'some';
}

/** First-match evaluation of one direction of an ACL for TCP `ports` to or from `peer`. */
function evaluateAcl(acl: Acl, egress: boolean, peer: AclPeer, ports: PortRange): { allowed: boolean | undefined; rule?: AclRule } {
  const rules = acl.rules.filter((r) => r.egress === egress);
  if (rules.some((r) => r.number === undefined)) return { allowed: undefined };
  for (const rule of [...rules].sort((a, b) => a.number! - b.number!)) {
    const port = portCover(rule, ports);
    const address = addressCover(rule, peer);
    if (port === 'none' || address === 'none') continue;
    if (port === 'all' && address === 'all' && rule.allow !== undefined) return { allowed: rule.allow, rule };
    // Part of the traffic (some addresses or ports), or a value known only after apply.
    return { allowed: undefined, rule };
  }
  return { allowed: false };
}

function describePeer(peer: AclPeer): string {
  return 'public' in peer ? '0.0.0.0/0 (public addresses)' : peer.cidrs.map((c) => c ?? '?').join(', ');
}

function describePorts(ports: PortRange): string {
  return ports[0] === ports[1] ? `TCP ${ports[0]}` : `TCP ${ports[0]}-${ports[1]}`;
}

/**
 * Does the ACL of `subnet` let traffic out to (`egress`) or in from `peer` on `ports`?
 * `why` names what the traffic is, for messages ("HTTPS to the ecr.api endpoint").
 */
export function aclAllows(model: Model, subnet: Subnet, egress: boolean, peer: AclPeer, ports: PortRange, why: string): AclDecision {
  const acl = aclOf(model, subnet);
  if (acl === undefined) return { verdict: 'pass' };
  if (acl === 'unknown') return { verdict: 'unknown', reason: `the network ACL of ${subnet.label} is not in the loaded stacks` };
  const { allowed, rule } = evaluateAcl(acl, egress, peer, ports);
  if (allowed === true) return { verdict: 'pass', acl: acl.resource };
  const direction = egress ? `outbound ${describePorts(ports)} to` : `inbound ${describePorts(ports)} from`;
  if (allowed === undefined) {
    return { verdict: 'unknown', acl: acl.resource, reason: `whether network ACL ${acl.resource.address} of ${subnet.label} allows ${direction} ${describePeer(peer)} (${why}) depends on ${rule ? `rule ${rule.number ?? '?'}, which covers only part of it or is known only after apply` : 'rule numbers known only after apply'}` };
  }
  const by = rule ? `rule ${rule.number} denies it` : 'no rule allows it (the final * rule denies)';
  const stateless = why.startsWith('return traffic') ? ' (network ACLs are stateless: return traffic needs its own rule)' : '';
  return {
    verdict: 'fail',
    acl: acl.resource,
    reason: `network ACL ${acl.resource.address} of ${subnet.label}: ${direction} ${describePeer(peer)} (${why}): ${by}${stateless}`,
    fix: fixOn(acl.resource, `add an ${egress ? 'egress' : 'ingress'} rule allowing ${why.startsWith('return traffic') ? 'TCP 1024-65535' : describePorts(ports)} ${egress ? 'to' : 'from'} ${'public' in peer ? '0.0.0.0/0' : describePeer(peer)}${rule ? ` with a rule number below ${rule.number}` : ''}${stateless}`),
  };
}

/** The port range a load balancer connects from (ELB uses 1024-65535). */
export const LB_CLIENT_PORTS: PortRange = [1024, 65535];

/**
 * A connection from a client subnet to a server subnet on `port`, both ways through both
 * subnets' ACLs (the load balancer to the tasks). Within one subnet nothing is filtered.
 */
export function aclFlow(model: Model, client: Subnet, server: Subnet, port: number, clientPorts: PortRange, why: string): AclDecision[] {
  if (client === server) return [];
  const ports: PortRange = [port, port];
  const back = `return traffic of ${why}`;
  return [
    aclAllows(model, client, true, { cidrs: [server.cidr] }, ports, why),
    aclAllows(model, server, false, { cidrs: [client.cidr] }, ports, why),
    aclAllows(model, server, true, { cidrs: [client.cidr] }, clientPorts, back),
    aclAllows(model, client, false, { cidrs: [server.cidr] }, clientPorts, back),
  ];
}

/**
 * Both directions of a client connection from `client` to `server` (a subnet, or public
 * addresses) on HTTPS: client out and in (return), and the server subnet's in and out.
 */
export function aclConnection(model: Model, client: Subnet, server: Subnet[] | 'public', why: string): AclDecision[] {
  const decisions: AclDecision[] = [];
  const serverPeer: AclPeer = server === 'public' ? { public: true } : { cidrs: server.filter((s) => s !== client).map((s) => s.cidr) };
  if (server !== 'public' && server.every((s) => s === client)) return [];
  decisions.push(aclAllows(model, client, true, serverPeer, HTTPS_PORTS, why));
  decisions.push(aclAllows(model, client, false, serverPeer, EPHEMERAL_PORTS, `return traffic of ${why}`));
  if (server !== 'public') {
    for (const s of server.filter((x) => x !== client)) {
      decisions.push(aclAllows(model, s, false, { cidrs: [client.cidr] }, HTTPS_PORTS, why));
      decisions.push(aclAllows(model, s, true, { cidrs: [client.cidr] }, EPHEMERAL_PORTS, `return traffic of ${why}`));
    }
  }
  return decisions;
}


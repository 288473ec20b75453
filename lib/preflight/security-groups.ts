/**
 * Security group reasoning: does any rule of a set of groups allow TCP traffic on a port
 * to (egress) or from (ingress) a peer given as groups, CIDRs, a prefix list or "the
 * internet". Groups are permissive unions, so one matching rule is enough.
 */
import { Cidr, contains, overlaps, parseCidr } from '../../config/cidr';
import type { Endpoint, SecurityGroup, SgRule } from './model';
import type { Target } from './refs';
import { blocks, list, literalString } from './tf';

export interface Peer {
  /** Security groups of the peer. */
  readonly groups?: readonly SecurityGroup[];
  /** Address ranges of the peer (subnet CIDRs); an undefined entry is unknown. */
  readonly cidrs?: readonly (string | undefined)[];
  /** The S3 gateway endpoint whose prefix list is the destination. */
  readonly prefixListOf?: Endpoint;
  /** Public addresses (AWS public endpoints, registries): only 0.0.0.0/0 covers them. */
  readonly internet?: boolean;
}

export interface RuleMatch {
  readonly verdict: 'yes' | 'no' | 'unknown';
  readonly rules: readonly SgRule[];
  readonly unknownBecause?: string;
}

/** Does the rule cover TCP `port`? undefined when its ports are not literal. */
export function coversTcpPort(rule: SgRule, port: number): boolean | undefined {
  const protocol = rule.protocol;
  if (protocol === '-1' || protocol === 'all') return true;
  if (protocol === undefined) return undefined;
  if (protocol !== 'tcp' && protocol !== '6') return false;
  if (rule.fromPort === undefined || rule.toPort === undefined) return undefined;
  return rule.fromPort <= port && port <= rule.toPort;
}

export function isAnyIpv4(cidr: string): boolean {
  return parseCidr(cidr)?.prefix === 0;
}

function cidrCovers(ruleCidr: string, target: string): boolean {
  const outer = parseCidr(ruleCidr);
  const inner = parseCidr(target);
  return outer !== undefined && inner !== undefined && contains(outer, inner);
}

/** Is the prefix list the S3 list of the endpoint's region? undefined when it cannot be told before apply. */
function prefixListIs(target: Target, endpoint: Endpoint): boolean | undefined {
  const known = literalString(endpoint.resource.values.prefix_list_id);
  if (target.kind === 'resource') {
    if (target.resource === endpoint.resource) return true;
    const values = target.resource.values;
    if (target.resource.mode === 'data' && (target.resource.type === 'aws_ec2_managed_prefix_list' || target.resource.type === 'aws_prefix_list')) {
      // The AWS-managed list looked up by name: com.amazonaws.<region>.s3 is the gateway endpoint's list.
      const names = [values.name, ...blocks(values.filter).filter((f) => f.name === 'prefix-list-name').flatMap((f) => list(f.values))].map(literalString).filter((n): n is string => n !== undefined);
      const id = literalString(values.id) ?? literalString(values.prefix_list_id);
      if (id !== undefined && known !== undefined) return id === known;
      if (endpoint.serviceName !== undefined && names.includes(endpoint.serviceName)) return true;
      return names.length > 0 && endpoint.serviceName !== undefined ? false : undefined;
    }
    return undefined;
  }
  if (target.kind === 'literal') return known !== undefined ? target.value === known : undefined;
  return undefined;
}

/** The IPv4 ranges a rule names: its CIDRs and the entries of the prefix lists it names. */
function rangesOf(rule: SgRule): string[] {
  return [...rule.cidrs, ...rule.prefixListCidrs];
}

function matches(rule: SgRule, owner: SecurityGroup, peer: Peer): boolean | undefined {
  const ranges = rangesOf(rule);
  if (peer.internet && ranges.some(isAnyIpv4)) return true;
  if (peer.groups && rule.groups.some((g) => peer.groups!.includes(g))) return true;
  if (peer.groups && rule.self && peer.groups.includes(owner)) return true;
  if (peer.prefixListOf) {
    if (ranges.some(isAnyIpv4)) return true;
    const lists = rule.prefixLists.map((t) => prefixListIs(t, peer.prefixListOf!));
    if (lists.includes(true)) return true;
    if (lists.includes(undefined)) return undefined;
  }
  const addresses = peer.internet || (peer.cidrs !== undefined && peer.cidrs.length > 0);
  if (peer.cidrs && peer.cidrs.length > 0 && ranges.length > 0) {
    if (peer.cidrs.some((c) => c === undefined)) return undefined;
    if (peer.cidrs.every((c) => ranges.some((rc) => cidrCovers(rc, c!)))) return true;
  }
  // A prefix list whose entries are not known may hold the peer's addresses.
  if (addresses && !peer.prefixListOf && rule.opaquePrefixLists.length > 0) return undefined;
  return rule.unresolved.length > 0 ? undefined : false;
}

/** Is `target` covered by the union of `ranges` (rules add up: two /19 rules cover a /18)? */
function unionCovers(ranges: readonly Cidr[], target: Cidr): boolean {
  if (ranges.some((r) => contains(r, target))) return true;
  if (target.prefix >= 32 || !ranges.some((r) => overlaps(r, target))) return false;
  const half = 2 ** (31 - target.prefix);
  const low = { ...target, prefix: target.prefix + 1 };
  const high = { ...low, base: target.base + half };
  return unionCovers(ranges, low) && unionCovers(ranges, high);
}

function allowed(groups: readonly SecurityGroup[], direction: 'ingress' | 'egress', peer: Peer, port: number): RuleMatch {
  const hits: SgRule[] = [];
  // Rules covering the port by address range, for peers no single rule covers.
  const partial: SgRule[] = [];
  let unknown: string | undefined;
  for (const group of groups) {
    for (const rule of group[direction]) {
      const port_ = coversTcpPort(rule, port);
      if (port_ === false) continue;
      const match = matches(rule, group, peer);
      if (match === true && port_ === true) hits.push(rule);
      else {
        if (port_ === true && rangesOf(rule).length > 0) partial.push(rule);
        if (match !== false) unknown ??= `${rule.resource.address} (${match === undefined ? 'its peer' : 'its ports'} cannot be read before apply)`;
      }
    }
  }
  if (hits.length > 0) return { verdict: 'yes', rules: hits };
  const union = unionOf(partial, peer);
  if (union) return { verdict: 'yes', rules: union };
  return unknown ? { verdict: 'unknown', rules: [], unknownBecause: unknown } : { verdict: 'no', rules: [] };
}

/** The rules whose ranges together cover every CIDR of the peer, or undefined. */
function unionOf(rules: readonly SgRule[], peer: Peer): SgRule[] | undefined {
  if (!peer.cidrs || peer.cidrs.length === 0 || rules.length === 0) return undefined;
  const targets = peer.cidrs.map((c) => (c === undefined ? undefined : parseCidr(c)));
  if (targets.some((t) => t === undefined)) return undefined;
  const ranges = rules.flatMap((r) => rangesOf(r).map(parseCidr)).filter((c): c is Cidr => c !== undefined);
  if (!targets.every((t) => unionCovers(ranges, t!))) return undefined;
  return rules.filter((r) =>
    rangesOf(r).some((rc) => {
      const range = parseCidr(rc);
      return range !== undefined && targets.some((t) => overlaps(range, t!));
    }),
  );
}

/** Egress from `groups` to `peer` on TCP `port`. */
export function egressAllows(groups: readonly SecurityGroup[], peer: Peer, port: number): RuleMatch {
  return allowed(groups, 'egress', peer, port);
}

/** Ingress into `groups` from `peer` on TCP `port`. */
export function ingressAllows(groups: readonly SecurityGroup[], peer: Peer, port: number): RuleMatch {
  return allowed(groups, 'ingress', peer, port);
}

/** A short description of a rule for the VIA column: `443 to sg acme-dev-vpc-endpoints`. */
export function describeRule(rule: SgRule): string {
  const ports = rule.protocol === '-1' || rule.protocol === 'all' ? 'all traffic' : rule.fromPort === rule.toPort ? `TCP ${rule.fromPort}` : `TCP ${rule.fromPort}-${rule.toPort}`;
  const peers = [
    ...rule.cidrs,
    ...rule.ipv6Cidrs,
    ...rule.groups.map((g) => `sg ${g.label}`),
    ...(rule.self ? ['itself'] : []),
    ...rule.prefixLists.map((t) => (t.kind === 'resource' ? `prefix list ${t.resource.type === 'aws_vpc_endpoint' ? 'of ' : ''}${t.resource.address}` : t.kind === 'literal' ? String(t.value) : 'a prefix list')),
  ];
  return `${ports} ${rule.direction === 'ingress' ? 'from' : 'to'} ${peers.join(', ') || 'nothing'}`;
}

/**
 * Which DNS server the tasks of a VPC ask: the VPC's DHCP options set (an
 * `aws_vpc_dhcp_options` associated with `aws_vpc_dhcp_options_association`) decides; with
 * none, the Amazon DNS server. Private DNS names of interface endpoints are answered only by
 * the Amazon DNS server (AmazonProvidedDNS, 169.254.169.253, or the VPC CIDR base + 2).
 * Resolvers use the first server listed and fall back to the next only when it does not
 * answer, so the first one decides:
 *  - a public server (8.8.8.8) answers with the services' public addresses: the endpoints
 *    are bypassed and the internet is needed (and without it, the server is unreachable);
 *  - a private server (an AD or BIND resolver in the VPC or on premises) works only when it
 *    forwards amazonaws.com to the Amazon DNS server, which Terraform does not show: a warning.
 */
import { parseCidr } from '../../config/cidr';
import type { Model, Vpc } from './model';
import { list, literalString, TfResource } from './tf';

export type DnsResolver =
  | { readonly kind: 'amazon'; readonly options?: TfResource }
  | { readonly kind: 'public' | 'private'; readonly server: string; readonly options: TfResource; readonly amazonAddress?: string }
  | { readonly kind: 'unknown'; readonly reason: string; readonly options?: TfResource };

const AMAZON = ['AmazonProvidedDNS', '169.254.169.253'];

export function dnsResolver(model: Model, vpc: Vpc): DnsResolver {
  for (const association of model.resolver.ofType('aws_vpc_dhcp_options_association')) {
    const scope = model.scope(association);
    if (model.resolver.resource(scope, association.values.vpc_id, 'aws_vpc') !== vpc.resource) continue;
    const options = model.resolver.resource(scope, association.values.dhcp_options_id, 'aws_vpc_dhcp_options');
    if (!options) return { kind: 'unknown', reason: `the DHCP options set ${String(association.values.dhcp_options_id)} is not in the loaded stacks` };
    const servers = list(options.values.domain_name_servers).map(literalString);
    if (servers.length === 0) return { kind: 'amazon', options };
    const first = servers[0];
    if (first === undefined) return { kind: 'unknown', reason: `the domain_name_servers of ${options.address} are known only after apply`, options };
    const amazonAddress = baseplus2(vpc.cidr);
    if (AMAZON.includes(first) || first === amazonAddress) return { kind: 'amazon', options };
    return { kind: isPrivate(first) ? 'private' : 'public', server: first, options, amazonAddress };
  }
  return { kind: 'amazon' };
}

function baseplus2(cidr: string | undefined): string | undefined {
  const parsed = cidr ? parseCidr(cidr) : undefined;
  if (!parsed) return undefined;
  const address = parsed.base + 2;
  return [24, 16, 8, 0].map((shift) => Math.floor(address / 2 ** shift) % 256).join('.');
}

function isPrivate(ip: string): boolean {
  const parsed = parseCidr(`${ip}/32`);
  if (!parsed) return true; // a name, not an address: assume an internal resolver
  return ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', '100.64.0.0/10'].some((block) => {
    const b = parseCidr(block)!;
    return Math.floor(parsed.base / 2 ** (32 - b.prefix)) === Math.floor(b.base / 2 ** (32 - b.prefix));
  });
}

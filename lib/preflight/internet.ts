/**
 * Does a task in a subnet reach the internet (and so the public AWS endpoints and other
 * registries)? Through a 0.0.0.0/0 route to a public NAT gateway that itself sits in a
 * subnet routed to an internet gateway, or through a route to an internet gateway when the
 * task has a public IP.
 */
import type { EcsService, Model, Subnet } from './model';
import { fixOn, Via } from './types';

export interface InternetAccess {
  readonly verdict: 'yes' | 'no' | 'unknown';
  readonly kind?: 'nat' | 'public-ip';
  readonly via: Via[];
  /** Why not (or how), as a clause: "route table X has no 0.0.0.0/0 route". */
  readonly reason: string;
  readonly fix: string[];
}

export function internetAccess(model: Model, service: EcsService, subnet: Subnet): InternetAccess {
  const { table, via: association, note, undecided } = model.routeTableOf(subnet);
  if (!table) {
    return {
      verdict: undecided ? 'unknown' : 'no',
      via: [],
      reason: `subnet ${subnet.label} uses ${note ?? 'no known route table'}`,
      fix: [`give ${subnet.label} a route table with a 0.0.0.0/0 route to a NAT gateway`],
    };
  }
  const tableName = tableLabel(table.resource.values, table.resource.address);
  const via: Via[] = association ? [{ resource: association, note: `associates ${subnet.label} with ${tableName}` }] : [];
  const route = table.routes.find((r) => r.destination === '0.0.0.0/0');
  if (!route) {
    return {
      verdict: 'no',
      via,
      reason: `route table ${tableName} has no 0.0.0.0/0 route (no NAT gateway, no internet gateway)`,
      fix: [fixOn(table.resource, 'add a 0.0.0.0/0 route to a NAT gateway (an aws_route with nat_gateway_id)')],
    };
  }
  const target = route.target;
  if (target.kind === 'nat') {
    if (!target.nat) return { verdict: 'unknown', via, reason: target.reason ?? 'the NAT gateway is not in the loaded stacks', fix: [] };
    const nat = target.nat;
    if (nat.connectivity === 'private') {
      return { verdict: 'no', via, reason: `NAT gateway ${nat.resource.address} is private (connectivity_type = "private")`, fix: [fixOn(nat.resource, 'use a public NAT gateway (connectivity_type = "public") in a public subnet')] };
    }
    if (nat.subnet) {
      const natTable = model.routeTableOf(nat.subnet).table;
      const natRoute = natTable?.routes.find((r) => r.destination === '0.0.0.0/0');
      if (natTable && natRoute?.target.kind !== 'igw') {
        return {
          verdict: 'no',
          via,
          reason: `NAT gateway ${nat.resource.address} sits in ${nat.subnet.label}, whose route table has no 0.0.0.0/0 route to an internet gateway`,
          fix: [fixOn(nat.resource, 'place it in a public subnet (subnet_id of a subnet routed to the internet gateway)')],
        };
      }
    }
    return {
      verdict: 'yes',
      kind: 'nat',
      via: [...via, { resource: route.resource, note: `0.0.0.0/0 -> NAT gateway in ${tableName}` }, { resource: nat.resource, note: `NAT gateway${nat.subnet ? ` in ${nat.subnet.label}` : ''}` }],
      reason: `0.0.0.0/0 goes to NAT gateway ${nat.resource.address}`,
      fix: [],
    };
  }
  if (target.kind === 'igw') {
    if (service.assignPublicIp === true) {
      return { verdict: 'yes', kind: 'public-ip', via: [...via, { resource: route.resource, note: `0.0.0.0/0 -> internet gateway; tasks get a public IP` }], reason: 'the task has a public IP and a route to the internet gateway', fix: [] };
    }
    if (service.assignPublicIp === undefined) return { verdict: 'unknown', via, reason: 'assign_public_ip is known only after apply', fix: [] };
    return {
      verdict: 'no',
      via,
      reason: `route table ${tableName} sends 0.0.0.0/0 to an internet gateway, but the tasks get no public IP (assign_public_ip = false), and an internet gateway only serves addresses with one`,
      fix: [`route ${subnet.label} through a NAT gateway instead (tasks keep no public IP)`],
    };
  }
  if (target.kind === 'other') {
    if (target.what === 'local') return { verdict: 'no', via, reason: `route table ${tableName} routes 0.0.0.0/0 locally`, fix: [] };
    return { verdict: 'unknown', via: [...via, { resource: route.resource, note: `0.0.0.0/0 -> ${target.what}` }], reason: `0.0.0.0/0 goes to a ${target.what}: egress depends on the network beyond it`, fix: [] };
  }
  return { verdict: 'unknown', via, reason: `the 0.0.0.0/0 route's target (${target.reason}) cannot be read before apply`, fix: [] };
}

export function tableLabel(values: Record<string, unknown>, address: string): string {
  const tags = values.tags as Record<string, unknown> | undefined;
  return typeof tags?.Name === 'string' ? tags.Name : address;
}

/**
 * What address ranges a prefix list in a security group rule stands for. A rule may name
 * its peer by prefix list instead of CIDR (`prefix_list_id`, `prefix_list_ids`): a
 * customer-managed list declared in the stacks covers its entries; an AWS service list (an
 * S3 gateway endpoint's `prefix_list_id`, a `com.amazonaws.<region>.<service>` list looked
 * up by name) covers only that service's public ranges, never a subnet of the VPC nor all
 * of the internet; any other list (a literal `pl-` id, one looked up by another name, one
 * whose entries are known only after apply) may cover anything, so a decision that
 * depends on it is unknown, never a failure.
 */
import type { Resolver, Target } from './refs';
import { blocks, list, literalString, TfResource } from './tf';

export interface PrefixListRanges {
  /** IPv4 ranges of the lists whose entries are known. */
  readonly cidrs: string[];
  /** Lists whose ranges cannot be told before apply, described for messages. */
  readonly opaque: string[];
}

const AWS_SERVICE_LIST = /^com\.amazonaws\.[a-z0-9-]+\./;

/** The ranges of the prefix lists a rule names. */
export function prefixListRanges(resolver: Resolver, targets: readonly Target[]): PrefixListRanges {
  const cidrs: string[] = [];
  const opaque: string[] = [];
  for (const target of targets) {
    if (target.kind === 'literal') {
      opaque.push(`prefix list ${String(target.value)}`);
      continue;
    }
    if (target.kind === 'unknown') {
      opaque.push(`a prefix list (${target.reason})`);
      continue;
    }
    const resource = target.resource;
    if (resource.type === 'aws_vpc_endpoint' || isServiceListLookup(resource)) continue;
    const entries = resource.mode === 'managed' && resource.type === 'aws_ec2_managed_prefix_list' ? entriesOf(resolver, resource) : undefined;
    if (entries === undefined) opaque.push(`prefix list ${resource.address}`);
    else cidrs.push(...entries.filter((c) => !c.includes(':')));
  }
  return { cidrs, opaque };
}

/** A data source that looks up an AWS service's list by its `com.amazonaws.` name. */
function isServiceListLookup(resource: TfResource): boolean {
  if (resource.mode !== 'data' || (resource.type !== 'aws_ec2_managed_prefix_list' && resource.type !== 'aws_prefix_list')) return false;
  const names = [resource.values.name, ...blocks(resource.values.filter).filter((f) => f.name === 'prefix-list-name').flatMap((f) => list(f.values))].map(literalString);
  return names.length > 0 && names.every((n) => n !== undefined && AWS_SERVICE_LIST.test(n));
}

/** The entries of a managed prefix list: inline `entry` blocks and `aws_ec2_managed_prefix_list_entry` resources; undefined when one is not literal. */
function entriesOf(resolver: Resolver, list_: TfResource): string[] | undefined {
  const values: unknown[] = blocks(list_.values.entry).map((e) => e.cidr);
  for (const entry of resolver.ofType('aws_ec2_managed_prefix_list_entry')) {
    if (resolver.resource({ stack: entry.stack, address: entry.address }, entry.values.prefix_list_id, 'aws_ec2_managed_prefix_list') === list_) values.push(entry.values.cidr);
  }
  const cidrs = values.map(literalString);
  return cidrs.every((c): c is string => c !== undefined) ? cidrs : undefined;
}

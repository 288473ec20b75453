/**
 * Follows Terraform references in synthesized JSON as far as the cost report needs: to
 * count the availability zones a list of subnets spans. Same-stack references
 * (`${aws_subnet.x.id}`) are read directly; cross-stack ones
 * (`${data.terraform_remote_state.r.outputs.o}`, how CDKTF wires stacks together) are
 * followed to the producing stack's output. Anything else is left unresolved and the
 * caller says what it assumed.
 */
import * as path from 'node:path';
import { isRecord, literalString, SynthStack } from './terraform-json';

const RESOURCE_REF = /^\$\{([a-z][a-z0-9_]*)\.([A-Za-z0-9_-]+)\.([a-z0-9_]+)\}$/;
const REMOTE_OUTPUT_REF = /^\$\{data\.terraform_remote_state\.([A-Za-z0-9_-]+)\.outputs(?:\.([A-Za-z0-9_-]+)|\["([^"]+)"\])\}$/;

/** Guards against output cycles between stacks (which Terraform would reject anyway). */
const MAX_DEPTH = 5;

export interface ResourceRef {
  readonly type: string;
  readonly name: string;
  readonly attribute: string;
}

/** `${aws_subnet.x.id}` -> {type, name, attribute}; anything else -> undefined. */
export function parseResourceRef(expression: string): ResourceRef | undefined {
  const match = RESOURCE_REF.exec(expression);
  return match && match[1] !== 'data' ? { type: match[1], name: match[2], attribute: match[3] } : undefined;
}

/** `${data.terraform_remote_state.r.outputs.o}` -> {dataSource, output}. */
export function parseRemoteOutputRef(expression: string): { dataSource: string; output: string } | undefined {
  const match = REMOTE_OUTPUT_REF.exec(expression);
  return match ? { dataSource: match[1], output: match[2] ?? match[3] } : undefined;
}

/** True when `value` (any string inside it) refers to resource `type.name`. */
export function refersTo(value: unknown, type: string, name: string): boolean {
  const needle = `${type}.${name}.`;
  if (typeof value === 'string') return value.includes(needle);
  if (Array.isArray(value)) return value.some((v) => refersTo(v, type, name));
  return isRecord(value) && Object.values(value).some((v) => refersTo(v, type, name));
}

/**
 * The stack a `terraform_remote_state` data source reads: CDKTF copies the producer's
 * backend, whose key ends in `<stack>.tfstate` (a local backend has `path` instead).
 */
export function producerOf(consumer: SynthStack, dataSource: string, stacks: readonly SynthStack[]): SynthStack | undefined {
  const remote = consumer.json.data?.terraform_remote_state?.[dataSource];
  const config = isRecord(remote?.config) ? remote.config : {};
  const key = literalString(config.key) ?? literalString(config.path);
  if (!key) return undefined;
  const base = path.basename(key).replace(/\.tfstate$/, '');
  return stacks.find((s) => s.name === base);
}

/** One subnet of a list: a key unique to it and its availability zone when known. */
export interface ResolvedSubnet {
  readonly key: string;
  readonly zone?: string;
}

/**
 * The subnets a `subnets` / `subnet_ids` value names, following references to `aws_subnet`
 * resources and across stacks. `undefined` when the list itself is an expression that
 * cannot be read (a variable, a function call): its length is unknown.
 */
export function resolveSubnets(value: unknown, stack: SynthStack, stacks: readonly SynthStack[], depth = 0): ResolvedSubnet[] | undefined {
  if (depth > MAX_DEPTH) return undefined;
  if (Array.isArray(value)) {
    // Each element is at least one subnet, even when it cannot be followed further.
    return value.flatMap((element) => {
      const key = `${stack.name}:${JSON.stringify(element)}`;
      return typeof element === 'string' ? (resolveSubnetExpression(element, stack, stacks, depth) ?? [{ key }]) : [{ key }];
    });
  }
  return typeof value === 'string' ? resolveSubnetExpression(value, stack, stacks, depth) : undefined;
}

function resolveSubnetExpression(expression: string, stack: SynthStack, stacks: readonly SynthStack[], depth: number): ResolvedSubnet[] | undefined {
  const ref = parseResourceRef(expression);
  if (ref) {
    if (ref.type !== 'aws_subnet') return undefined;
    const subnet = stack.json.resource?.aws_subnet?.[ref.name];
    const zone = literalString(subnet?.availability_zone) ?? literalString(subnet?.availability_zone_id);
    return [{ key: `${stack.name}:aws_subnet.${ref.name}`, zone }];
  }
  const remote = parseRemoteOutputRef(expression);
  if (remote) {
    const producer = producerOf(stack, remote.dataSource, stacks);
    const output = producer?.json.output?.[remote.output];
    return producer && output ? resolveSubnets(output.value, producer, stacks, depth + 1) : undefined;
  }
  // A literal subnet id (an existing subnet passed in by configuration).
  return expression.includes('${') ? undefined : [{ key: expression }];
}

/**
 * Distinct availability zones of resolved subnets. AWS allows one subnet per zone for a
 * load balancer or an endpoint, so a subnet whose zone is unknown counts as its own zone.
 */
export function zoneCount(subnets: readonly ResolvedSubnet[]): number {
  const known = new Set(subnets.map((s) => s.zone).filter((z): z is string => z !== undefined));
  const unknown = new Set(subnets.filter((s) => s.zone === undefined).map((s) => s.key));
  return known.size + unknown.size;
}

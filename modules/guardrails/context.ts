/**
 * What every guardrail rule file works with: the stacks, the preflight's model of them
 * (references followed across stacks), and `report`. Plus the small facts several rule
 * files share (open CIDRs, port ranges, which resource a reference names).
 */
import type { GuardrailRule } from '../guardrails';
import { Model } from '../../lib/preflight/model';
import { isRecord, literalString, TfResource, TfStack } from '../../lib/preflight/tf';

export interface RuleContext {
  readonly stacks: readonly TfStack[];
  readonly model: Model;
  /** Managed resources of every stack. */
  readonly managed: readonly TfResource[];
  ofType(...types: string[]): TfResource[];
  report(rule: GuardrailRule, resource: TfResource, message: string): void;
}

/**
 * Whether `value` (a literal or a reference) names `target`: a reference that resolves to it,
 * or the literal name `targetName` (e.g. a bucket written by name rather than by `.id`).
 */
export function names(ctx: RuleContext, from: TfResource, value: unknown, target: TfResource, targetName?: string): boolean {
  if (targetName !== undefined && literalString(value) === targetName) return true;
  return ctx.model.resolver.resources(ctx.model.scope(from), value, target.type).found.includes(target);
}

/** The resources of `types` whose `attribute` names `target`. */
export function referrers(ctx: RuleContext, target: TfResource, attribute: string, types: string[], targetName?: string): TfResource[] {
  return ctx.ofType(...types).filter((r) => names(ctx, r, r.values[attribute], target, targetName));
}

/**
 * The internet, or most of it: any /0 (`0.0.0.0/0`, `::/0`), an IPv4 prefix shorter than /8
 * (`0.0.0.0/1` + `128.0.0.0/1` is the internet too) or an IPv6 prefix of /3 or shorter
 * (`2000::/3` is every global unicast address). No private range is that wide.
 */
export function isOpenCidr(cidr: string): boolean {
  const match = /^([^/]+)\/(\d+)$/.exec(cidr.trim());
  if (!match) return false;
  const length = Number(match[2]);
  return match[1].includes(':') ? length <= 3 : length < 8;
}

/** Protocol `-1`/`all` (every protocol and port). */
export function allProtocols(protocol: string | undefined): boolean {
  return protocol === '-1' || protocol === 'all';
}

/** Whether a rule's protocol and port range cover `port` over TCP (unknown ports count as covering). */
export function coversTcpPort(protocol: string | undefined, fromPort: number | undefined, toPort: number | undefined, port: number): boolean {
  if (allProtocols(protocol)) return true;
  if (protocol !== 'tcp' && protocol !== '6') return false;
  if (fromPort === undefined || toPort === undefined) return true;
  // -1/-1 or 0/0 with tcp is rejected by AWS, but read it as "every port" rather than let it through.
  if (fromPort <= 0 && toPort <= 0) return true;
  return fromPort <= port && port <= toPort;
}

export function portLabel(fromPort: number | undefined, toPort: number | undefined, protocol: string | undefined): string {
  if (allProtocols(protocol)) return 'every protocol and port';
  if (fromPort === undefined) return `${protocol ?? '?'} (ports unknown)`;
  return `${protocol} ${fromPort === toPort ? fromPort : `${fromPort}-${toPort}`}`;
}

/** `*`, `{"AWS": "*"}` or a list holding `*`: anyone, in any account, even anonymous. */
export function isEveryone(principal: unknown): boolean {
  if (principal === '*') return true;
  if (!isRecord(principal)) return false;
  const aws = principal.AWS;
  return aws === '*' || (Array.isArray(aws) && aws.includes('*'));
}

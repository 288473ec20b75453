/** What the preflight decides, per ECS service and path. */
import type { EcsService, Subnet } from './model';
import type { TfResource } from './tf';

/**
 * - `pass`: the path works as configured;
 * - `warn`: it works, with a risk worth fixing (e.g. it crosses zones);
 * - `fail`: tasks (or the deploy) fail, with the error AWS would give;
 * - `unknown`: a value it depends on is known only after apply, or lives in a stack that
 *   was not loaded; never counted as a failure.
 */
export type Verdict = 'pass' | 'warn' | 'fail' | 'unknown';

export const VERDICT_ORDER: readonly Verdict[] = ['fail', 'unknown', 'warn', 'pass'];

/** The worst of several verdicts (fail > unknown > warn > pass). */
export function worst(verdicts: readonly Verdict[]): Verdict {
  for (const v of VERDICT_ORDER) if (verdicts.includes(v)) return v;
  return 'pass';
}

/** A resource that makes (or breaks) a path, with what it contributes. */
export interface Via {
  readonly resource: TfResource;
  readonly note: string;
}

export interface PathCheck {
  /** Stable id, e.g. `ecr-api`, `logs`, `alb`. */
  readonly path: string;
  /** Human title, e.g. `ECR API (registry auth)`. */
  readonly title: string;
  /** The task subnet the path was decided for; undefined for service-wide checks. */
  readonly subnet?: Subnet;
  readonly verdict: Verdict;
  readonly via: readonly Via[];
  /** Why, in one or two sentences. */
  readonly reason: string;
  /** For `fail` (and a `warn` that still shows an error, such as ECS Exec's): the error AWS would report after deploying. */
  readonly awsError?: string;
  /** For `fail`/`warn`: which resource and attribute to change. */
  readonly fix?: readonly string[];
}

export interface ServiceReport {
  readonly service: EcsService;
  readonly checks: readonly PathCheck[];
  /** Facts worth printing above the table (image, egress mode). */
  readonly notes: readonly string[];
}

export interface PreflightReport {
  /** What was read: `cdktf.out`, or the plan files. */
  readonly source: string;
  readonly stacks: readonly string[];
  readonly services: readonly ServiceReport[];
}

export function counts(report: PreflightReport): Record<Verdict, number> {
  const result: Record<Verdict, number> = { pass: 0, warn: 0, fail: 0, unknown: 0 };
  for (const s of report.services) for (const c of s.checks) result[c.verdict]++;
  return result;
}

/** `<stack> <address> [construct path]: <change>`: where a fix goes. */
export function fixOn(resource: TfResource, change: string): string {
  return `${resource.stack} ${resource.address}${resource.constructPath ? ` (${resource.constructPath})` : ''}: ${change}`;
}

/**
 * The preflight report: a table per environment and service (path, subnets, verdict, the
 * resources that make the path), then, for every path that fails (or warns, or cannot be
 * decided before apply), the error AWS would give and the fix; and the same as JSON.
 */
import { accountLabel } from '../terraform/deploy-account';
import type { Subnet } from './model';
import { counts, PathCheck, PreflightReport, ServiceReport, Verdict, Via } from './types';

const LABEL: Record<Verdict, string> = { pass: 'pass', warn: 'WARN', fail: 'FAIL', unknown: 'unknown' };

export interface TextOptions {
  /** Only the services and paths that fail (what `npm run synth` prints when it refuses). */
  readonly failuresOnly?: boolean;
}

export function renderText(report: PreflightReport, options: TextOptions = {}): string {
  const lines: string[] = [];
  const c = counts(report);
  lines.push(`Preflight: can the tasks of every ECS service start? (read ${report.source}: ${report.stacks.length} stack${report.stacks.length === 1 ? '' : 's'})`);
  if (report.services.length === 0) {
    lines.push('', 'No ECS services in these stacks: nothing to check.');
    return lines.join('\n') + '\n';
  }
  const byEnvironment = new Map<string, ServiceReport[]>();
  for (const s of report.services) byEnvironment.set(s.service.environment, [...(byEnvironment.get(s.service.environment) ?? []), s]);
  for (const [environment, services] of byEnvironment) {
    const shown = options.failuresOnly ? services.filter((s) => s.checks.some((check) => check.verdict === 'fail')) : services;
    if (shown.length === 0) continue;
    lines.push('', `== ${environment} (${services[0].service.region ?? 'region unknown'}) == deploys into ${accountLabel(services[0].service.stack.account)}`);
    for (const s of shown) lines.push('', ...renderService(s, options));
  }
  lines.push('', summaryLine(report, c));
  return lines.join('\n') + '\n';
}

export function summaryLine(report: PreflightReport, c = counts(report)): string {
  const total = c.pass + c.warn + c.fail + c.unknown;
  const verdict =
    c.fail > 0
      ? `${c.fail} would fail: tasks cannot start (or deploy) as configured.`
      : c.unknown > 0
        ? `nothing fails; ${c.unknown} cannot be decided before apply.`
        : 'every task can reach what it needs to start.';
  return `Summary: ${report.services.length} service${report.services.length === 1 ? '' : 's'}, ${total} check${total === 1 ? '' : 's'} (path x subnet): ${c.pass} pass, ${c.warn} warn, ${c.unknown} unknown, ${c.fail} fail; ${verdict}`;
}

function renderService(report: ServiceReport, options: TextOptions): string[] {
  const { service } = report;
  const lines = [`${service.name}  (stack ${service.stack.name}, ${service.resource.address})`];
  for (const note of report.notes) lines.push(`  ${note}`);
  if (!options.failuresOnly) lines.push('', ...table(report));
  const problems = groupProblems(report.checks.filter((check) => (options.failuresOnly ? check.verdict === 'fail' : check.verdict !== 'pass')));
  for (const group of problems) lines.push('', ...renderProblem(group));
  return lines;
}

interface Row {
  readonly title: string;
  readonly subnets: string;
  readonly verdict: Verdict;
  readonly via: string[];
}

function table(report: ServiceReport): string[] {
  const rows: Row[] = [];
  const all = report.service.subnets;
  for (const checks of groupBy(report.checks, (c) => c.title)) {
    for (const sameVerdict of groupBy(checks, (c) => c.verdict)) {
      rows.push({ title: sameVerdict[0].title, subnets: subnetsLabel(sameVerdict, all), verdict: sameVerdict[0].verdict, via: dedupe(sameVerdict.flatMap((c) => c.via.map(viaText))) });
    }
  }
  const width = (values: string[]) => Math.max(...values.map((v) => v.length));
  const w1 = width(['PATH', ...rows.map((r) => r.title)]);
  const w2 = width(['SUBNETS', ...rows.map((r) => r.subnets)]);
  const w3 = width(['VERDICT', ...rows.map((r) => LABEL[r.verdict])]);
  const out = [`  ${'PATH'.padEnd(w1)}  ${'SUBNETS'.padEnd(w2)}  ${'VERDICT'.padEnd(w3)}  VIA`];
  for (const row of rows) {
    const [first, ...rest] = row.via.length > 0 ? row.via : ['-'];
    out.push(`  ${row.title.padEnd(w1)}  ${row.subnets.padEnd(w2)}  ${LABEL[row.verdict].padEnd(w3)}  ${first}`);
    for (const line of rest) out.push(`  ${''.padEnd(w1)}  ${''.padEnd(w2)}  ${''.padEnd(w3)}  ${line}`);
  }
  return out;
}

function subnetsLabel(checks: PathCheck[], all: readonly Subnet[]): string {
  const subnets = checks.map((c) => c.subnet).filter((s): s is Subnet => s !== undefined);
  if (subnets.length === 0) return '-';
  if (all.length > 1 && all.every((s) => subnets.includes(s))) return `all ${all.length}`;
  return [...new Set(subnets.map((s) => s.label))].join(', ');
}

function viaText(via: Via): string {
  return `${via.resource.stack} ${via.resource.address}: ${via.note}`;
}

interface ProblemGroup {
  readonly checks: PathCheck[];
}

function groupProblems(checks: PathCheck[]): ProblemGroup[] {
  return groupBy(checks, (c) => `${c.title}|${c.verdict}|${c.awsError ?? ''}`).map((group) => ({ checks: group }));
}

function renderProblem(group: ProblemGroup): string[] {
  const first = group.checks[0];
  const subnets = group.checks.map((c) => c.subnet?.label).filter((s): s is string => s !== undefined);
  const where = subnets.length > 0 ? ` (subnets ${[...new Set(subnets)].join(', ')})` : '';
  const head = first.verdict === 'unknown' ? 'UNKNOWN (known only after apply, or outside the inputs; not counted as a failure)' : LABEL[first.verdict];
  const lines = [`  ${head}: ${first.title}${where}`];
  if (first.awsError) lines.push(`    AWS would report: ${first.awsError}`);
  const reasons = dedupe(group.checks.map((c) => (group.checks.length > 1 && c.subnet ? `${c.subnet.label}: ${c.reason}` : c.reason)));
  if (reasons.length === 1) lines.push(`    Why: ${reasons[0]}`);
  else lines.push('    Why:', ...reasons.map((r) => `      - ${r}`));
  const fixes = dedupe(group.checks.flatMap((c) => c.fix ?? []));
  if (fixes.length === 1) lines.push(`    Fix: ${fixes[0]}`);
  else if (fixes.length > 1) lines.push('    Fix:', ...fixes.map((f) => `      - ${f}`));
  return lines;
}

function groupBy<T>(items: readonly T[], key: (item: T) => string): T[][] {
  const groups = new Map<string, T[]>();
  for (const item of items) groups.set(key(item), [...(groups.get(key(item)) ?? []), item]);
  return [...groups.values()];
}

function dedupe(values: string[]): string[] {
  return [...new Set(values)];
}

/** The report as JSON (for CI): every check, not merged, with its resources. */
export function renderJson(report: PreflightReport): string {
  const c = counts(report);
  return (
    JSON.stringify(
      {
        source: report.source,
        stacks: report.stacks,
        ok: c.fail === 0,
        summary: { services: report.services.length, ...c },
        services: report.services.map(({ service, checks, notes }) => ({
          environment: service.environment,
          region: service.region ?? null,
          account: service.stack.account ?? null,
          service: service.name,
          stack: service.stack.name,
          address: service.resource.address,
          notes,
          checks: checks.map((check) => ({
            path: check.path,
            title: check.title,
            subnet: check.subnet ? { stack: check.subnet.resource.stack, address: check.subnet.resource.address, name: check.subnet.label, az: check.subnet.az ?? null, cidr: check.subnet.cidr ?? null } : null,
            verdict: check.verdict,
            reason: check.reason,
            awsError: check.awsError ?? null,
            fix: check.fix ?? [],
            via: check.via.map((v) => ({ stack: v.resource.stack, address: v.resource.address, constructPath: v.resource.constructPath ?? null, note: v.note })),
          })),
        })),
      },
      null,
      2,
    ) + '\n'
  );
}

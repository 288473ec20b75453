/**
 * The human-readable cost report: per environment, the fixed monthly lines with their
 * arithmetic, the endpoints-versus-NAT comparison and break-even, then what is usage-based
 * and what was assumed. Plain text, so it reads the same in a terminal and a CI log.
 */
import { BreakEven, EgressOption, EnvironmentCost, money, unitPrice } from './model';
import type { CostReport } from './report';

export function formatReport(report: CostReport): string {
  const out = [`Monthly cost estimate of the stacks in ${report.outdir}`, wrap(report.basis, 100), ''];
  for (const env of report.environments) out.push(...formatEnvironment(env), '');
  return `${out.join('\n').trimEnd()}\n`;
}

function formatEnvironment(env: EnvironmentCost): string[] {
  const lines: string[] = [
    `== ${env.name} (${env.region}; stacks: ${env.stacks.join(', ')}) ==`,
    `Prices: ${env.pricingFile}, read ${env.pricesRead.join(', ')}`,
    '',
  ];
  const rows = env.lines.map((l) => [l.label, l.detail, money(l.monthlyUsd)]);
  rows.push(['Fixed monthly total', '', money(env.fixedMonthlyUsd)]);
  lines.push(...table(rows, { rightAlignLast: true, ruleBeforeLast: true }).map((r) => `  ${r}`));

  lines.push('', '  Egress to ECR and CloudWatch Logs (fixed per month + per GB processed):');
  const options = env.egress.options.map((o: EgressOption) => [
    `${o.synthesized ? '*' : ' '} ${o.label}`,
    `${money(o.fixedMonthlyUsd)} + ${unitPrice(o.perGbUsd)}/GB`,
    `environment total ${money(o.environmentMonthlyUsd)}`,
    o.synthesized ? '(synthesized)' : '',
  ]);
  lines.push(...table(options, {}).map((r) => `   ${r}`));
  lines.push(...wrap(`Break-even: ${env.egress.breakEven.map(describeBreakEven).join('; ')}.`, 96).split('\n').map((l) => `  ${l}`));

  lines.push('', '  Usage-based, not estimated:', ...env.notes.map((n) => `    - ${n}`));
  if (env.warnings.length > 0) lines.push('', '  Assumptions and unpriced resources:', ...env.warnings.map((w) => `    - ${w}`));
  return lines;
}

function describeBreakEven(b: BreakEven): string {
  const nat = b.against === 'nat-single' ? 'one NAT gateway' : 'one NAT gateway per AZ';
  switch (b.endpointsCheaper) {
    case 'always':
      return `the endpoints cost less than ${nat} at any volume`;
    case 'never':
      return `${nat} costs less than the endpoints at any volume`;
    case 'above':
      return `the endpoints cost less than ${nat} above ${gb(b.gbPerMonth)} a month`;
    case 'below':
      return `the endpoints cost less than ${nat} below ${gb(b.gbPerMonth)} a month`;
  }
}

function gb(value: number | null): string {
  return `${(value ?? 0).toFixed(1)} GB`;
}

/** Left-aligned columns (the last right-aligned when asked), trailing blanks trimmed. */
function table(rows: string[][], options: { rightAlignLast?: boolean; ruleBeforeLast?: boolean }): string[] {
  const columns = Math.max(...rows.map((r) => r.length));
  const widths = Array.from({ length: columns }, (_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  const render = (row: string[]) =>
    row
      .map((cell, i) => (options.rightAlignLast && i === columns - 1 ? cell.padStart(widths[i]) : cell.padEnd(widths[i])))
      .join('  ')
      .trimEnd();
  const rendered = rows.map(render);
  if (options.ruleBeforeLast && rendered.length > 1) {
    const width = widths.reduce((a, b) => a + b, 0) + 2 * (columns - 1);
    rendered.splice(rendered.length - 1, 0, '-'.repeat(width));
  }
  return rendered;
}

/** Wraps prose at word boundaries. */
function wrap(text: string, width: number): string {
  const out: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/)) {
    if (line && line.length + 1 + word.length > width) {
      out.push(line);
      line = word;
    } else {
      line = line ? `${line} ${word}` : word;
    }
  }
  if (line) out.push(line);
  return out.join('\n');
}

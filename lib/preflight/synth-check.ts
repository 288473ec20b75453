/**
 * The checks `npm run synth` runs on the freshly synthesized (temporary) output before it
 * replaces `cdktf.out`: the guardrails on the final JSON (which also sees stack-level
 * overrides the per-element Aspect cannot) and the preflight. Either refuses the output by
 * throwing, so the previous `cdktf.out` stays. Pure JSON analysis: milliseconds.
 */
import { checkGuardrails, GuardrailError } from '../../modules/guardrails';
import { analyze } from './analyze';
import { readSynthesized } from './read-synth';
import { renderText } from './report';
import { counts, PreflightReport } from './types';

/** Thrown by the synth when the preflight finds a path that fails; the message is the report. */
export class PreflightError extends Error {
  constructor(
    message: string,
    readonly report: PreflightReport,
  ) {
    super(message);
    this.name = 'PreflightError';
  }
}

export interface SynthCheck {
  readonly report: PreflightReport;
  /** Lines worth printing on success: guardrail suppressions in effect, preflight warnings. */
  readonly notices: string[];
}

/**
 * Runs the guardrails and the preflight on a synthesized folder. Throws GuardrailError or
 * PreflightError (whose message is the report of the failing paths) when the output must
 * not be used.
 */
export function checkSynthesized(outdir: string, source = 'the synthesized stacks'): SynthCheck {
  const stacks = readSynthesized(outdir);
  const { violations, suppressed } = checkGuardrails(stacks);
  if (violations.length > 0) throw new GuardrailError(violations);
  const report = analyze(stacks, source);
  if (counts(report).fail > 0) {
    throw new PreflightError(`Preflight: tasks would fail to start, so the synth is refused.\n${renderText(report, { failuresOnly: true }).trimEnd()}`, report);
  }
  const notices = [
    ...suppressed.map((s) => `guardrail ${s.rule} suppressed on [${s.constructPath ?? `${s.stack} ${s.address}`}]: ${s.reason}`),
    ...report.services.flatMap((s) =>
      s.checks.filter((c) => c.verdict === 'warn').map((c) => `preflight warning: ${s.service.stack.name} ${c.title}${c.subnet ? ` (${c.subnet.label})` : ''}: ${c.reason}`),
    ),
  ];
  return { report, notices };
}

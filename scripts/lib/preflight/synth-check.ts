/**
 * The preflight as a step of `npm run synth`: runs on the freshly synthesized (temporary)
 * output and refuses it when a task could not start, so the previous `cdktf.out` stays.
 * Pure JSON analysis: it adds milliseconds, not seconds.
 */
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

/** Runs the preflight on a synthesized folder; throws PreflightError when a path fails. Returns the report. */
export function assertTasksCanStart(outdir: string, source = 'the synthesized stacks'): PreflightReport {
  const report = analyze(readSynthesized(outdir), source);
  if (counts(report).fail > 0) {
    throw new PreflightError(renderText(report, { failuresOnly: true }).trimEnd(), report);
  }
  return report;
}

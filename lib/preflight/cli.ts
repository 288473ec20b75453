/**
 * `npm run preflight [-- [--json] [<plan.json | synth folder> ...]]`
 *
 * Without arguments it reads the synthesized stacks in `cdktf.out` (or `CDKTF_OUTDIR`).
 * Arguments are `terraform show -json` plan files (one per stack; give every stack whose
 * resources the services use, so cross-stack references resolve) or synthesized folders.
 * Exit code: 0 when no path fails (warnings and paths unknown before apply are reported),
 * 1 when a path fails, 2 when the input cannot be read.
 */
import { existsSync, statSync } from 'node:fs';
import { analyze } from './analyze';
import { PlanFormatError, readPlanFile } from './read-plan';
import { MissingInputError, readSynthesized } from './read-synth';
import { renderJson, renderText } from './report';
import type { TfStack } from './tf';
import { counts, PreflightReport } from './types';

interface Writer {
  write(text: string): unknown;
}

export const USAGE = `Usage: npm run preflight [-- [--json] [<plan.json | synthesized folder> ...]]

Checks, from the Terraform configuration alone, that the tasks of every ECS service can
start: ECR, S3 image layers, CloudWatch Logs, secrets, ECS Exec and Service Connect paths
per subnet, the VPC's DNS, and the load balancer's path to the tasks.

  (no arguments)   read the synthesized stacks in cdktf.out (or $CDKTF_OUTDIR)
  <plan.json>      a \`terraform show -json <planfile>\` document; give one per stack
  <folder>         a synthesized output folder (with manifest.json)
  --json           print the report as JSON

Exit code: 0 when no path fails, 1 when one does, 2 when the input cannot be read.
`;

/** Reads the inputs: plan files and synthesized folders, or the default output folder. */
export function loadInputs(inputs: readonly string[], env: NodeJS.ProcessEnv): { stacks: TfStack[]; source: string } {
  if (inputs.length === 0) {
    const outdir = env.CDKTF_OUTDIR ?? 'cdktf.out';
    return { stacks: readSynthesized(outdir), source: outdir };
  }
  const stacks: TfStack[] = [];
  for (const input of inputs) {
    if (!existsSync(input)) throw new MissingInputError(`${input}: no such file or folder`);
    if (statSync(input).isDirectory()) stacks.push(...readSynthesized(input));
    else stacks.push(readPlanFile(input));
  }
  const names = stacks.map((s) => s.name);
  const duplicate = names.find((n, i) => names.indexOf(n) !== i);
  if (duplicate) throw new MissingInputError(`two inputs hold the stack ${duplicate}; give each stack once`);
  return { stacks, source: inputs.join(', ') };
}

export function runPreflight(argv: readonly string[], env: NodeJS.ProcessEnv, stdout: Writer, stderr: Writer): number {
  const json = argv.includes('--json');
  if (argv.includes('--help') || argv.includes('-h')) {
    stdout.write(USAGE);
    return 0;
  }
  const unknownFlag = argv.find((a) => a.startsWith('-') && a !== '--json');
  if (unknownFlag) {
    stderr.write(`preflight: unknown option ${unknownFlag}\n\n${USAGE}`);
    return 2;
  }
  let report: PreflightReport;
  try {
    const { stacks, source } = loadInputs(argv.filter((a) => a !== '--json'), env);
    report = analyze(stacks, source);
  } catch (error) {
    if (error instanceof MissingInputError || error instanceof PlanFormatError) {
      stderr.write(`preflight: ${error.message}\n`);
      return 2;
    }
    throw error;
  }
  stdout.write(json ? renderJson(report) : renderText(report));
  return counts(report).fail > 0 ? 1 : 0;
}

/**
 * npm run atlantis [-- --check]
 *   Synthesizes the app into a temporary folder and writes atlantis.yaml from its manifest
 *   (one project per stack) and the stacks' fingerprint files (fingerprints/<stack>.txt).
 *   --check writes nothing and exits 1 when any of them is stale.
 *
 * npm run atlantis:synth [-- --project <stack>]
 *   What Atlantis runs: synthesizes the app and refreshes ci-cdktf.out/ (all stacks, or the
 *   one project's stack) in place, keeping .terraform/ and pending plan files.
 *   Used by the server's pre_workflow_hook and the first step of the `cdktf` workflow.
 *   Without --project (the hook) it also exits 1 when the committed atlantis.yaml or
 *   fingerprint files do not match the synthesized stacks.
 *
 * npm run atlantis:report -- --project <stack> [--base <ref>]
 *   The step after the plan: the preflight verdict of the services the stack can affect and
 *   the monthly cost delta of the change against the base revision (lib/atlantis/project-report.ts).
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { runSynth } from '../../main';
import { ATLANTIS_FILE, atlantisSynth, CI_OUTDIR, generateRepoFiles } from './repo-config';
import { projectReport } from './project-report';
import { FINGERPRINTS_DIR, staleFingerprintFiles, writeFingerprintFiles } from '../changes/fingerprint-files';
import { REPO_ROOT } from '../terraform/locks';

function synthInto(outdir: string): number {
  return runSynth({ ...process.env, CDKTF_OUTDIR: outdir }, process.stderr);
}

/**
 * The generated files that differ from the committed ones under `root`: atlantis.yaml and
 * fingerprint files (outdated or missing), and fingerprint files of stacks that are gone.
 */
export function staleRepoFiles(outdir: string, root = REPO_ROOT): { expected: Map<string, string>; stale: string[] } {
  const expected = generateRepoFiles(outdir);
  const fingerprints = new Map([...expected].filter(([file]) => file !== ATLANTIS_FILE));
  const atlantis = path.join(root, ATLANTIS_FILE);
  const yamlStale = !existsSync(atlantis) || readFileSync(atlantis, 'utf8') !== expected.get(ATLANTIS_FILE);
  const { outdated, extra } = staleFingerprintFiles(root, fingerprints);
  return { expected, stale: [...(yamlStale ? [ATLANTIS_FILE] : []), ...outdated, ...extra] };
}

const STALE_HINT = 'run `npm run regenerate` (or `npm run atlantis`) and commit the result';

function generate(check: boolean): number {
  const scratch = mkdtempSync(path.join(os.tmpdir(), 'atlantis-yaml-'));
  try {
    const outdir = path.join(scratch, 'out');
    const code = synthInto(outdir);
    if (code !== 0) return code;
    const { expected, stale } = staleRepoFiles(outdir);
    if (stale.length === 0) {
      process.stdout.write(`${ATLANTIS_FILE} and ${FINGERPRINTS_DIR}/ are up to date.\n`);
      return 0;
    }
    if (check) {
      process.stderr.write(`Out of date: ${stale.join(', ')}: ${STALE_HINT}.\n`);
      return 1;
    }
    writeFileSync(path.join(REPO_ROOT, ATLANTIS_FILE), expected.get(ATLANTIS_FILE)!);
    expected.delete(ATLANTIS_FILE);
    writeFingerprintFiles(REPO_ROOT, expected);
    process.stdout.write(`wrote ${stale.join(', ')}\n`);
    return 0;
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

function synth(args: string[]): number {
  const at = args.indexOf('--project');
  const project = at >= 0 ? args[at + 1] : undefined;
  if (at >= 0 && !project) throw new Error('--project needs a stack name');
  const { code, stacks } = atlantisSynth(synthInto, { project });
  if (code !== 0) return code;
  process.stdout.write(`Synthesized ${stacks.join(', ')} into ${CI_OUTDIR}/\n`);
  if (project) return 0;
  // The pre-workflow hook: Atlantis picks the projects to autoplan from the fingerprint files
  // the pull request changes, so files that do not match its code would plan the wrong stacks.
  const { stale } = staleRepoFiles(path.join(REPO_ROOT, CI_OUTDIR));
  if (stale.length === 0) return 0;
  process.stderr.write(`The pull request's generated files do not match its code (${stale.join(', ')}), so Atlantis would not autoplan the stacks it changes: ${STALE_HINT}.\n`);
  return 1;
}

function report(args: string[]): number {
  const at = args.indexOf('--project');
  const project = at >= 0 ? args[at + 1] : undefined;
  if (!project) throw new Error('--project needs a stack name');
  const base = args.includes('--base') ? args[args.indexOf('--base') + 1] : undefined;
  process.stdout.write(projectReport({ root: REPO_ROOT, outdir: path.join(REPO_ROOT, CI_OUTDIR), project, baseRef: base, env: process.env }));
  return 0;
}

/** The command: `npm run atlantis [-- --check]` / `npm run atlantis:synth`; returns the exit code. */
export function main(argv: string[]): number {
  const [first, ...rest] = argv;
  if (first === 'synth') return synth(rest);
  if (first === 'report') return report(rest);
  const unknown = argv.filter((a) => a !== '--check');
  if (unknown.length > 0) {
    process.stderr.write(`Unknown argument(s): ${unknown.join(' ')}\nUsage: npm run atlantis [-- --check] | npm run atlantis:synth [-- --project <stack>] | npm run atlantis:report -- --project <stack> [--base <ref>]\n`);
    return 2;
  }
  return generate(argv.includes('--check'));
}

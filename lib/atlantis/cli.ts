/**
 * npm run atlantis [-- --check]
 *   Synthesizes the app into a temporary folder and writes atlantis.yaml from its manifest
 *   (one project per stack) and the stacks' fingerprint files (fingerprints/<stack>.txt).
 *   --check writes nothing and exits 1 when any of them is stale.
 *
 * npm run atlantis:synth [-- --project <stack>]
 *   What Atlantis runs: synthesizes the app and refreshes ci-cdktf.out/ (all stacks, or the
 *   one project's stack) in place, keeping .terraform/ and pending plan files.
 *   Used by the server's pre_workflow_hook, before every command. Without --project (the
 *   hook) it also exits 1 when the committed atlantis.yaml or fingerprint files do not match
 *   the synthesized stacks (checked for the committed configuration only).
 *
 * npm run atlantis:report -- --project <stack> [--base <ref>]
 *   The step after the plan: the preflight verdict of the services the stack can affect and
 *   the monthly cost delta of the change against the base revision (lib/atlantis/project-report.ts).
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parse } from 'yaml';
import { configPathFromEnv } from '../../config/load';
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

/**
 * atlantis.yaml is committed and checked by the tests against the committed configuration:
 * generating it from another one (INFRA_CONFIG) or part of one (ENVIRONMENTS) would leave
 * the repository inconsistent, so it is refused.
 */
export function generatorRefusal(env: NodeJS.ProcessEnv): string | undefined {
  const set = ['INFRA_CONFIG', 'ENVIRONMENTS'].filter((name) => env[name]);
  if (set.length === 0) return undefined;
  return [
    `${set.map((name) => `${name}=${env[name]}`).join(' ')} is set: \`npm run atlantis\` writes ${ATLANTIS_FILE} from the committed config/environments.yaml only,`,
    'the configuration CI, the tests and Atlantis use. Unset it to regenerate; to deploy your own configuration, put it in',
    'config/environments.yaml (docs/configuration.md, "Which configuration is used").',
  ].join('\n');
}

function generate(check: boolean): number {
  const refusal = generatorRefusal(process.env);
  if (refusal) {
    process.stderr.write(`${refusal}\n`);
    return 1;
  }
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
  const config = path.relative(REPO_ROOT, configPathFromEnv(process.env));
  process.stdout.write(`Synthesized ${stacks.join(', ')} into ${CI_OUTDIR}/ from ${config}\n`);
  const file = path.join(REPO_ROOT, ATLANTIS_FILE);
  const unplanned = project || !existsSync(file) ? undefined : projectsNotSynthesized(stacks, process.env, readFileSync(file, 'utf8'));
  if (unplanned) {
    process.stderr.write(`${unplanned}\n`);
    return 1;
  }
  // The pre-workflow hook: Atlantis picks the projects to autoplan from the fingerprint files
  // the pull request changes, so files that do not match its code would plan the wrong stacks.
  // They are generated from the committed configuration only (see generatorRefusal).
  if (project || generatorRefusal(process.env)) return 0;
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

/**
 * With INFRA_CONFIG set on the server, the hook synthesizes that file, while atlantis.yaml
 * lists the stacks of the committed one: a project whose stack was not synthesized would be
 * planned from a stale folder or not at all, so say so instead.
 */
export function projectsNotSynthesized(stacks: readonly string[], env: NodeJS.ProcessEnv, atlantisYaml: string): string | undefined {
  if (!env.INFRA_CONFIG) return undefined;
  const projects = ((parse(atlantisYaml) as { projects?: Array<{ name: string }> }).projects ?? []).map((p) => p.name);
  const missing = projects.filter((name) => !stacks.includes(name));
  if (missing.length === 0) return undefined;
  return [
    `${ATLANTIS_FILE} has projects that INFRA_CONFIG=${env.INFRA_CONFIG} does not synthesize: ${missing.join(', ')}.`,
    `${ATLANTIS_FILE} is generated from the committed config/environments.yaml: put that configuration there and run`,
    '`npm run atlantis`, or unset INFRA_CONFIG on the Atlantis server.',
  ].join('\n');
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

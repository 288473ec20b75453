/**
 * npm run atlantis [-- --check]
 *   Synthesizes the app into a temporary folder and writes atlantis.yaml from its manifest
 *   (one project per stack). --check writes nothing and exits 1 when atlantis.yaml is stale.
 *
 * npm run atlantis:synth [-- --project <stack>]
 *   What Atlantis runs: synthesizes the app and refreshes ci-cdktf.out/ (all stacks, or the
 *   one project's stack) in place, keeping .terraform/ and pending plan files.
 *   Used by the server's pre_workflow_hook and the first step of the `cdktf` workflow.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parse } from 'yaml';
import { configPathFromEnv } from '../../config/load';
import { runSynth } from '../../main';
import { ATLANTIS_FILE, atlantisSynth, CI_OUTDIR, generateAtlantisYaml } from './repo-config';
import { REPO_ROOT } from '../terraform/locks';

function synthInto(outdir: string): number {
  return runSynth({ ...process.env, CDKTF_OUTDIR: outdir }, process.stderr);
}

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
    const text = generateAtlantisYaml(outdir);
    const file = path.join(REPO_ROOT, ATLANTIS_FILE);
    const current = existsSync(file) ? readFileSync(file, 'utf8') : undefined;
    if (current === text) {
      process.stdout.write(`${ATLANTIS_FILE} is up to date.\n`);
      return 0;
    }
    if (check) {
      process.stderr.write(`${ATLANTIS_FILE} is ${current === undefined ? 'missing' : 'out of date'}: run \`npm run atlantis\` and commit it.\n`);
      return 1;
    }
    writeFileSync(file, text);
    process.stdout.write(`wrote ${ATLANTIS_FILE}\n`);
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
  const unknown = argv.filter((a) => a !== '--check');
  if (unknown.length > 0) {
    process.stderr.write(`Unknown argument(s): ${unknown.join(' ')}\nUsage: npm run atlantis [-- --check] | npm run atlantis:synth [-- --project <stack>]\n`);
    return 2;
  }
  return generate(argv.includes('--check'));
}

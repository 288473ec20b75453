/**
 * The Atlantis side of the project: `atlantis.yaml` generated from the synthesized app, and
 * the synth step the Atlantis workflow runs.
 *
 * Atlantis plans a project in its `dir`, which must exist when Atlantis looks for modified
 * projects (server/events/project_finder.go skips a project whose dir does not exist). The
 * stacks are synthesized into `ci-cdktf.out/` (cdktf's name for the Atlantis output folder)
 * by a server-side pre_workflow_hook (docs/atlantis/repos.yaml) before Atlantis looks, and
 * again by the first step of the project's plan workflow, so the plan always comes from the
 * pull request's code. Projects are declared explicitly, one per stack with remote state,
 * and autoplan on the TypeScript sources, configuration and lock file of the stack, not on
 * the generated files, so `ci-cdktf.out/` can stay gitignored (see .gitignore).
 */
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, statSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { stringify } from 'yaml';
import { StackCredentials, stackCredentials, withProfile } from './accounts';
import { executionGroups, ManifestStack, readManifest } from './manifest';
import { LOCK_FILE_NAME, REPO_ROOT, SHARED_LOCK_FILE } from '../terraform/locks';

/** Where Atlantis's copy of the synthesized stacks lives, relative to the repository root. */
export const CI_OUTDIR = 'ci-cdktf.out';
export const ATLANTIS_FILE = 'atlantis.yaml';
export const WORKFLOW_NAME = 'cdktf';
/** The app's entry point: its import closure is what shapes the stacks. */
export const APP_ENTRY = 'main.ts';
/** Root files that shape every stack besides the TypeScript sources: provider and library versions, cdktf settings. */
export const SHAPING_ROOT_FILES = ['cdktf.json', 'package.json', 'package-lock.json'];

/** The commands of the workflow's run steps (POSIX sh; Atlantis runs them in the project dir). */
export const SYNTH_STEP = 'cd "${DIR%/$REPO_REL_DIR}" && npm run --silent atlantis:synth -- --project "$PROJECT_NAME"';
/**
 * The Terraform version every project pins (`terraform_version`): Atlantis downloads it if
 * the server's default differs, and puts it on the PATH of run steps as
 * `terraform<version>` ($ATLANTIS_TERRAFORM_VERSION), so all steps use one binary.
 */
export const TERRAFORM_VERSION = '1.11.4';
/**
 * A run step, not the built-in init: the built-in one deletes a lock file that git does not
 * track (ours is copied in by the synth) and then adds -upgrade, which -lockfile=readonly refuses.
 */
export const INIT_STEP = 'terraform${ATLANTIS_TERRAFORM_VERSION} init -input=false -no-color -lockfile=readonly';

/**
 * Repository-relative paths of the TypeScript files `entry` imports, directly or not
 * (relative imports only; packages are covered by package-lock.json).
 */
export function importClosure(entry: string, root = REPO_ROOT): string[] {
  const seen = new Set<string>();
  const specifier = /(?:import|export)\s[^'"]*?from\s*['"](\.[^'"]+)['"]|import\s*\(?\s*['"](\.[^'"]+)['"]|require\(\s*['"](\.[^'"]+)['"]\s*\)/g;
  const resolve = (fromFile: string, spec: string): string | undefined => {
    const base = path.resolve(path.dirname(fromFile), spec);
    for (const candidate of [base, `${base}.ts`, path.join(base, 'index.ts')]) {
      if (existsSync(candidate) && statSync(candidate).isFile()) return candidate;
    }
    return undefined;
  };
  const visit = (file: string) => {
    if (seen.has(file)) return;
    seen.add(file);
    if (!file.endsWith('.ts')) return;
    for (const match of readFileSync(file, 'utf8').matchAll(specifier)) {
      const target = resolve(file, match[1] ?? match[2] ?? match[3]);
      if (target) visit(target);
    }
  };
  visit(path.join(root, entry));
  return [...seen].map((f) => path.relative(root, f).split(path.sep).join('/')).sort();
}

/**
 * `autoplan.when_modified` of a stack, relative to its dir: the app's root files, every
 * folder holding a file of the app's import closure (all of it: TypeScript and the data
 * files read at run time, such as config/environments.yaml; a folder inside another one
 * is covered by it), and the provider lock file (one for every stack, so `_stack` is unused).
 */
export function whenModified(_stack: string, dir: string, closure: readonly string[]): string[] {
  const up = dir.split('/').map(() => '..').join('/');
  const rootFiles = closure.filter((f) => !f.includes('/'));
  const dirs = [...new Set(closure.filter((f) => f.includes('/')).map((f) => path.posix.dirname(f)))];
  const folders = dirs.filter((d) => !dirs.some((other) => d.startsWith(`${other}/`))).sort();
  return [
    ...[...rootFiles, ...SHAPING_ROOT_FILES].map((f) => `${up}/${f}`),
    ...folders.map((d) => `${up}/${d}/**`),
    `${up}/locks/${SHARED_LOCK_FILE}`,
  ];
}

export interface AtlantisProject {
  name: string;
  dir: string;
  workspace: string;
  workflow: string;
  terraform_version: string;
  autoplan: { enabled: boolean; when_modified: string[] };
  depends_on?: string[];
  execution_order_group: number;
}

export interface AtlantisConfig {
  version: 3;
  parallel_plan: boolean;
  parallel_apply: boolean;
  abort_on_execution_order_fail: boolean;
  projects: AtlantisProject[];
  workflows: Record<string, { plan: { steps: unknown[] }; apply: { steps: unknown[] } }>;
}

/** The workflow of every project: synthesize, init with the committed lock file read-only, plan; apply that plan. */
const BASE_WORKFLOW = {
  plan: {
    steps: [{ env: { name: 'CHECKPOINT_DISABLE', value: '1' } }, { run: SYNTH_STEP }, { run: INIT_STEP }, 'plan'] as unknown[],
  },
  apply: { steps: ['apply'] as unknown[] },
};

/**
 * The backend type of a synthesized stack (`s3`, `local`, ...), `local` when it has none.
 */
export function backendOf(outdir: string, stack: ManifestStack): string {
  const json = JSON.parse(readFileSync(path.join(outdir, stack.workingDirectory, 'cdk.tf.json'), 'utf8')) as { terraform?: { backend?: Record<string, unknown> } };
  return Object.keys(json.terraform?.backend ?? {})[0] ?? 'local';
}

/**
 * The repo config for a synthesized app: one project per stack, in the manifest's order,
 * except the stacks in `localState`: Atlantis throws its clone away, and with it a local
 * state file (the bootstrap stack keeps its state locally until it is migrated to S3).
 */
export function atlantisConfig(
  stacks: readonly ManifestStack[],
  closure: readonly string[],
  localState: readonly string[] = [],
  credentials: ReadonlyMap<string, StackCredentials> = new Map(),
): AtlantisConfig {
  const groups = executionGroups(stacks);
  const planned = stacks.filter((s) => !localState.includes(s.name));
  return {
    version: 3,
    parallel_plan: true,
    // Applies run group by group (execution_order_group), stopping at the first failed group.
    parallel_apply: true,
    abort_on_execution_order_fail: true,
    projects: planned.map((stack) => {
      const dir = `${CI_OUTDIR}/${stack.workingDirectory}`;
      const dependsOn = stack.dependencies.filter((d) => !localState.includes(d));
      return {
        name: stack.name,
        dir,
        workspace: 'default',
        workflow: credentials.get(stack.name)?.workflow ?? WORKFLOW_NAME,
        terraform_version: TERRAFORM_VERSION,
        autoplan: { enabled: true, when_modified: whenModified(stack.name, dir, closure) },
        ...(dependsOn.length > 0 ? { depends_on: dependsOn } : {}),
        execution_order_group: groups.get(stack.name)!,
      };
    }),
    workflows: {
      [WORKFLOW_NAME]: BASE_WORKFLOW,
      // A pinned environment without a deploy role plans and applies with its own profile.
      ...Object.fromEntries(
        [...credentials].filter(([stack]) => planned.some((p) => p.name === stack)).map(([, c]) => [c.workflow, withProfile(BASE_WORKFLOW, c.profile)]),
      ),
    },
  };
}


const HEADER = `# Atlantis repo config. Generated by \`npm run atlantis\` from the synthesized app: do not edit;
# regenerate and commit it whenever stacks are added, removed or change their dependencies
# (a test fails while it is stale).
#
# One project per stack with remote state, planned in ${CI_OUTDIR}/stacks/<stack>. The
# server synthesizes the app into ${CI_OUTDIR}/ before it looks for projects
# (pre_workflow_hooks, see docs/atlantis/repos.yaml); the \`${WORKFLOW_NAME}\` workflow synthesizes
# the project again, initializes with the committed provider lock file read-only, plans to
# $PLANFILE and applies exactly that plan. depends_on and execution_order_group follow the
# stacks' dependencies.
`;

export function renderAtlantisYaml(config: AtlantisConfig, localState: readonly string[] = []): string {
  const left = localState.length === 0 ? '' : `#\n# Not a project: ${localState.join(', ')} (local state; apply by hand, docs/remote-state.md).\n`;
  return `${HEADER}${left}${stringify(config, { lineWidth: 0 })}`;
}

/** atlantis.yaml as `npm run atlantis` writes it for a synthesized output folder. */
export function generateAtlantisYaml(outdir: string, root = REPO_ROOT): string {
  const stacks = readManifest(outdir);
  const localState = stacks.filter((s) => backendOf(outdir, s) === 'local').map((s) => s.name);
  const credentials = stackCredentials(outdir, stacks, WORKFLOW_NAME);
  return renderAtlantisYaml(atlantisConfig(stacks, importClosure(APP_ENTRY, root), localState, credentials), localState);
}

/**
 * Refreshes Atlantis's copy of a stack from a fresh synth, in place: the synthesized files
 * are replaced (each by a rename, so a concurrent reader never sees half a file) and a lock
 * file that is no longer synthesized is removed, while whatever Terraform keeps there
 * (.terraform/, the plan file of a pending apply) stays.
 */
export function syncStack(fromOutdir: string, toOutdir: string, stack: ManifestStack): void {
  const from = path.join(fromOutdir, stack.workingDirectory);
  const to = path.join(toOutdir, stack.workingDirectory);
  mkdirSync(to, { recursive: true });
  const files = readdirSync(from).filter((f) => statSync(path.join(from, f)).isFile());
  for (const file of files) {
    const staging = path.join(to, `.${file}.sync-${process.pid}`);
    copyFileSync(path.join(from, file), staging);
    renameSync(staging, path.join(to, file));
  }
  if (!files.includes(LOCK_FILE_NAME)) rmSync(path.join(to, LOCK_FILE_NAME), { force: true });
}

/**
 * Synthesizes the app into a private temporary folder (so parallel project plans never
 * race) and syncs the result into `<root>/ci-cdktf.out`: every stack and the manifest, or
 * only `project`'s stack.
 */
export function atlantisSynth(
  synthesize: (outdir: string) => number,
  options: { project?: string; root?: string } = {},
): { code: number; stacks: string[] } {
  const target = path.join(options.root ?? REPO_ROOT, CI_OUTDIR);
  const scratch = mkdtempSync(path.join(os.tmpdir(), 'atlantis-synth-'));
  try {
    const outdir = path.join(scratch, 'out');
    const code = synthesize(outdir);
    if (code !== 0) return { code, stacks: [] };
    const stacks = readManifest(outdir);
    const selected = options.project ? stacks.filter((s) => s.name === options.project) : stacks;
    if (options.project && selected.length === 0) {
      throw new Error(`no stack named ${JSON.stringify(options.project)} (Atlantis project names are stack names): ${stacks.map((s) => s.name).join(', ')}`);
    }
    for (const stack of selected) syncStack(outdir, target, stack);
    if (!options.project) {
      mkdirSync(target, { recursive: true });
      copyFileSync(path.join(outdir, 'manifest.json'), path.join(target, 'manifest.json'));
    }
    return { code: 0, stacks: selected.map((s) => s.name) };
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

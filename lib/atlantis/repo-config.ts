/**
 * The Atlantis side of the project: `atlantis.yaml` generated from the synthesized app, and
 * the synth step the Atlantis workflow runs.
 *
 * Atlantis plans a project in its `dir`, which must exist when Atlantis looks for modified
 * projects (server/events/project_finder.go skips a project whose dir does not exist). The
 * stacks are synthesized into `ci-cdktf.out/` (cdktf's name for the Atlantis output folder)
 * by a server-side pre_workflow_hook (docs/atlantis/repos.yaml) before every command, so
 * Atlantis finds the dirs and every plan comes from the pull request's code. Projects are
 * declared explicitly, one per stack with remote state, and each autoplans on its committed
 * fingerprint file (fingerprints/<stack>.txt, written with atlantis.yaml), not on the
 * generated stacks, so `ci-cdktf.out/` can stay gitignored (see .gitignore) and a pull
 * request plans only the stacks it changes (docs/atlantis.md).
 */
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, statSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { stringify } from 'yaml';
import { StackCredentials, stackCredentials, withProfile } from './accounts';
import { executionGroups, ManifestStack, readManifest } from './manifest';
import { LOCK_FILE_NAME, REPO_ROOT } from '../terraform/locks';
import { fingerprintOutdir } from '../changes/fingerprint';
import { fingerprintFile, fingerprintFiles } from '../changes/fingerprint-files';

/** Where Atlantis's copy of the synthesized stacks lives, relative to the repository root. */
export const CI_OUTDIR = 'ci-cdktf.out';
export const ATLANTIS_FILE = 'atlantis.yaml';
export const WORKFLOW_NAME = 'cdktf';
/**
 * The workflow's run step after the plan (POSIX sh; Atlantis runs it in the project dir): the
 * preflight verdict of the services the project can affect and the change's monthly cost
 * delta, printed beside the plan in the pull request comment.
 *
 * There is no synth step: the server's pre-workflow hook synthesizes every stack from the
 * pull request's code before each command, in the same clone and under the same lock as the
 * command's plans, so a synth per project would only repeat it (50 times over for a change to
 * a module every service uses).
 */
export const REPORT_STEP = 'cd "${DIR%/$REPO_REL_DIR}" && npm run --silent atlantis:report -- --project "$PROJECT_NAME"';
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
 * `autoplan.when_modified` of a stack, relative to its dir: its fingerprint file only
 * (lib/changes/fingerprint-files.ts). The file changes exactly when something its plan
 * depends on changes (its Terraform JSON, the lock file, an output it reads), whatever source
 * file caused it, so a pull request autoplans the stacks it touches and no others.
 */
export function whenModified(stack: string, dir: string): string[] {
  const up = dir.split('/').map(() => '..').join('/');
  return [`${up}/${fingerprintFile(stack)}`];
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

/**
 * The workflow of every project: init with the committed lock file read-only (the hook has
 * synthesized), plan, report preflight and cost; apply that plan.
 */
const BASE_WORKFLOW = {
  plan: {
    steps: [{ env: { name: 'CHECKPOINT_DISABLE', value: '1' } }, { run: INIT_STEP }, 'plan', { run: REPORT_STEP }] as unknown[],
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
        autoplan: { enabled: true, when_modified: whenModified(stack.name, dir) },
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

const HEADER = `# Atlantis repo config. Generated by \`npm run atlantis\` from the synthesized app, with the
# stacks' fingerprint files (fingerprints/<stack>.txt): do not edit; regenerate and commit
# them with every change that alters a stack (a test and the server's pre-workflow hook fail
# while they are stale).
#
# A project autoplans only when its fingerprint file changes, i.e. when the pull request
# changes the stack's Terraform JSON, the lock file or a producer output it reads
# (docs/atlantis.md); \`atlantis plan -p <stack>\` plans any stack.
#
# One project per stack with remote state, planned in ${CI_OUTDIR}/stacks/<stack>. The
# server synthesizes the app into ${CI_OUTDIR}/ before it looks for projects
# (pre_workflow_hooks, see docs/atlantis/repos.yaml); the \`${WORKFLOW_NAME}\` workflow
# initializes with the committed provider lock file read-only, plans to $PLANFILE, prints the
# preflight verdict and the monthly cost delta of the change, and applies exactly that plan.
# depends_on and execution_order_group follow the stacks' dependencies.
`;

export function renderAtlantisYaml(config: AtlantisConfig, localState: readonly string[] = []): string {
  const left = localState.length === 0 ? '' : `#\n# Not a project: ${localState.join(', ')} (local state; apply by hand, docs/remote-state.md).\n`;
  return `${HEADER}${left}${stringify(config, { lineWidth: 0 })}`;
}

/** atlantis.yaml as `npm run atlantis` writes it for a synthesized output folder. */
export function generateAtlantisYaml(outdir: string): string {
  const stacks = readManifest(outdir);
  const localState = stacks.filter((s) => backendOf(outdir, s) === 'local').map((s) => s.name);
  const credentials = stackCredentials(outdir, stacks, WORKFLOW_NAME);
  return renderAtlantisYaml(atlantisConfig(stacks, localState, credentials), localState);
}

/**
 * Every file `npm run atlantis` generates for a synthesized output folder, by
 * repository-relative path: atlantis.yaml and the stacks' fingerprint files.
 */
export function generateRepoFiles(outdir: string): Map<string, string> {
  return new Map([[ATLANTIS_FILE, generateAtlantisYaml(outdir)], ...fingerprintFiles(fingerprintOutdir(outdir))]);
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

/**
 * The CDKTF app: builds every stack of every environment from the configuration.
 *
 *   npm run synth                    (the built-in config/environments.yaml)
 *   INFRA_CONFIG=my.yaml npm run synth
 *   ENVIRONMENTS=dev npm run synth   (only some environments)
 *   npx cdktf synth                  (same output, through the cdktf CLI)
 *
 * Bad configuration prints every problem with the key it concerns and exits 1; the
 * previous output folder is replaced only after a complete, successful synth that breaks
 * no guardrail and passes the preflight (docs/guardrails.md, "Preflight"). Terraform's
 * working files in the stack folders (.terraform/, plans, local state) are kept; while an
 * errored.tfstate waits to be pushed, the synth refuses (lib/synth/atomic.ts).
 */
// First, before cdktf loads: cheap stack traces unless DEBUG (lib/synth/stack-traces.ts).
import './lib/synth/stack-traces';
import { App, TerraformStack } from 'cdktf';
import { Construct } from 'constructs';
import * as path from 'node:path';
import { ConfigError, configPathFromEnv, loadConfigFile } from './config/load';
import type { ResolvedConfig } from './config/validate';
import { NetworkStack } from './stacks/network-stack';
import { PlatformStack } from './stacks/platform-stack';
import { ServiceStack } from './stacks/service-stack';
import { synthesizeAtomically, WorkingStateError } from './lib/synth/atomic';
import { StateStack } from './terraform-state/state-stack';
import { copyLockFiles } from './lib/terraform/locks';
import { GuardrailError, GUARDRAILS_ON_OUTPUT } from './modules/guardrails';
import { checkSynthesized, PreflightError } from './lib/preflight/synth-check';

/** Adds the stacks of the configuration to `app`, in dependency order. */
export function buildApp(app: Construct, config: ResolvedConfig): void {
  // First: the bootstrap that creates the state bucket the other stacks' backends use.
  new StateStack(app, { config });
  for (const environment of config.environments) {
    const network = new NetworkStack(app, { config, environment });
    const platform = new PlatformStack(app, { config, environment, network });
    // Services come callees first (config validation orders them), so callers can refer to them.
    const stacks = new Map<string, ServiceStack>();
    for (const service of environment.services) {
      const callees = service.calls.map((name) => stacks.get(name)!);
      stacks.set(service.name, new ServiceStack(app, { config, environment, service, network, platform, callees }));
    }
  }
}

/** Keeps the environments named in `ENVIRONMENTS` (comma-separated), all when unset. */
export function selectEnvironments(config: ResolvedConfig, selection: string | undefined, file: string): ResolvedConfig {
  if (!selection) return config;
  const wanted = selection.split(',').map((s) => s.trim()).filter(Boolean);
  const known = config.environments.map((e) => e.name);
  const unknown = wanted.filter((w) => !known.includes(w));
  if (wanted.length === 0) {
    // Only separators (ENVIRONMENTS=","): no environment would be synthesized, only the state bootstrap.
    throw new ConfigError(file, [{ path: 'ENVIRONMENTS', message: `${JSON.stringify(selection)} names no environment; list some of ${known.join(', ')}, or unset it for all` }]);
  }
  if (unknown.length > 0) {
    throw new ConfigError(file, unknown.map((name) => ({ path: 'ENVIRONMENTS', message: `no environment ${JSON.stringify(name)} in the configuration; valid: ${known.join(', ')}` })));
  }
  return { ...config, environments: config.environments.filter((e) => wanted.includes(e.name)) };
}

/**
 * Synthesizes the configuration named by `env` into `CDKTF_OUTDIR` (default `cdktf.out`).
 * Returns the process exit code; problems are written to `stderr` as plain messages. With
 * `stdout` (the command line), a successful synth ends with a one-line summary there.
 */
export function runSynth(env: NodeJS.ProcessEnv, stderr: { write(text: string): unknown }, stdout?: { write(text: string): unknown }): number {
  const started = performance.now();
  const file = configPathFromEnv(env);
  const outdir = env.CDKTF_OUTDIR ?? 'cdktf.out';
  try {
    const config = selectEnvironments(loadConfigFile(file), env.ENVIRONMENTS, file);
    let unlocked: string[] = [];
    let notices: string[] = [];
    let stacks = 0;
    synthesizeAtomically(
      outdir,
      (tmpdir) => {
        // checkSynthesized below runs the guardrails on the final JSON: not twice.
        const app = new App({ outdir: tmpdir, context: { [GUARDRAILS_ON_OUTPUT]: true } });
        buildApp(app, config);
        app.synth();
        stacks = app.node.children.filter((c) => c instanceof TerraformStack).length;
        // Guardrails on the final JSON and the preflight: refuse output whose tasks could not start.
        notices = checkSynthesized(tmpdir).notices;
        // Every stack folder gets the committed provider lock file (locks/providers.terraform.lock.hcl).
        unlocked = copyLockFiles(tmpdir);
      },
      // Run by the cdktf CLI (which passes the app its context in CDKTF_CONTEXT_JSON): the CLI
      // deletes the folders of stacks no longer synthesized itself, and fails if they are gone.
      { keepRemovedStackFolders: env.CDKTF_CONTEXT_JSON !== undefined },
    );
    if (unlocked.length > 0) stderr.write(`warning: no provider lock file for ${unlocked.join(', ')}: run \`npm run locks\` and commit locks/\n`);
    for (const notice of notices) stderr.write(`${notice}\n`);
    const seconds = ((performance.now() - started) / 1000).toFixed(1);
    stdout?.write(`Synthesized ${stacks} stacks from ${displayPath(file)} into ${displayPath(outdir)} in ${seconds} s\n`);
    return 0;
  } catch (error) {
    const expected = error instanceof ConfigError || error instanceof GuardrailError || error instanceof PreflightError || error instanceof WorkingStateError;
    const detail = expected ? error.message : `synth failed: ${(error as Error).message}`;
    stderr.write(`${detail}\n\nNothing was written; ${outdir} is unchanged.\n`);
    if (env.DEBUG && !expected) stderr.write(`${(error as Error).stack}\n`);
    return 1;
  }
}

/** A path as the user would type it: relative to the working folder when inside it. */
function displayPath(p: string): string {
  const relative = path.relative(process.cwd(), path.resolve(p));
  return relative && !relative.startsWith('..') && !path.isAbsolute(relative) ? relative : p;
}

if (require.main === module) process.exitCode = runSynth(process.env, process.stderr, process.stdout);

/**
 * What to tell a user whose Terraform cannot get the hashicorp/aws provider: without
 * registry access `terraform init` only says it could not connect to registry.terraform.io,
 * and nothing says how this project points Terraform at a provider mirror instead.
 *
 * Used by every command and test that runs Terraform (lib/terraform/offline.ts,
 * `npm run plan`/`apply`, `npm run locks`, the Terraform test suites).
 */
import { existsSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

/** The lines `terraform init` prints when it cannot get a provider (registry unreachable, mirror without it). */
const PROVIDER_FAILURES = [
  /could not connect to registry\.terraform\.io/i,
  /Failed to query available provider packages/i,
  /Failed to install provider/i,
  /was not found in any of the search locations/i,
];

/** The sample CLI configuration shipped for offline use, relative to the repository root. */
export const OFFLINE_CLI_CONFIG = 'docs/examples/terraformrc.offline';

/** The hint, one paragraph, appended to the output of a failed `terraform init`. */
export const PROVIDER_HINT = [
  'Hint: Terraform could not get the hashicorp/aws provider (no access to registry.terraform.io?). Point it at a provider mirror:',
  '  - TF_PLUGIN_MIRROR=/path/to/mirror (a folder holding registry.terraform.io/hashicorp/aws/5.100.0/<os>_<arch>/), for the npm scripts and tests; or',
  `  - TF_CLI_CONFIG_FILE=${OFFLINE_CLI_CONFIG} (edit its filesystem_mirror path), for any terraform or cdktf command; or`,
  '  - unpack the provider into ~/.terraform.d/plugins, where Terraform looks by itself.',
  '  See docs/workflows.md, "Offline".',
].join('\n');

/** True when Terraform's output says it could not get a provider package. */
export function isProviderFailure(output: string): boolean {
  return PROVIDER_FAILURES.some((re) => re.test(output));
}

/** `output` with the hint appended when it shows a provider failure (and has none yet). */
export function withProviderHint(output: string): string {
  return isProviderFailure(output) && !output.includes(PROVIDER_HINT) ? `${output.trimEnd()}\n\n${PROVIDER_HINT}\n` : output;
}

/**
 * Terraform's implied local mirror directories on Linux and other Unix systems (used when the
 * CLI configuration has no provider_installation block): ~/.terraform.d/plugins,
 * $XDG_DATA_HOME/terraform/plugins (~/.local/share) and each $XDG_DATA_DIRS entry
 * (/usr/local/share, /usr/share); macOS adds its Application Support folders.
 */
export function impliedMirrorDirs(env: NodeJS.ProcessEnv = process.env, home = os.homedir()): string[] {
  const dataHome = env.XDG_DATA_HOME || path.join(home, '.local', 'share');
  const dataDirs = (env.XDG_DATA_DIRS || '/usr/local/share:/usr/share').split(':').filter(Boolean);
  const dirs = [path.join(home, '.terraform.d', 'plugins'), ...[dataHome, ...dataDirs].map((d) => path.join(d, 'terraform', 'plugins'))];
  if (process.platform === 'darwin') {
    dirs.push(path.join(home, 'Library', 'Application Support', 'io.terraform', 'plugins'), '/Library/Application Support/io.terraform/plugins');
  }
  return dirs;
}

/** The folder a mirror keeps hashicorp/aws in. */
export function hasAwsProvider(mirror: string): boolean {
  return existsSync(path.join(mirror, 'registry.terraform.io', 'hashicorp', 'aws'));
}

/**
 * Where Terraform will get the provider from, as far as can be told without running it:
 * `mirror` (TF_PLUGIN_MIRROR, or an implied mirror directory holding hashicorp/aws),
 * `cli-config` (the user's own TF_CLI_CONFIG_FILE or ~/.terraformrc decides), or `registry`.
 */
export function providerSource(env: NodeJS.ProcessEnv = process.env, home = os.homedir()): 'mirror' | 'cli-config' | 'registry' {
  if (env.TF_PLUGIN_MIRROR) return 'mirror';
  if (env.TF_CLI_CONFIG_FILE && existsSync(env.TF_CLI_CONFIG_FILE)) return 'cli-config';
  if (existsSync(path.join(home, '.terraformrc'))) return 'cli-config';
  return impliedMirrorDirs(env, home).some(hasAwsProvider) ? 'mirror' : 'registry';
}

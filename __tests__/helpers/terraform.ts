import { spawnSync } from 'node:child_process';
import { terraformAvailable } from '../../lib/terraform/offline';
import { PROVIDER_HINT, providerSource } from '../../lib/terraform/provider-hint';

let providerProblem: string | undefined | null = null;

/**
 * Why Terraform cannot get the hashicorp/aws provider, or undefined: no mirror is configured
 * (TF_PLUGIN_MIRROR, a CLI config, an implied mirror directory) and registry.terraform.io
 * does not resolve. Checked once per test file, and only without a mirror.
 */
export function terraformProviderProblem(env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (providerProblem !== null && env === process.env) return providerProblem;
  let problem: string | undefined;
  if (providerSource(env) === 'registry') {
    const lookup = spawnSync(process.execPath, ['-e', "require('node:dns').lookup('registry.terraform.io', (e) => process.exit(e ? 1 : 0))"], { timeout: 10_000 });
    if (lookup.status !== 0) problem = `registry.terraform.io cannot be reached and no provider mirror is configured.\n${PROVIDER_HINT}`;
  }
  if (env === process.env) providerProblem = problem;
  return problem;
}

/**
 * `describe` for suites that need the terraform binary: skipped locally without it, but a
 * missing binary fails in CI (CI=true), so a green CI always means Terraform really ran.
 * Without a way to get the provider (no registry, no mirror) the suite is one failing test
 * that says how to configure a mirror, instead of every test failing on `terraform init`.
 */
export function describeWithTerraform(name: string, body: () => void): void {
  if (terraformAvailable()) {
    const problem = terraformProviderProblem();
    if (problem) {
      describe(name, () => {
        test('Terraform can get the hashicorp/aws provider', () => {
          throw new Error(problem);
        });
      });
    } else {
      describe(name, body);
    }
  } else if (process.env.CI === 'true') {
    describe(name, () => {
      test('terraform is installed', () => {
        throw new Error('terraform is not on the PATH, and CI=true: the Terraform tests must run in CI');
      });
    });
  } else {
    describe.skip(`${name} (terraform not installed)`, body);
  }
}

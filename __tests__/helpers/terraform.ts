import { terraformAvailable } from '../../lib/terraform/offline';

/**
 * `describe` for suites that need the terraform binary: skipped locally without it, but a
 * missing binary fails in CI (CI=true), so a green CI always means Terraform really ran.
 */
export function describeWithTerraform(name: string, body: () => void): void {
  if (terraformAvailable()) {
    describe(name, body);
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

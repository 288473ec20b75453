/**
 * The account checks of the AWS provider, run for real offline: the harness answers STS
 * locally (lib/terraform/offline-sts.ts), so `allowed_account_ids` and `assume_role` of the
 * synthesized providers are exercised instead of skipped. The multi-account example's
 * environment stacks are planned by examples-plan.tf.test.ts; here the bootstrap pinned to
 * the state account, and a stack whose credentials are in the wrong account.
 */
import * as path from 'node:path';
import { readFileSync } from 'node:fs';
import { parseDocument } from 'yaml';
import { validateConfigData } from '../config/load';
import { pinnedAccountHint } from '../lib/terraform/deploy-account';
import { describeFailure, planStacksOffline } from '../lib/terraform/offline';
import { Json, synthConfig } from './helpers/synth';
import { describeWithTerraform } from './helpers/terraform';

jest.setTimeout(300_000);

const EXAMPLE = path.join(__dirname, '..', 'config', 'examples', 'multi-account.yaml');

/** The example with dev only and without its deploy role: dev's provider is pinned and uses the caller's credentials as they are. */
function devPinnedWithoutRole() {
  const data = parseDocument(readFileSync(EXAMPLE, 'utf8')).toJS() as Json;
  delete data.environments.prod;
  delete data.environments.dev.deployRoleArn;
  return synthConfig(validateConfigData(data));
}

describeWithTerraform('AWS account checks in the offline plan', () => {
  test('the bootstrap, pinned to state.account, plans with the bucket and key policies', async () => {
    const synth = synthConfig(validateConfigData(parseDocument(readFileSync(EXAMPLE, 'utf8')).toJS()));
    const [result] = await planStacksOffline(synth.outdir, ['terraform-state'], { validate: false });
    if (!result.ok) throw new Error(describeFailure(result));
    expect(result.summary?.add).toBeGreaterThan(0);
  });

  test('with a deploy role, the caller\'s own account does not matter: the provider assumes the role and checks the role\'s account', async () => {
    const synth = synthConfig(validateConfigData(parseDocument(readFileSync(EXAMPLE, 'utf8')).toJS()));
    const [result] = await planStacksOffline(synth.outdir, ['dev-network'], { validate: false, callerAccount: '999999999999' });
    if (!result.ok) throw new Error(describeFailure(result));
  });

  test('credentials in another account: Terraform refuses to plan, naming that account; the runner names the environment and the expected one', async () => {
    const synth = devPinnedWithoutRole();
    const [result] = await planStacksOffline(synth.outdir, ['dev-network'], { validate: false, callerAccount: '444455556666' });
    expect(result.ok).toBe(false);
    expect(result.failedStep).toBe('plan');
    expect(result.steps[result.steps.length - 1].stderr).toMatch(/AWS account ID not allowed: 444455556666/);
    expect(pinnedAccountHint('dev-network', synth.stack('dev-network').provider)).toBe(
      'dev-network deploys into account 111122223333 (environments.dev.account, environment dev). If Terraform said "AWS account ID not allowed: <id>", ' +
        'the credentials (or the role they assumed) are in account <id>: use credentials of 111122223333, or set environments.dev.deployRoleArn to a role in it.',
    );
  });
});

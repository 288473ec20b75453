/**
 * Every example configuration synthesizes, and each of its stacks passes real `terraform
 * validate` and the offline plan. (terraform-state is the same stack as the default
 * configuration's, planned by offline-plan.tf.test.ts.)
 */
import { readdirSync } from 'node:fs';
import * as path from 'node:path';
import { loadConfigFile } from '../config/load';
import { describeFailure, planStacksOffline, StackPlanResult } from '../lib/terraform/offline';
import { synthConfig } from './helpers/synth';
import { describeWithTerraform } from './helpers/terraform';

jest.setTimeout(900_000);

const examplesDir = path.join(__dirname, '..', 'config', 'examples');
const examples = readdirSync(examplesDir).filter((f) => f.endsWith('.yaml'));

describeWithTerraform('example configurations plan offline', () => {
  const synths = examples.map((file) => ({ file, synth: synthConfig(loadConfigFile(path.join(examplesDir, file))) }));
  const cases = synths.flatMap(({ file, synth }) => synth.stackNames().filter((s) => s !== 'terraform-state').map((stack) => ({ file, stack, outdir: synth.outdir })));
  const results = new Map<string, StackPlanResult>();

  beforeAll(async () => {
    for (const { file, synth } of synths) {
      const stacks = cases.filter((c) => c.file === file).map((c) => c.stack);
      // `terraform plan` validates the configuration as its first step (offline-plan.tf.test.ts
      // shows a broken reference failing there); a separate validate is not needed.
      for (const result of await planStacksOffline(synth.outdir, stacks, { validate: false })) results.set(`${file}:${result.stack}`, result);
    }
  });

  test('there are examples, among them CloudFront, an internal service and one account per environment', () => {
    expect(examples).toEqual(expect.arrayContaining(['cloudfront.yaml', 'internal-service.yaml', 'multi-account.yaml']));
  });

  test.each(cases.map((c) => [c.file, c.stack]))('%s: %s plans (which validates it)', (file, stack) => {
    const result = results.get(`${file}:${stack}`)!;
    if (!result.ok) throw new Error(describeFailure(result));
    expect(result.summary?.add).toBeGreaterThan(0);
  });
});

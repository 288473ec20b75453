/**
 * Real Terraform on the default configuration, planned once for the whole file:
 *  - every stack passes an offline `terraform plan` (which validates the configuration first:
 *    one provider schema build per stack, not two);
 *  - the preflight reads the real `terraform show -json` plans of the dev stacks: cross-stack
 *    references resolve through the producer plans' output expressions, a stack given alone
 *    leaves paths unknown (not failed), a hand-broken copy of the real plan fails with the
 *    AWS error.
 * (One file, so the plans made for the first are reused by the second: each Terraform run
 * starts the 700 MB AWS provider.)
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { runPreflight } from '../lib/preflight/cli';
import { describeFailure, planStacksOffline, run, StackPlanResult, terraformEnv } from '../lib/terraform/offline';
import { synthDefault } from './helpers/synth';
import { describeWithTerraform } from './helpers/terraform';

jest.setTimeout(600_000);

const PREFLIGHT_STACKS = ['dev-network', 'dev-platform', 'dev-web'];

function preflight(argv: string[]): { code: number; stdout: string; stderr: string } {
  let stdout = '';
  let stderr = '';
  const code = runPreflight(argv, {}, { write: (t: string) => (stdout += t) }, { write: (t: string) => (stderr += t) });
  return { code, stdout, stderr };
}

describeWithTerraform('offline terraform on the default configuration', () => {
  const synth = synthDefault();
  const stacks = synth.stackNames();
  let results: StackPlanResult[] = [];

  beforeAll(async () => {
    results = await planStacksOffline(synth.outdir, stacks, { keep: true });
  });

  afterAll(() => {
    for (const root of new Set(results.map((r) => path.dirname(r.workdir)))) rmSync(root, { recursive: true, force: true });
  });

  describe('plan (validating)', () => {
    test('the default configuration has the expected stacks', () => {
      expect(stacks).toEqual(expect.arrayContaining(['terraform-state', 'dev-network', 'dev-platform', 'dev-web', 'prod-network', 'prod-platform', 'prod-web']));
    });

    test.each(stacks.map((s) => [s]))('%s validates and plans', (stack) => {
      const result = results.find((r) => r.stack === stack)!;
      if (!result.ok) throw new Error(describeFailure(result));
      // terraform plan validates first; a separate validate would build the provider schema again.
      expect(result.steps.map((s) => s.command.split(' ')[1])).toEqual(['init', 'plan']);
      expect(result.summary?.add).toBeGreaterThan(0);
      expect(result.summary).toMatchObject({ change: 0, destroy: 0 });
    });
  });

  describe('preflight on terraform show -json plans', () => {
    const plans: Record<string, string> = {};
    const dir = mkdtempSync(path.join(os.tmpdir(), 'preflight-plans-'));

    beforeAll(async () => {
      for (const stack of PREFLIGHT_STACKS) {
        const result = results.find((r) => r.stack === stack)!;
        if (!result.ok) throw new Error(describeFailure(result));
        const show = await run('terraform', ['show', '-json', 'offline.tfplan'], result.workdir, terraformEnv());
        if (show.code !== 0) throw new Error(`terraform show -json failed for ${stack}: ${show.stderr}`);
        plans[stack] = path.join(dir, `${stack}.plan.json`);
        writeFileSync(plans[stack], show.stdout);
      }
    });

    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    test('the plans of the dev stacks pass, with cross-stack references resolved through the producer plans', () => {
      const { code, stdout, stderr } = preflight(PREFLIGHT_STACKS.map((s) => plans[s]));
      expect(stderr).toBe('');
      expect(code).toBe(0);
      expect(stdout).toMatch(/^web {2}\(stack dev-web, aws_ecs_service\.service_\w+\)$/m);
      expect(stdout).toMatch(/^ {2}ECR API \(registry auth\) +all 2 +pass +dev-network aws_vpc_endpoint\.endpoints_ecr-api_\w+: interface endpoint, private DNS on$/m);
      expect(stdout).toMatch(/^ {2}Load balancer -> tasks \(port 8080\) +- +pass /m);
      expect(stdout).toMatch(/Summary: 1 service, 13 checks \(path x subnet\): 13 pass, 0 warn, 0 unknown, 0 fail/);
      const json = JSON.parse(preflight(['--json', ...PREFLIGHT_STACKS.map((s) => plans[s])]).stdout);
      expect(json).toMatchObject({ ok: true, summary: { services: 1, pass: 13, fail: 0, unknown: 0 } });
    });

    test('a service plan given alone: what lives in the other stacks is unknown, not a failure', () => {
      const { code, stdout } = preflight([plans['dev-web']]);
      expect(code).toBe(0);
      expect(stdout).toContain('UNKNOWN (known only after apply, or outside the inputs; not counted as a failure): Subnets and security groups');
      expect(stdout).toMatch(/cannot follow subnet subnet-0\w+ \(declared in none of the loaded stacks: give the plan of the stack that creates it too\)/);
      expect(stdout).toMatch(/0 fail; nothing fails; \d+ cannot be decided before apply\./);
    });

    test('a hand-broken copy of the real network plan (private DNS off) fails with the AWS error', () => {
      const plan = JSON.parse(readFileSync(plans['dev-network'], 'utf8'));
      const endpoint = plan.configuration.root_module.resources.find((r: { address: string }) => /^aws_vpc_endpoint\.endpoints_ecr-api_/.test(r.address));
      endpoint.expressions.private_dns_enabled = { constant_value: false };
      for (const r of plan.planned_values.root_module.resources) if (r.address === endpoint.address) r.values.private_dns_enabled = false;
      const broken = path.join(dir, 'broken-network.json');
      writeFileSync(broken, JSON.stringify(plan));
      const { code, stdout } = preflight([broken, plans['dev-platform'], plans['dev-web']]);
      expect(code).toBe(1);
      expect(stdout).toContain('  FAIL: ECR API (registry auth) (subnets acme-dev-private-a, acme-dev-private-b)');
      expect(stdout).toContain('AWS would report: ResourceInitializationError: unable to pull secrets or registry auth: execution resource retrieval failed: unable to retrieve ecr registry auth');
      expect(stdout).toMatch(/Fix: dev-network aws_vpc_endpoint\.endpoints_ecr-api_\w+: set private_dns_enabled = true/);
    });
  });
});

describeWithTerraform('the offline harness reports real failures', () => {
  test('a stack with a broken reference fails the plan at its validation, naming the stack', async () => {
    const { mkdtempSync, cpSync, readFileSync, writeFileSync } = await import('node:fs');
    const os = await import('node:os');
    const path = await import('node:path');
    const synth = synthDefault();
    const broken = mkdtempSync(path.join(os.tmpdir(), 'broken-'));
    cpSync(synth.outdir, broken, { recursive: true });
    const file = path.join(broken, 'stacks', 'dev-network', 'cdk.tf.json');
    const json = JSON.parse(readFileSync(file, 'utf8'));
    const subnet = Object.values(json.resource.aws_subnet)[0] as { vpc_id: string };
    subnet.vpc_id = '${aws_vpc.does_not_exist.id}';
    writeFileSync(file, JSON.stringify(json));
    const [result] = await planStacksOffline(broken, ['dev-network']);
    expect(result.ok).toBe(false);
    expect(result.failedStep).toBe('plan');
    expect(result.steps.map((s) => s.command.split(' ')[1])).toEqual(['init', 'plan']);
    expect(describeFailure(result)).toMatch(/dev-network: terraform plan failed[\s\S]*Reference to undeclared resource/);
    // Asked for, validate still runs as a step of its own.
    const [validated] = await planStacksOffline(broken, ['dev-network'], { validate: true });
    expect(validated.failedStep).toBe('validate');
  });
});

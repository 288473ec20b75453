/**
 * The preflight on real `terraform show -json` plans: the dev stacks of the default
 * configuration are planned with the offline harness, shown as JSON, and given to
 * `npm run preflight` as plan files. Cross-stack references resolve through the producer
 * plans' output expressions; a stack given alone leaves paths unknown, not failed; a
 * hand-broken copy of the real plan JSON fails with the AWS error.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { runPreflight } from '../scripts/lib/preflight/cli';
import { describeFailure, planStacksOffline, run, terraformEnv } from '../scripts/lib/terraform';
import { synthDefault } from './helpers/synth';
import { describeWithTerraform } from './helpers/terraform';

jest.setTimeout(600_000);

const STACKS = ['dev-network', 'dev-platform', 'dev-web'];

function preflight(argv: string[]): { code: number; stdout: string; stderr: string } {
  let stdout = '';
  let stderr = '';
  const code = runPreflight(argv, {}, { write: (t: string) => (stdout += t) }, { write: (t: string) => (stderr += t) });
  return { code, stdout, stderr };
}

describeWithTerraform('preflight on terraform show -json plans', () => {
  const plans: Record<string, string> = {};
  const dir = mkdtempSync(path.join(os.tmpdir(), 'preflight-plans-'));
  const workroots: string[] = [];

  beforeAll(async () => {
    const synth = synthDefault();
    const results = await planStacksOffline(synth.outdir, STACKS, { keep: true });
    workroots.push(...new Set(results.map((r) => path.dirname(r.workdir))));
    for (const result of results) {
      if (!result.ok) throw new Error(describeFailure(result));
      const show = await run('terraform', ['show', '-json', 'offline.tfplan'], result.workdir, terraformEnv());
      if (show.code !== 0) throw new Error(`terraform show -json failed for ${result.stack}: ${show.stderr}`);
      plans[result.stack] = path.join(dir, `${result.stack}.plan.json`);
      writeFileSync(plans[result.stack], show.stdout);
    }
  });

  afterAll(() => {
    for (const root of [...workroots, dir]) rmSync(root, { recursive: true, force: true });
  });

  test('the plans of the dev stacks pass, with cross-stack references resolved through the producer plans', () => {
    const { code, stdout, stderr } = preflight(STACKS.map((s) => plans[s]));
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(stdout).toMatch(/^web {2}\(stack dev-web, aws_ecs_service\.service_\w+\)$/m);
    expect(stdout).toMatch(/^ {2}ECR API \(registry auth\) +all 2 +pass +dev-network aws_vpc_endpoint\.endpoints_ecr-api_\w+: interface endpoint, private DNS on$/m);
    expect(stdout).toMatch(/^ {2}Load balancer -> tasks \(port 8080\) +- +pass /m);
    expect(stdout).toMatch(/Summary: 1 service, 10 checks \(path x subnet\): 10 pass, 0 warn, 0 unknown, 0 fail/);
    const json = JSON.parse(preflight(['--json', ...STACKS.map((s) => plans[s])]).stdout);
    expect(json).toMatchObject({ ok: true, summary: { services: 1, pass: 10, fail: 0, unknown: 0 } });
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

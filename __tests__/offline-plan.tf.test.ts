/** Every stack of the default configuration passes real `terraform validate` and an offline plan. */
import { describeFailure, planStacksOffline } from '../scripts/lib/terraform';
import { synthDefault } from './helpers/synth';
import { describeWithTerraform } from './helpers/terraform';

jest.setTimeout(600_000);

describeWithTerraform('offline terraform validate and plan of the default configuration', () => {
  const synth = synthDefault();
  const stacks = synth.stackNames();
  let results: Awaited<ReturnType<typeof planStacksOffline>>;

  beforeAll(async () => {
    results = await planStacksOffline(synth.outdir, stacks);
  });

  test('the default configuration has the expected stacks', () => {
    expect(stacks).toEqual(expect.arrayContaining(['dev-network', 'prod-network']));
  });

  test.each(stacks.map((s) => [s]))('%s validates and plans', (stack) => {
    const result = results.find((r) => r.stack === stack)!;
    if (!result.ok) throw new Error(describeFailure(result));
    expect(result.summary?.add).toBeGreaterThan(0);
    expect(result.summary).toMatchObject({ change: 0, destroy: 0 });
  });
});

describeWithTerraform('the offline harness reports real failures', () => {
  test('a stack with a broken reference fails validate, naming the stack', async () => {
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
    expect(result.failedStep).toBe('validate');
    expect(describeFailure(result)).toMatch(/dev-network: terraform validate failed[\s\S]*Reference to undeclared resource/);
  });
});

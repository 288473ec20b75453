/**
 * Day-2 changes update in place: real Terraform plans each changed configuration against the
 * applied state of the previous one, and no long-lived resource (service, load balancer,
 * listener, VPC, subnet, endpoint, repository, log group, cluster, bucket, key) is replaced.
 *
 * How the "applied previous version" is modelled (helpers/day2.ts): `terraform test` with
 * `mock_provider "aws"` applies the base version of each stack offline (a complete state,
 * every computed attribute filled, references resolved) and prints that state; it becomes the
 * local state of an offline copy of each version, which the REAL provider plans with
 * `terraform plan -refresh=false`; `terraform show -json` of that plan gives
 * `resource_changes[].change.actions`. (A plan by the mock provider itself would not do: it
 * skips the provider's diff logic, ForceNew and CustomizeDiff, and never shows a replacement.)
 * The base version is planned against its own state too, as a control: the method finds
 * nothing to replace where nothing changed.
 *
 * The variants group the changes by stack (each variant is one synth of the whole app):
 *  - rollout: a new image tag, cpu/memory, health check, desired count, autoscaling limits
 *             and targets (service stacks);
 *  - spot:    the Fargate Spot share (0 -> 50 %, 0 -> 100 %);
 *  - grow:    a new service, autoscaling added to a service, an extra interface endpoint,
 *             flow-log retention, the ALB idle timeout (network, platform, services).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { planDay2, ResourceChange, StackDay2, Version } from './helpers/day2';
import { configFrom, defaultConfigData, Json, synthConfig } from './helpers/synth';
import { describeWithTerraform } from './helpers/terraform';

jest.setTimeout(600_000);

/** Resource types a day-2 change must never replace (or delete). */
const KEPT_TYPES = [
  'aws_ecs_service',
  'aws_lb',
  'aws_lb_listener',
  'aws_vpc',
  'aws_subnet',
  'aws_vpc_endpoint',
  'aws_ecr_repository',
  'aws_cloudwatch_log_group',
  'aws_ecs_cluster',
  'aws_s3_bucket',
  'aws_kms_key',
];

/** dev only, with two services: `web` (fixed count) and `api` (autoscaled), both from ECR. */
function baseData(): Json {
  const data = defaultConfigData();
  delete data.environments.prod;
  const dev = data.environments.dev;
  dev.network.flowLogs = { retentionDays: 30 };
  dev.services = {
    web: { imageTag: '1.0.0', port: 8080, cpu: 256, memory: 512, desiredCount: 2 },
    api: {
      imageTag: '1.0.0',
      port: 3000,
      routing: { pathPatterns: ['/api/*'] },
      autoscaling: { min: 1, max: 4, cpuTarget: 60 },
    },
  };
  return data;
}

const VARIANTS: Record<string, (dev: Json) => void> = {
  rollout: (dev) => {
    Object.assign(dev.services.web, { imageTag: '1.1.0', cpu: 512, memory: 1024, healthCheck: { path: '/healthz', matcher: '200', gracePeriodSeconds: 90 } });
    dev.services.web.desiredCount = 4;
    dev.services.api.imageTag = '1.1.0';
    dev.services.api.autoscaling = { min: 2, max: 8, cpuTarget: 50, requestsPerTarget: 500 };
  },
  spot: (dev) => {
    dev.services.web.capacity = { spot: 50 };
    dev.services.api.capacity = { spot: 100 };
  },
  grow: (dev) => {
    dev.network.flowLogs = { retentionDays: 90 };
    dev.network.extraEndpoints = ['sts'];
    dev.platform = { idleTimeout: 120 };
    dev.services.web.autoscaling = { min: 2, max: 6, cpuTarget: 70 };
    dev.services.admin = { imageTag: '1.0.0', port: 8080, routing: { pathPatterns: ['/admin/*'] } };
  },
};

const STACKS = ['dev-network', 'dev-platform', 'dev-web', 'dev-api'];

function synthVersion(name: string, change?: (dev: Json) => void): Version {
  const data = baseData();
  change?.(data.environments.dev);
  return { name, outdir: synthConfig(configFrom(data)).outdir };
}

function describeChange(c: ResourceChange): string {
  return `${c.address}: ${c.actions.join('+')}${c.replacePaths ? ` (forced by ${JSON.stringify(c.replacePaths)})` : ''}`;
}

describeWithTerraform('day-2 changes plan as in-place updates against the applied previous version', () => {
  const workroot = mkdtempSync(path.join(os.tmpdir(), 'day2-'));
  const versions: Version[] = [];
  const results = new Map<string, StackDay2>();

  beforeAll(async () => {
    const base = synthVersion('base');
    versions.push(base);
    const variants = Object.entries(VARIANTS).map(([name, change]) => synthVersion(name, change));
    versions.push(...variants);
    // Two stacks at a time: each `terraform test` keeps one provider busy.
    const queue = [...STACKS];
    const worker = async () => {
      for (let stack = queue.shift(); stack; stack = queue.shift()) results.set(stack, await planDay2(stack, base, variants, workroot));
    };
    await Promise.all([worker(), worker()]);
  });

  afterAll(() => {
    rmSync(workroot, { recursive: true, force: true });
    for (const v of versions) rmSync(v.outdir, { recursive: true, force: true });
  });

  const plan = (stack: string, variant: string): ResourceChange[] => {
    const plans = results.get(stack)!.plans;
    if (!plans[variant]) throw new Error(`${stack} does not change in variant ${variant} (planned: ${Object.keys(plans).join(', ') || 'none'})`);
    return plans[variant];
  };
  const actionsOf = (stack: string, variant: string, type: string) => plan(stack, variant).filter((c) => c.type === type).map((c) => c.actions.join('+'));

  const cases: Array<[string, string]> = [
    ['dev-web', 'rollout'],
    ['dev-api', 'rollout'],
    ['dev-web', 'spot'],
    ['dev-api', 'spot'],
    ['dev-network', 'grow'],
    ['dev-platform', 'grow'],
    ['dev-web', 'grow'],
  ];

  test.each(cases)('%s, variant %s: no kept resource is replaced or deleted, and every replacement creates first', (stack, variant) => {
    const changes = plan(stack, variant).filter((c) => !c.actions.every((a) => a === 'no-op' || a === 'read'));
    expect(changes.length).toBeGreaterThan(0);
    const broken = changes.filter((c) => KEPT_TYPES.includes(c.type) && c.actions.includes('delete')).map(describeChange);
    expect(broken).toEqual([]);
    // Whatever must be replaced (a task definition revision) is created before the old one goes.
    const deleteFirst = changes.filter((c) => c.actions.join('+') === 'delete+create').map(describeChange);
    expect(deleteFirst).toEqual([]);
  });

  test.each(STACKS.map((s) => [s]))('control: %s planned against its own applied state replaces and deletes nothing', (stack) => {
    const replaced = plan(stack, 'base').filter((c) => c.actions.includes('delete')).map(describeChange);
    expect(replaced).toEqual([]);
  });

  test('across all variants, the only resources replaced are task definition revisions', () => {
    const replaced = [...results.values()].flatMap((r) =>
      Object.entries(r.plans).flatMap(([variant, changes]) => changes.filter((c) => c.actions.includes('delete')).map((c) => `${r.stack}/${variant}: ${c.type}`)),
    );
    expect(replaced.filter((r) => !r.endsWith(': aws_ecs_task_definition'))).toEqual([]);
  });

  test('the Fargate Spot share is an in-place update of the ECS service', () => {
    expect(actionsOf('dev-web', 'spot', 'aws_ecs_service')).toEqual(['update']);
    expect(actionsOf('dev-api', 'spot', 'aws_ecs_service')).toEqual(['update']);
  });

  test('a rollout updates the service to a new task definition revision and its scaling policies in place', () => {
    expect(actionsOf('dev-web', 'rollout', 'aws_ecs_service')).toEqual(['update']);
    expect(actionsOf('dev-web', 'rollout', 'aws_ecs_task_definition')).toEqual(['create+delete']);
    expect(plan('dev-api', 'rollout').some((c) => c.type.startsWith('aws_appautoscaling_') && c.actions.includes('update'))).toBe(true);
  });

  test('flow-log retention, an extra endpoint and the idle timeout change the network and the platform in place', () => {
    expect(actionsOf('dev-network', 'grow', 'aws_cloudwatch_log_group')).toContain('update');
    expect(actionsOf('dev-network', 'grow', 'aws_vpc_endpoint')).toContain('create');
    expect(actionsOf('dev-platform', 'grow', 'aws_lb')).toEqual(['update']);
  });

  test('a health check change updates the target group in place', () => {
    expect(actionsOf('dev-web', 'rollout', 'aws_lb_target_group')).toEqual(['update']);
  });
});

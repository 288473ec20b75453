/**
 * The cost reader on a hand-made synthesized output: resources written the ways escape
 * hatches and other stacks may write them (whole-list remote outputs, subnet mappings,
 * endpoint subnet associations, literal autoscaling ids, list-form blocks), to show the
 * report reads Terraform resource types, not this project's constructs. us-east-1 prices.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { buildReport } from '../lib/cost/report';
import type { EnvironmentCost, LineKind } from '../lib/cost/model';
import type { Json } from './helpers/synth';

const provider = (env: string | undefined) => ({
  aws: [
    { region: 'us-east-1', default_tags: [{ tags: { ...(env ? { Environment: env } : {}), ManagedBy: 'cdktf' } }] },
    { alias: 'ohio', region: 'us-east-2' },
  ],
});

const subnet = (zone: string, tier: string) => ({ vpc_id: '${aws_vpc.v.id}', availability_zone: zone, tags: { Tier: tier } });

const STACKS: Record<string, Json> = {
  'qa-network': {
    provider: provider('qa'),
    resource: {
      aws_subnet: {
        'a-1': subnet('us-east-1a', 'private'),
        'a-2': subnet('us-east-1a', 'private'),
        b: subnet('us-east-1b', 'private'),
        'pub-a': subnet('us-east-1a', 'public'),
        'pub-b': subnet('us-east-1b', 'public'),
        'pub-c': subnet('us-east-1c', 'public'),
      },
      aws_vpc_endpoint: {
        // Two subnets in one zone: one AZ, plus a second zone through an association below.
        sts: { vpc_endpoint_type: 'Interface', service_name: 'com.amazonaws.us-east-1.sts', subnet_ids: ['${aws_subnet.a-1.id}', '${aws_subnet.a-2.id}'] },
        ssm: { vpc_endpoint_type: 'Interface', service_name: 'com.amazonaws.us-east-1.ssm', subnet_ids: ['${aws_subnet.a-1.id}', '${aws_subnet.b.id}'] },
        // No type: the provider's default, a (free) gateway endpoint.
        dynamodb: { service_name: 'com.amazonaws.us-east-1.dynamodb', route_table_ids: [] },
      },
      aws_vpc_endpoint_subnet_association: { 'sts-b': { vpc_endpoint_id: '${aws_vpc_endpoint.sts.id}', subnet_id: '${aws_subnet.b.id}' } },
      // `spare` is not on a NAT gateway (billed all the same); `ohio` sits in another region.
      aws_eip: { nat: { domain: 'vpc' }, spare: { domain: 'vpc' }, ohio: { domain: 'vpc', provider: 'aws.ohio' } },
      aws_nat_gateway: { nat: { allocation_id: '${aws_eip.nat.id}', subnet_id: '${aws_subnet.pub-a.id}' } },
    },
    output: {
      public_subnet_ids: { value: ['${aws_subnet.pub-a.id}', '${aws_subnet.pub-b.id}', '${aws_subnet.pub-c.id}'] },
      'cross-stack-output-pub-a': { value: '${aws_subnet.pub-a.id}' },
    },
  },
  'qa-platform': {
    provider: provider('qa'),
    data: { terraform_remote_state: { net: { backend: 's3', config: { bucket: 'b', key: 'qa/qa-network.tfstate', region: 'us-east-1' } } } },
    resource: {
      aws_lb: {
        // The whole list from the network stack: 3 zones, 3 public IPv4 addresses.
        public: { load_balancer_type: 'application', subnets: '${data.terraform_remote_state.net.outputs.public_subnet_ids}' },
        nlb: { load_balancer_type: 'network', subnets: [] },
      },
      aws_alb: { internal: { internal: true, subnet_mapping: [{ subnet_id: '${data.terraform_remote_state.net.outputs.cross-stack-output-pub-a}' }] } },
      aws_ecs_cluster: { c: { name: 'qa', setting: [{ name: 'containerInsights', value: 'enhanced' }] } },
      aws_cloudfront_distribution: { cdn: { enabled: true } },
    },
  },
  'qa-api': {
    provider: provider('qa'),
    resource: {
      aws_ecs_task_definition: {
        api: { family: 'qa-api', cpu: '1024', memory: '2048', requires_compatibilities: ['FARGATE'], runtime_platform: [{ cpu_architecture: 'ARM64', operating_system_family: 'LINUX' }] },
        batch: { family: 'qa-batch', cpu: '256', memory: '512', requires_compatibilities: ['FARGATE'] },
      },
      aws_ecs_service: {
        api: { name: 'api-svc', launch_type: 'FARGATE', desired_count: 3, task_definition: '${aws_ecs_task_definition.api.arn}', network_configuration: { subnets: [], assign_public_ip: true } },
        worker: { name: 'worker', launch_type: 'EC2', desired_count: 2, task_definition: '${aws_ecs_task_definition.batch.arn}' },
        // No launch type and no strategy; a literal family; desired_count unset (Terraform default 0).
        batch: { name: 'batch', task_definition: 'qa-batch:3' },
      },
      // Matched to api-svc by its literal resource id, not by reference.
      aws_appautoscaling_target: { api: { service_namespace: 'ecs', scalable_dimension: 'ecs:service:DesiredCount', resource_id: 'service/qa/api-svc', min_capacity: 2, max_capacity: 6 } },
    },
  },
  // Account-wide and nothing priced: left out of the report.
  'terraform-state': { provider: provider(undefined), resource: { aws_s3_bucket: { state: { bucket: 'x' } } } },
};

function writeFixture(): string {
  const outdir = mkdtempSync(path.join(os.tmpdir(), 'cost-fixture-'));
  const manifest: Json = { version: '0.21.0', stacks: {} };
  for (const [name, json] of Object.entries(STACKS)) {
    mkdirSync(path.join(outdir, 'stacks', name), { recursive: true });
    writeFileSync(path.join(outdir, 'stacks', name, 'cdk.tf.json'), JSON.stringify(json));
    manifest.stacks[name] = { name, synthesizedStackPath: `stacks/${name}/cdk.tf.json` };
  }
  writeFileSync(path.join(outdir, 'manifest.json'), JSON.stringify(manifest));
  return outdir;
}

describe('cost report of a hand-made synthesized output (us-east-1)', () => {
  const report = buildReport(writeFixture());
  const qa = report.environments[0] as EnvironmentCost;
  const monthly = (kind: LineKind) => qa.lines.filter((l) => l.kind === kind).reduce((s, l) => s + l.monthlyUsd, 0);

  test('stacks are grouped by their Environment tag; an account-wide stack with nothing priced is left out', () => {
    expect(report.environments.map((e) => e.name)).toEqual(['qa']);
    expect(qa.stacks).toEqual(['qa-network', 'qa-platform', 'qa-api']);
    expect(qa.egress.zones).toBe(3);
  });

  test('interface endpoints count distinct zones, including subnet associations', () => {
    // sts: us-east-1a (twice) + us-east-1b by association = 2; ssm: 2.
    expect(monthly('interface-endpoints')).toBeCloseTo(4 * 730 * 0.01, 6); // $29.20
    expect(qa.lines.find((l) => l.kind === 'interface-endpoints')!.detail).toBe('2 endpoints x 2 AZs x 730 h x $0.01');
    expect(qa.lines.find((l) => l.kind === 'gateway-endpoints')!.detail).toBe('1, free');
  });

  test('the NAT gateway, its Elastic IP, and Elastic IPs not on a NAT gateway', () => {
    expect(monthly('nat-gateways')).toBeCloseTo(1 * 730 * 0.045, 6); // $32.85
    expect(monthly('nat-public-ipv4')).toBeCloseTo(1 * 730 * 0.005, 6); // $3.65
    expect(monthly('elastic-ips')).toBeCloseTo(2 * 730 * 0.005, 6); // $7.30
    // The one on an aliased provider in another region is priced with this sheet, and said so.
    expect(qa.warnings).toContain('qa-network/aws_eip.ohio is in us-east-2 (provider aws.ohio): priced at us-east-1 prices');
  });

  test('ALBs: every one billed hourly; public IPv4 only for the internet-facing one, per zone', () => {
    expect(monthly('alb')).toBeCloseTo(2 * 730 * 0.0225, 6); // $32.85 (aws_lb and aws_alb)
    expect(monthly('alb-public-ipv4')).toBeCloseTo(3 * 730 * 0.005, 6); // $10.95 (3 zones, remote whole list)
    expect(qa.warnings.join('\n')).toMatch(/aws_lb\.nlb is a network load balancer: not priced/);
  });

  test('Fargate: autoscaling minimum over desired_count, ARM prices, a public IPv4 per task', () => {
    const api = qa.lines.find((l) => l.label === 'Fargate api-svc')!;
    expect(api.monthlyUsd).toBeCloseTo(2 * (1 * 0.03238 + 2 * 0.00356) * 730, 6); // $57.67
    expect(monthly('task-public-ipv4')).toBeCloseTo(2 * 730 * 0.005, 6); // $7.30
    const batch = qa.lines.find((l) => l.label === 'Fargate batch')!;
    expect(batch).toMatchObject({ monthlyUsd: 0 });
    expect(batch.detail).toContain('desired_count unset');
    expect(qa.warnings.join('\n')).toMatch(/aws_ecs_service\.worker does not run on Fargate/);
  });

  test('the total is the sum of the hand-computed lines', () => {
    const expected = 29.2 + 32.85 + 3.65 + 7.3 + 32.85 + 10.95 + 2 * (1 * 0.03238 + 2 * 0.00356) * 730 + 7.3;
    expect(qa.fixedMonthlyUsd).toBeCloseTo(expected, 6);
  });

  test('CloudFront and Container Insights are usage-based notes', () => {
    const notes = qa.notes.join('\n');
    expect(notes).toMatch(/CloudFront \(1 distribution\).*not estimated/);
    expect(notes).toMatch(/Container Insights \(1 cluster\).*not estimated/);
  });
});

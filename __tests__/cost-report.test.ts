/**
 * The cost report against hand-computed figures: every expected value below is written
 * out as `quantity x hours x price` from pricing/<region>.json, not computed by the code
 * under test. Configurations are synthesized for real, then read back like `npm run cost`.
 */
import { buildReport } from '../lib/cost/report';
import type { CostLine, EnvironmentCost, LineKind } from '../lib/cost/model';
import { configFrom, defaultConfigData, Json, synthConfig, synthDefault } from './helpers/synth';

// Seoul (ap-northeast-2) list prices, as in pricing/ap-northeast-2.json.
const SEOUL = { endpointAzHour: 0.013, endpointGb: 0.01, natHour: 0.059, natGb: 0.059, ipv4Hour: 0.005, albHour: 0.0225, x86Vcpu: 0.04656, x86Gb: 0.00511, armVcpu: 0.03725, armGb: 0.00409 };

function reportOf(data: Json): EnvironmentCost[] {
  return buildReport(synthConfig(configFrom(data)).outdir).environments as EnvironmentCost[];
}

/** The report of `data`'s dev environment, synthesized alone (half the work of both). */
function devReportOf(data: Json): EnvironmentCost {
  data.environments = { dev: data.environments.dev };
  return env(reportOf(data), 'dev');
}

function env(report: EnvironmentCost[], name: string): EnvironmentCost {
  const found = report.find((e) => e.name === name);
  if (!found) throw new Error(`no environment ${name} in ${report.map((e) => e.name).join(', ')}`);
  return found;
}

function line(e: EnvironmentCost, kind: LineKind): CostLine | undefined {
  return e.lines.find((l) => l.kind === kind);
}

function monthly(e: EnvironmentCost, kind: LineKind): number {
  return line(e, kind)?.monthlyUsd ?? 0;
}

function option(e: EnvironmentCost, id: string) {
  return e.egress.options.find((o) => o.id === id)!;
}

describe('cost report of the default configuration (egress: endpoints)', () => {
  const report = buildReport(synthDefault().outdir).environments as EnvironmentCost[];
  const dev = env(report, 'dev');
  const prod = env(report, 'prod');

  test('one report per environment, priced from the Seoul sheet', () => {
    expect(report.map((e) => e.name)).toEqual(['dev', 'prod']);
    expect(dev.region).toBe('ap-northeast-2');
    expect(dev.pricingFile).toBe('pricing/ap-northeast-2.json');
    expect(dev.stacks).toEqual(expect.arrayContaining(['dev-network', 'dev-platform', 'dev-web']));
  });

  test('interface endpoints: 3 endpoints x AZs x 730 h x $0.013', () => {
    expect(monthly(dev, 'interface-endpoints')).toBeCloseTo(3 * 2 * 730 * 0.013, 6); // $56.94
    expect(monthly(dev, 'interface-endpoints')).toBeCloseTo(56.94, 6);
    expect(line(dev, 'interface-endpoints')!.detail).toBe('3 endpoints x 2 AZs x 730 h x $0.013');
    expect(monthly(prod, 'interface-endpoints')).toBeCloseTo(3 * 3 * 730 * 0.013, 6); // $85.41
    expect(monthly(prod, 'interface-endpoints')).toBeCloseTo(85.41, 6);
  });

  test('the S3 gateway endpoint is listed and free; there is no NAT gateway', () => {
    expect(line(dev, 'gateway-endpoints')).toMatchObject({ detail: '1, free', monthlyUsd: 0 });
    expect(line(dev, 'nat-gateways')).toBeUndefined();
    expect(line(dev, 'nat-public-ipv4')).toBeUndefined();
  });

  test('the ALB: its hours, and one public IPv4 address per AZ it spans when internet-facing', () => {
    expect(monthly(dev, 'alb')).toBeCloseTo(730 * 0.0225, 6); // $16.425
    expect(monthly(dev, 'alb-public-ipv4')).toBeCloseTo(2 * 730 * 0.005, 6); // $7.30: the ALB's subnets come from dev-network
    // prod's ALB is internal, behind CloudFront's VPC origin: no public addresses.
    expect(monthly(prod, 'alb')).toBeCloseTo(730 * 0.0225, 6);
    expect(line(prod, 'alb-public-ipv4')).toBeUndefined();
  });

  test("prod's hardening: the WAF web ACL and its three managed rule groups, and the logs KMS key, by the month; dev has neither", () => {
    expect(monthly(prod, 'waf')).toBeCloseTo(5 + 3 * 1, 6); // $8.00
    expect(line(prod, 'waf')!.detail).toBe('1 web ACL x $5 + 3 rules x $1, a month');
    expect(monthly(prod, 'kms-keys')).toBeCloseTo(1, 6);
    expect(prod.notes.join('\n')).toMatch(/AWS WAF requests: \$0\.6 per million inspected/);
    expect(line(dev, 'waf')).toBeUndefined();
    expect(line(dev, 'kms-keys')).toBeUndefined();
  });

  test('Fargate at the minimum task count: desired_count, or the autoscaling minimum', () => {
    // dev web: 1 task, 256 CPU units / 512 MiB, X86_64.
    expect(monthly(dev, 'fargate')).toBeCloseTo(1 * (0.25 * 0.04656 + 0.5 * 0.00511) * 730, 6); // $10.36
    // prod web: autoscaling min 2, 512 / 1024 MiB, ARM64.
    expect(monthly(prod, 'fargate')).toBeCloseTo(2 * (0.5 * 0.03725 + 1 * 0.00409) * 730, 6); // $33.16
    expect(line(prod, 'fargate')!.detail).toContain('autoscaling min_capacity');
  });

  test('the fixed monthly total is the sum of the lines', () => {
    const devTotal = 56.94 + 730 * 0.0225 + 2 * 730 * 0.005 + (0.25 * 0.04656 + 0.5 * 0.00511) * 730;
    expect(dev.fixedMonthlyUsd).toBeCloseTo(devTotal, 6); // $91.03
    const prodTotal = 85.41 + 730 * 0.0225 + 2 * (0.5 * 0.03725 + 1 * 0.00409) * 730 + 8 + 1;
    expect(prod.fixedMonthlyUsd).toBeCloseTo(prodTotal, 6); // $144.00
  });

  test('the NAT alternative: one NAT, and one per AZ, each with its public IPv4 address', () => {
    expect(option(dev, 'endpoints')).toMatchObject({ synthesized: true, perGbUsd: 0.01 });
    expect(option(dev, 'endpoints').fixedMonthlyUsd).toBeCloseTo(56.94, 6);
    expect(option(dev, 'nat-single').fixedMonthlyUsd).toBeCloseTo(1 * 730 * (0.059 + 0.005), 6); // $46.72
    expect(option(dev, 'nat-per-az').fixedMonthlyUsd).toBeCloseTo(2 * 730 * (0.059 + 0.005), 6); // $93.44
    expect(option(prod, 'nat-per-az').fixedMonthlyUsd).toBeCloseTo(3 * 730 * (0.059 + 0.005), 6); // $140.16
    // The environment total with a NAT in place of the endpoints.
    expect(option(dev, 'nat-single').environmentMonthlyUsd).toBeCloseTo(dev.fixedMonthlyUsd - 56.94 + 46.72, 6);
  });

  test('break-even: (endpoint fixed - NAT fixed) / (NAT $/GB - endpoint $/GB)', () => {
    const [single, perAz] = dev.egress.breakEven;
    expect(single).toMatchObject({ against: 'nat-single', endpointsCheaper: 'above' });
    expect(single.gbPerMonth).toBeCloseTo((56.94 - 46.72) / (0.059 - 0.01), 6); // 208.6 GB
    // Two endpoints-AZ sets cost less than two NAT gateways before any traffic.
    expect(perAz).toMatchObject({ against: 'nat-per-az', endpointsCheaper: 'always', gbPerMonth: null });
    expect(prod.egress.breakEven[0].gbPerMonth).toBeCloseTo((85.41 - 46.72) / (0.059 - 0.01), 6); // 789.6 GB
  });

  test('usage-based charges are notes, not figures', () => {
    expect(dev.notes.join('\n')).toMatch(/Container Insights \(1 cluster\)/);
    expect(dev.notes.join('\n')).toMatch(/\$0\.008 per LCU-hour/);
  });
});

describe('cost report with NAT egress', () => {
  const natData = (natGateways: 'single' | 'per-az', interfaceEndpoints: boolean) => {
    const data = defaultConfigData();
    data.environments.dev.network = { ...data.environments.dev.network, egress: 'nat', natGateways, interfaceEndpoints };
    return data;
  };

  test('one NAT gateway, no endpoints: NAT hours and its Elastic IP are the egress lines', () => {
    const dev = devReportOf(natData('single', false));
    expect(line(dev, 'interface-endpoints')).toBeUndefined();
    expect(monthly(dev, 'nat-gateways')).toBeCloseTo(1 * 730 * 0.059, 6); // $43.07
    expect(monthly(dev, 'nat-public-ipv4')).toBeCloseTo(1 * 730 * 0.005, 6); // $3.65
    expect(option(dev, 'nat-single')).toMatchObject({ synthesized: true });
    // The endpoint side is then the three a Fargate task needs, in each of the 2 AZs.
    expect(option(dev, 'endpoints')).toMatchObject({
      synthesized: false,
      label: 'Interface endpoints (3 services; 3 not synthesized)',
      detail: '3 endpoints (ecr.api, ecr.dkr, logs) x 2 AZs x 730 h x $0.013',
    });
    expect(option(dev, 'endpoints').fixedMonthlyUsd).toBeCloseTo(3 * 2 * 730 * 0.013, 6);
    expect(option(dev, 'endpoints').environmentMonthlyUsd).toBeCloseTo(dev.fixedMonthlyUsd - 43.07 - 3.65 + 56.94, 6);
  });

  test('one NAT gateway per AZ: two gateways and two Elastic IPs', () => {
    const dev = devReportOf(natData('per-az', false));
    expect(monthly(dev, 'nat-gateways')).toBeCloseTo(2 * 730 * 0.059, 6); // $86.14
    expect(monthly(dev, 'nat-public-ipv4')).toBeCloseTo(2 * 730 * 0.005, 6); // $7.30
    expect(option(dev, 'nat-per-az')).toMatchObject({ synthesized: true });
    expect(option(dev, 'nat-single')).toMatchObject({ synthesized: false });
  });

  test('NAT-only with secrets, Service Connect and ECS Exec: the endpoint side prices every endpoint those need', () => {
    const data = natData('single', false);
    const web = data.environments.dev.services.web;
    data.environments.dev.services = {
      web: { ...web, calls: ['api'], exec: true },
      api: { ...web, exposure: 'internal', routing: undefined, secrets: { DATABASE_URL: 'arn:aws:secretsmanager:ap-northeast-2:123456789012:secret:acme/dev/db-AbCdEf' } },
    };
    const dev = devReportOf(data);
    const services = ['ecr.api', 'ecr.dkr', 'ecs', 'ecs-agent', 'ecs-telemetry', 'logs', 'secretsmanager', 'ssmmessages'];
    expect(option(dev, 'endpoints')).toMatchObject({
      synthesized: false,
      label: 'Interface endpoints (8 services; 8 not synthesized)',
      detail: `8 endpoints (${services.join(', ')}) x 2 AZs x 730 h x $0.013`,
    });
    expect(option(dev, 'endpoints').fixedMonthlyUsd).toBeCloseTo(8 * 2 * 730 * 0.013, 6);
    expect(option(dev, 'nat-single')).toMatchObject({ synthesized: true });
  });

  test('NAT and endpoints together (egress: nat alone keeps the endpoints): both are in the total, marked as synthesized', () => {
    const dev = devReportOf(natData('single', true));
    expect(monthly(dev, 'interface-endpoints')).toBeCloseTo(56.94, 6);
    expect(monthly(dev, 'nat-gateways')).toBeCloseTo(43.07, 6);
    expect(dev.egress.options.filter((o) => o.synthesized).map((o) => o.id)).toEqual(['nat-and-endpoints']);
    expect(option(dev, 'nat-and-endpoints')).toMatchObject({ label: 'NAT gateway (1) and interface endpoints', detail: '1 NAT + 3 endpoints x 2 AZs', perGbUsd: 0.01 });
    expect(option(dev, 'nat-and-endpoints').fixedMonthlyUsd).toBeCloseTo(56.94 + 43.07 + 3.65, 6);
    expect(option(dev, 'nat-and-endpoints').environmentMonthlyUsd).toBeCloseTo(dev.fixedMonthlyUsd, 6);
    const others = dev.fixedMonthlyUsd - 56.94 - 43.07 - 3.65;
    expect(option(dev, 'endpoints').environmentMonthlyUsd).toBeCloseTo(others + 56.94, 6);
    expect(option(dev, 'nat-single').environmentMonthlyUsd).toBeCloseTo(others + 46.72, 6);
  });
});

describe('cost report when the service count changes', () => {
  const perTask = (0.25 * SEOUL.x86Vcpu + 0.5 * SEOUL.x86Gb) * 730; // $10.36235 for 256 CPU units / 512 MiB, x86
  const withWeb = (web: Json) => {
    const data = defaultConfigData();
    data.environments.dev.services.web = { ...data.environments.dev.services.web, cpu: 256, memory: 512, architecture: 'X86_64', ...web };
    return devReportOf(data);
  };

  test('desired_count 1 -> 3 triples the Fargate line and adds 2 task-months to the total', () => {
    const one = withWeb({ desiredCount: 1 });
    const three = withWeb({ desiredCount: 3 });
    expect(monthly(one, 'fargate')).toBeCloseTo(1 * perTask, 6);
    expect(monthly(three, 'fargate')).toBeCloseTo(3 * perTask, 6); // $31.09
    expect(three.fixedMonthlyUsd - one.fixedMonthlyUsd).toBeCloseTo(2 * perTask, 6);
    // The network part does not move.
    expect(monthly(three, 'interface-endpoints')).toBeCloseTo(monthly(one, 'interface-endpoints'), 6);
  });

  test('with autoscaling, the minimum capacity is priced, not desired_count', () => {
    const scaled = withWeb({ desiredCount: 5, autoscaling: { min: 4, max: 8, cpuTarget: 60 } });
    expect(monthly(scaled, 'fargate')).toBeCloseTo(4 * perTask, 6);
  });

  test('ARM64 tasks use the ARM prices', () => {
    const arm = withWeb({ desiredCount: 2, architecture: 'ARM64' });
    expect(monthly(arm, 'fargate')).toBeCloseTo(2 * (0.25 * SEOUL.armVcpu + 0.5 * SEOUL.armGb) * 730, 6); // $8.29
  });

  test('a second service adds its own line', () => {
    const data = defaultConfigData();
    const web = data.environments.dev.services.web;
    data.environments.dev.services.api = { ...web, cpu: 512, memory: 1024, architecture: 'X86_64', desiredCount: 2, routing: { pathPatterns: ['/api/*'] } };
    delete data.environments.dev.services.api.autoscaling;
    const dev = devReportOf(data);
    const api = dev.lines.find((l) => l.label === 'Fargate api')!;
    expect(api.monthlyUsd).toBeCloseTo(2 * (0.5 * SEOUL.x86Vcpu + 1 * SEOUL.x86Gb) * 730, 6); // $41.45
    expect(dev.lines.filter((l) => l.kind === 'fargate')).toHaveLength(2);
  });

  test('Fargate Spot is noted with the share of tasks it may take, priced at on-demand', () => {
    const spot = withWeb({ desiredCount: 3, capacity: { spot: 50 } });
    expect(monthly(spot, 'fargate')).toBeCloseTo(3 * perTask, 6);
    // base 1 on FARGATE, the other 2 split 50/50.
    expect(spot.notes.join('\n')).toMatch(/FARGATE_SPOT: 1 of 3 web tasks may run on Spot/);
  });
});

describe('cost report in us-east-1 (published list prices)', () => {
  const data = defaultConfigData();
  data.environments = { dev: { ...data.environments.dev, region: 'us-east-1' } };
  const dev = devReportOf(data);

  test('three endpoints in two AZs: $43.80; one NAT with its EIP: $36.50; one per AZ: $73.00', () => {
    expect(dev.pricingFile).toBe('pricing/us-east-1.json');
    expect(monthly(dev, 'interface-endpoints')).toBeCloseTo(3 * 2 * 730 * 0.01, 6);
    expect(monthly(dev, 'interface-endpoints')).toBeCloseTo(43.8, 6);
    expect(option(dev, 'nat-single').fixedMonthlyUsd).toBeCloseTo(730 * (0.045 + 0.005), 6);
    expect(option(dev, 'nat-single').fixedMonthlyUsd).toBeCloseTo(36.5, 6);
    expect(option(dev, 'nat-per-az').fixedMonthlyUsd).toBeCloseTo(73.0, 6);
  });

  test('against one NAT the endpoints break even at about 210 GB a month', () => {
    expect(dev.egress.breakEven[0].gbPerMonth).toBeCloseTo((43.8 - 36.5) / (0.045 - 0.01), 6); // 208.6 GB
    expect(Math.round(dev.egress.breakEven[0].gbPerMonth! / 10) * 10).toBe(210);
  });

  test('Fargate at the us-east-1 x86 prices', () => {
    expect(monthly(dev, 'fargate')).toBeCloseTo(1 * (0.25 * 0.04048 + 0.5 * 0.004445) * 730, 6);
  });
});

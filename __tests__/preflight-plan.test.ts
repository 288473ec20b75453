/**
 * Plan input without Terraform: hand-built `terraform show -json` documents in the
 * documented format (format_version 1.x: planned_values, resource_changes with
 * after_unknown, configuration with expressions), written the way HCL configurations appear
 * there (references without constant_value) and with resources that already exist (known
 * ids in planned values). Checks that references and literal ids link resources across plan
 * files, and that values known only after apply give "unknown", never "fail".
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { analyze } from '../lib/preflight/analyze';
import { runPreflight } from '../lib/preflight/cli';
import { expressionValue, mergeValues, stackFromPlan } from '../lib/preflight/read-plan';
import { UNKNOWN } from '../lib/preflight/tf';
import { checksOf, tally, verdicts } from './helpers/preflight';

type Json = Record<string, unknown>;

interface PlanResource {
  readonly address: string;
  /** Known values after the plan (planned_values). */
  readonly values: Json;
  /** Attribute -> HCL references (configuration.expressions without constant_value). */
  readonly refs?: Record<string, string[]>;
  /** Attributes known only after apply. */
  readonly unknown?: string[];
  /** Nested blocks written by hand into expressions/after_unknown. */
  readonly expressions?: Json;
  readonly afterUnknown?: Json;
  readonly actions?: string[];
}

const REGION = 'us-east-1';

function plan(stack: string, resources: PlanResource[]): Json {
  const split = (address: string) => {
    const [type, ...name] = address.split('.');
    return { type, name: name.join('.') };
  };
  return {
    format_version: '1.2',
    terraform_version: '1.11.4',
    planned_values: { root_module: { resources: resources.map((r) => ({ address: r.address, mode: 'managed', ...split(r.address), values: r.values, sensitive_values: {} })) } },
    resource_changes: resources.map((r) => ({
      address: r.address,
      mode: 'managed',
      ...split(r.address),
      change: {
        actions: r.actions ?? ['create'],
        after: r.values,
        after_unknown: { ...Object.fromEntries([...(r.unknown ?? []), ...Object.keys(r.refs ?? {})].map((k) => [k, true])), ...r.afterUnknown },
      },
    })),
    configuration: {
      provider_config: {
        aws: { name: 'aws', full_name: 'registry.terraform.io/hashicorp/aws', expressions: { region: { constant_value: REGION }, default_tags: [{ tags: { constant_value: { Environment: 'staging', Stack: stack } } }] } },
      },
      root_module: {
        resources: resources.map((r) => ({
          address: r.address,
          mode: 'managed',
          ...split(r.address),
          provider_config_key: 'aws',
          expressions: {
            ...Object.fromEntries(Object.entries(r.values).filter(([k, v]) => !isBlockList(v) && !(r.unknown ?? []).includes(k)).map(([k, v]) => [k, { constant_value: v }])),
            ...Object.fromEntries(Object.entries(r.refs ?? {}).map(([k, refs]) => [k, { references: refs.flatMap((ref) => [ref, ref.replace(/\.[a-z_]+$/, '')]) }])),
            ...r.expressions,
          },
        })),
      },
    },
  };
}

function isBlockList(v: unknown): boolean {
  return Array.isArray(v) && v.length > 0 && typeof v[0] === 'object';
}

const LAYERS = `arn:aws:s3:::prod-${REGION}-starport-layer-bucket/*`;

/** The network, already applied (no-op, every id known), plus a logs endpoint being created whose private DNS is computed. */
const network = plan('staging-network', [
  { address: 'aws_vpc.main', actions: ['no-op'], values: { id: 'vpc-0main', cidr_block: '10.0.0.0/16', enable_dns_support: true, enable_dns_hostnames: true } },
  { address: 'aws_subnet.a', actions: ['no-op'], values: { id: 'subnet-0aaa', vpc_id: 'vpc-0main', availability_zone: `${REGION}a`, cidr_block: '10.0.0.0/20' } },
  { address: 'aws_route_table.a', actions: ['no-op'], values: { id: 'rtb-0aaa', vpc_id: 'vpc-0main', route: [] } },
  { address: 'aws_route_table_association.a', actions: ['no-op'], values: { id: 'rtbassoc-0aaa', subnet_id: 'subnet-0aaa', route_table_id: 'rtb-0aaa' } },
  { address: 'aws_security_group.endpoints', actions: ['no-op'], values: { id: 'sg-0endpoints', vpc_id: 'vpc-0main', ingress: [{ protocol: 'tcp', from_port: 443, to_port: 443, cidr_blocks: ['10.0.0.0/16'], ipv6_cidr_blocks: [], security_groups: [], prefix_list_ids: [], self: false }] } },
  ...['ecr.api', 'ecr.dkr'].map((service) => ({
    address: `aws_vpc_endpoint.${service.replace('.', '_')}`,
    actions: ['no-op'],
    values: { id: `vpce-0${service.replace('.', '')}`, vpc_id: 'vpc-0main', service_name: `com.amazonaws.${REGION}.${service}`, vpc_endpoint_type: 'Interface', private_dns_enabled: true, subnet_ids: ['subnet-0aaa'], security_group_ids: ['sg-0endpoints'] },
  })),
  {
    address: 'aws_vpc_endpoint.s3',
    actions: ['no-op'],
    values: {
      id: 'vpce-0s3',
      prefix_list_id: 'pl-0s3',
      vpc_id: 'vpc-0main',
      service_name: `com.amazonaws.${REGION}.s3`,
      vpc_endpoint_type: 'Gateway',
      route_table_ids: ['rtb-0aaa'],
      policy: JSON.stringify({ Statement: [{ Effect: 'Allow', Principal: '*', Action: 's3:GetObject', Resource: LAYERS }] }),
    },
  },
  // Being created, in HCL: references, and private DNS computed by the provider.
  {
    address: 'aws_vpc_endpoint.logs',
    values: { service_name: `com.amazonaws.${REGION}.logs`, vpc_endpoint_type: 'Interface' },
    refs: { vpc_id: ['aws_vpc.main.id'], subnet_ids: ['aws_subnet.a.id'], security_group_ids: ['aws_security_group.endpoints.id'] },
    unknown: ['private_dns_enabled', 'id'],
  },
]);

/** The application, new: ids of the network are literals (from remote state or data sources); its own links are HCL references. */
const app = plan('staging-app', [
  { address: 'aws_security_group.tasks', values: { vpc_id: 'vpc-0main' }, unknown: ['id'] },
  // The awslogs group the task names must exist: declared here by its literal name.
  { address: 'aws_cloudwatch_log_group.app', values: { name: '/ecs/app' }, unknown: ['arn'] },
  { address: 'aws_vpc_security_group_egress_rule.endpoints', values: { ip_protocol: 'tcp', from_port: 443, to_port: 443, referenced_security_group_id: 'sg-0endpoints' }, refs: { security_group_id: ['aws_security_group.tasks.id'] } },
  { address: 'aws_vpc_security_group_egress_rule.s3', values: { ip_protocol: 'tcp', from_port: 443, to_port: 443, prefix_list_id: 'pl-0s3' }, refs: { security_group_id: ['aws_security_group.tasks.id'] } },
  {
    address: 'aws_ecs_task_definition.app',
    values: {
      family: 'app',
      container_definitions: JSON.stringify([
        { name: 'app', image: `123456789012.dkr.ecr.${REGION}.amazonaws.com/app:1.0.0`, portMappings: [{ containerPort: 8080 }], logConfiguration: { logDriver: 'awslogs', options: { 'awslogs-region': REGION, 'awslogs-group': '/ecs/app' } } },
      ]),
    },
    unknown: ['arn'],
  },
  {
    address: 'aws_ecs_service.app',
    values: { name: 'app', network_configuration: [{ assign_public_ip: false, subnets: ['subnet-0aaa'] }] },
    refs: { task_definition: ['aws_ecs_task_definition.app.arn'] },
    expressions: { network_configuration: [{ assign_public_ip: { constant_value: false }, subnets: { constant_value: ['subnet-0aaa'] }, security_groups: { references: ['aws_security_group.tasks.id', 'aws_security_group.tasks'] } }] },
    afterUnknown: { network_configuration: [{ security_groups: true }] },
  },
]);

const stacks = () => [stackFromPlan(network, 'network.json'), stackFromPlan(app, 'app.json')];

describe('hand-built plans', () => {
  test('names the stack after its Stack tag, with environment and region from the provider configuration', () => {
    const [n, a] = stacks();
    expect([n.name, n.environment, n.region]).toEqual(['staging-network', 'staging', REGION]);
    expect(a.name).toBe('staging-app');
  });

  test('rebuilds values: HCL references become ${...}, known values stay, values known after apply are UNKNOWN', () => {
    const [n, a] = stacks();
    const logs = n.resources.find((r) => r.address === 'aws_vpc_endpoint.logs')!;
    expect(logs.values).toMatchObject({ vpc_id: '${aws_vpc.main.id}', subnet_ids: '${aws_subnet.a.id}', private_dns_enabled: UNKNOWN, service_name: `com.amazonaws.${REGION}.logs` });
    const service = a.resources.find((r) => r.type === 'aws_ecs_service')!;
    expect(service.values.network_configuration).toEqual([{ assign_public_ip: false, subnets: ['subnet-0aaa'], security_groups: '${aws_security_group.tasks.id}' }]);
    expect(expressionValue({ references: ['aws_subnet.a.id', 'aws_subnet.a', 'aws_subnet.b.id', 'aws_subnet.b'] })).toEqual(['${aws_subnet.a.id}', '${aws_subnet.b.id}']);
    expect(mergeValues(undefined, undefined, true)).toBe(UNKNOWN);
  });

  test('links literal ids across plan files, and a value computed at apply makes its path unknown (not failed)', () => {
    const report = analyze(stacks(), 'plans');
    expect(verdicts(report, 'staging-app')).toEqual({
      'vpc-dns': ['pass'],
      'ecr-api': ['pass'],
      'ecr-dkr': ['pass'],
      's3-layers': ['pass'],
      logs: ['unknown'],
      // No execution role and no FARGATE requirement: the container instance role would pull and log.
      'iam-ecr': ['unknown'],
      'iam-logs': ['unknown'],
    });
    const [logs] = checksOf(report, 'staging-app', 'logs');
    expect(logs.reason).toBe(`private_dns_enabled of the com.amazonaws.${REGION}.logs endpoint is known only after apply`);
    expect(checksOf(report, 'staging-app', 'ecr-api')[0].via.map((v) => `${v.resource.stack} ${v.resource.address}`)).toEqual([
      'staging-network aws_vpc_endpoint.ecr_api',
      'staging-network aws_security_group.endpoints',
      'staging-app aws_vpc_security_group_egress_rule.endpoints',
    ]);
    expect(tally(report)).toEqual({ pass: 4, warn: 0, fail: 0, unknown: 3 });
  });

  test('npm run preflight takes the plan files: unknown is reported and exits 0; a failing path exits 1', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'preflight-plan-'));
    const files = [path.join(dir, 'network.json'), path.join(dir, 'app.json')];
    writeFileSync(files[0], JSON.stringify(network));
    writeFileSync(files[1], JSON.stringify(app));
    let stdout = '';
    expect(runPreflight(files, {}, { write: (t: string) => (stdout += t) }, { write: () => true })).toBe(0);
    expect(stdout).toContain('UNKNOWN (known only after apply, or outside the inputs; not counted as a failure): CloudWatch Logs (awslogs) (subnets aws_subnet.a)');

    const broken = structuredClone(network) as { planned_values: { root_module: { resources: { address: string; values: Json }[] } } };
    broken.planned_values.root_module.resources.find((r) => r.address === 'aws_vpc_endpoint.s3')!.values.route_table_ids = [];
    writeFileSync(files[0], JSON.stringify(broken));
    stdout = '';
    expect(runPreflight(files, {}, { write: (t: string) => (stdout += t) }, { write: () => true })).toBe(1);
    expect(stdout).toContain('FAIL: S3 (ECR image layers)');
  });

  test('network ACLs, endpoint policies and DHCP options in a plan, with values known only after apply', () => {
    const egress = [{ protocol: 'tcp', rule_no: 100, action: 'allow', cidr_block: '0.0.0.0/0', from_port: 443, to_port: 443, icmp_code: 0, icmp_type: 0, ipv6_cidr_block: '' }];
    const guard = (unknownCidr: boolean) =>
      plan('staging-guard', [
        { address: 'aws_network_acl.tasks', values: { vpc_id: 'vpc-0main', subnet_ids: ['subnet-0aaa'], egress, ingress: unknownCidr ? [{ ...egress[0], from_port: 1024, to_port: 65535 }] : [] }, unknown: ['id'], afterUnknown: unknownCidr ? { egress: [{ cidr_block: true }] } : {} },
        { address: 'aws_vpc_endpoint_policy.ecr_api', values: { vpc_endpoint_id: 'vpce-0ecrapi', policy: JSON.stringify({ Statement: [{ Effect: 'Deny', Principal: '*', Action: '*', Resource: '*' }] }) }, unknown: ['id'] },
        { address: 'aws_vpc_dhcp_options.custom', values: { domain_name_servers: ['10.0.0.53'] }, unknown: ['id', 'arn'] },
        { address: 'aws_vpc_dhcp_options_association.custom', values: { vpc_id: 'vpc-0main' }, refs: { dhcp_options_id: ['aws_vpc_dhcp_options.custom.id'] }, unknown: ['id'] },
      ]);
    const report = analyze([...stacks(), stackFromPlan(guard(false), 'guard.json')], 'plans');
    const v = verdicts(report, 'staging-app');
    // The ACL lets HTTPS out but not the replies in: S3 fails; the endpoints share the task subnet, which no ACL filters.
    expect(v['s3-layers']).toEqual(['fail']);
    expect(v['ecr-api']).toEqual(['fail']);
    expect(checksOf(report, 'staging-app', 'ecr-api')[0].awsError).toContain('with an explicit deny in a VPC endpoint policy');
    expect(v['ecr-dkr']).toEqual(['warn']);
    // With the replies allowed, a rule whose CIDR is known only after apply: unknown, not failed.
    expect(verdicts(analyze([...stacks(), stackFromPlan(guard(true), 'guard.json')], 'plans'), 'staging-app')['s3-layers']).toEqual(['unknown']);
  });

  test('an endpoint policy the provider computes (none configured) is full access, not unknown', () => {
    const withPolicy = structuredClone(network) as { resource_changes: { address: string; change: { after_unknown: Json } }[] };
    withPolicy.resource_changes.find((r) => r.address === 'aws_vpc_endpoint.logs')!.change.after_unknown.policy = true;
    const logs = stackFromPlan(withPolicy, 'network.json').resources.find((r) => r.address === 'aws_vpc_endpoint.logs')!;
    expect(logs.values.policy).toBe(UNKNOWN);
    expect(logs.computed).toContain('policy');
  });
});

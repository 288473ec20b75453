/**
 * Adversarial cases for the preflight on `terraform show -json` plans, built from the
 * committed real plans of the default configuration's dev stacks (planned offline): each
 * variant is a plan Terraform would write for a changed configuration, labelled with the
 * truth. A task that would not start must FAIL; a valid variant passes; a value known only
 * after apply is `unknown`, never a failure.
 */
import { stackFromPlan } from '../lib/preflight/read-plan';
import {
  addResource,
  addressOf,
  asApplied,
  asHcl,
  deleteResource,
  destroyPlan,
  indexResource,
  intoModule,
  Json,
  makeUnknown,
  Plans,
  preflightPlans,
  realPlans,
  removeResource,
  setActions,
} from './helpers/plan-mutate';
import { checksOf, tally } from './helpers/preflight';

const NET = 'dev-network';
const WEB = 'dev-web';

function run(change: (plans: Plans) => void = () => {}, only?: string[]) {
  const plans = realPlans();
  change(plans);
  const report = preflightPlans(plans, only);
  return { report, tally: tally(report), verdicts: (path: string) => checksOf(report, WEB, path).map((c) => c.verdict) };
}

describe('the real dev plans', () => {
  test('pass as they are, every path decided', () => {
    expect(run().tally).toEqual({ pass: 13, warn: 0, fail: 0, unknown: 0 });
  });

  test.each([
    ['replaced (delete, create)', ['delete', 'create']],
    ['replaced (create, delete)', ['create', 'delete']],
    ['unchanged (no-op)', ['no-op']],
    ['updated in place', ['update']],
  ])('an endpoint %s still exists after apply: pass', (_name, actions) => {
    const { tally: t } = run((p) => setActions(p[NET], addressOf(p[NET], 'aws_vpc_endpoint', /ecr-api/), actions));
    expect(t).toEqual({ pass: 13, warn: 0, fail: 0, unknown: 0 });
  });
});

describe('resources the plan deletes do not exist after apply', () => {
  const endpoints: Array<[string, RegExp, string]> = [
    ['ecr.api', /ecr-api/, 'ecr-api'],
    ['ecr.dkr', /ecr-dkr/, 'ecr-dkr'],
    ['logs', /logs/, 'logs'],
    ['s3 (gateway)', /s3/, 's3-layers'],
  ];
  test.each(endpoints)('the %s endpoint at count = 0 (configured, deleted): fail', (_name, re, path) => {
    const { verdicts } = run((p) => deleteResource(p[NET], addressOf(p[NET], 'aws_vpc_endpoint', re), 'count0'));
    expect(verdicts(path)).toEqual(['fail', 'fail']);
  });

  test.each(endpoints)('the %s endpoint removed from the configuration of a deployed stack: fail', (_name, re, path) => {
    const { verdicts } = run((p) => {
      for (const stack of Object.keys(p)) asApplied(p[stack]);
      deleteResource(p[NET], addressOf(p[NET], 'aws_vpc_endpoint', re), false);
    });
    expect(verdicts(path)).toEqual(['fail', 'fail']);
  });

  test('an endpoint whose change is a delete is gone, even if planned_values still listed it', () => {
    const { verdicts } = run((p) => setActions(p[NET], addressOf(p[NET], 'aws_vpc_endpoint', /ecr-api/), ['delete']));
    expect(verdicts('ecr-api')).toEqual(['fail', 'fail']);
  });

  test('the endpoint security group rule at count = 0: the interface paths fail', () => {
    const { verdicts } = run((p) => deleteResource(p[NET], addressOf(p[NET], 'aws_vpc_security_group_ingress_rule'), 'count0'));
    for (const path of ['ecr-api', 'ecr-dkr', 'logs']) expect(verdicts(path)).toEqual(['fail', 'fail']);
  });

  test.each([
    ['the task egress rule to the endpoints', 'aws_vpc_security_group_egress_rule', /https-to-endpoints/, 'ecr-api'],
    ['the task egress rule to S3', 'aws_vpc_security_group_egress_rule', /https-to-s3/, 's3-layers'],
    ['the listener rule', 'aws_lb_listener_rule', /./, 'load-balancer'],
    ['the ingress rule from the load balancer', 'aws_vpc_security_group_ingress_rule', /from-alb/, 'load-balancer'],
    ['the execution role policy', 'aws_iam_role_policy', /./, 'iam-ecr'],
    ['the log group', 'aws_cloudwatch_log_group', /./, 'log-group'],
  ])('%s at count = 0: fail', (_name, type, re, path) => {
    const { verdicts } = run((p) => deleteResource(p[WEB], addressOf(p[WEB], type, re), 'count0'));
    expect(verdicts(path)).toContain('fail');
  });

  test('the platform stack destroyed (terraform plan -destroy): its pull-through cache rule is gone (fail), its listener is not taken as present', () => {
    const { verdicts } = run((p) => destroyPlan(p['dev-platform']));
    expect(verdicts('pull-through')).toEqual(['fail']);
    // The listener the rule names through the platform's output is not declared any more:
    // undecided (the check cannot tell a deleted listener from one of an unloaded stack).
    expect(verdicts('load-balancer')).toEqual(['unknown']);
  });

  test('the network stack destroyed: the service has no subnets or security groups to place tasks in (fail)', () => {
    const { verdicts } = run((p) => destroyPlan(p[NET]));
    expect(verdicts('network')).toEqual(['fail']);
    // Only the network stack's plan: what it deletes is known, so still a failure.
    const alone = run((p) => destroyPlan(p[NET]), [NET, WEB]);
    expect(alone.verdicts('network')).toEqual(['fail']);
  });

  test('a subnet of the service at count = 0: the service is placed in a subnet that will not exist (fail)', () => {
    const { verdicts } = run((p) => deleteResource(p[NET], addressOf(p[NET], 'aws_subnet', /private-b/), 'count0'));
    expect(verdicts('network')).toEqual(['fail']);
  });

  test('a destroy plan declares no resources', () => {
    const plans = realPlans();
    destroyPlan(plans[NET]);
    expect(stackFromPlan(plans[NET], NET).resources.filter((r) => r.mode === 'managed')).toEqual([]);
  });
});

describe('instances with count and for_each keys', () => {
  test.each([
    ['a subnet', NET, 'aws_subnet', /private-a/],
    ['the VPC', NET, 'aws_vpc', /./],
    ['the endpoint security group', NET, 'aws_security_group', /./],
    ['the S3 endpoint', NET, 'aws_vpc_endpoint', /s3/],
    ['the route table association', NET, 'aws_route_table_association', /private-a/],
    ['the task definition', WEB, 'aws_ecs_task_definition', /./],
    ['the execution role', WEB, 'aws_iam_role', /execution/],
    ['the log group', WEB, 'aws_cloudwatch_log_group', /./],
  ])('%s as [0] and ["k"]: pass', (_name, stack, type, re) => {
    for (const index of [0, 'k']) {
      const { tally: t } = run((p) => {
        indexResource(p[stack], addressOf(p[stack], type, re), index);
        // As HCL the web stack's policies are jsonencode() of unknown ARNs: kept as cdktf writes them.
        if (stack === NET) asHcl(p[stack]);
      });
      expect(t).toEqual({ pass: 13, warn: 0, fail: 0, unknown: 0 });
    }
  });
});

describe('values known only after apply are unknown, never a failure', () => {
  test.each([
    ['target_type of the target group', WEB, 'aws_lb_target_group', /./, 'target_type', 'load-balancer'],
    ['subnet_id of the private-a route table association', NET, 'aws_route_table_association', /private-a/, 'subnet_id', 's3-layers'],
  ])('%s', (_name, stack, type, re, attribute, path) => {
    const { verdicts, tally: t } = run((p) => makeUnknown(p[stack], addressOf(p[stack], type, re), attribute));
    expect(verdicts(path)).toContain('unknown');
    expect(t.fail).toBe(0);
  });

  test.each([
    ['enable_dns_support', NET, 'aws_vpc', /./],
    ['private_dns_enabled', NET, 'aws_vpc_endpoint', /ecr-api/],
    ['service_name', NET, 'aws_vpc_endpoint', /ecr-api/],
    ['vpc_endpoint_type', NET, 'aws_vpc_endpoint', /ecr-api/],
    ['policy', NET, 'aws_vpc_endpoint', /s3/],
    ['cidr_block', NET, 'aws_subnet', /private-a/],
    ['availability_zone', NET, 'aws_subnet', /private-b/],
    ['cidr_ipv4', NET, 'aws_vpc_security_group_ingress_rule', /./],
    ['container_definitions', WEB, 'aws_ecs_task_definition', /./],
    ['execution_role_arn', WEB, 'aws_ecs_task_definition', /./],
    ['network_configuration', WEB, 'aws_ecs_service', /./],
    ['from_port', WEB, 'aws_vpc_security_group_egress_rule', /endpoints/],
    ['policy', WEB, 'aws_iam_role_policy', /./],
  ])('%s of %s %s: no failure', (attribute, stack, type, re) => {
    expect(run((p) => makeUnknown(p[stack], addressOf(p[stack], type, re), attribute)).tally.fail).toBe(0);
  });
});

describe('attributes the provider computes are not configured values', () => {
  test('without its route table association a subnet uses the unmanaged main route table: the S3 layers fail (the gateway endpoint has computed subnet_ids)', () => {
    const { verdicts } = run((p) => removeResource(p[NET], addressOf(p[NET], 'aws_route_table_association', /private-a/)));
    expect(verdicts('s3-layers')).toEqual(['fail', 'pass']);
  });

  test("without the execution role's policy a new role has no permissions (managed_policy_arns is computed): image pull and awslogs fail", () => {
    const { verdicts } = run((p) => removeResource(p[WEB], addressOf(p[WEB], 'aws_iam_role_policy')));
    expect(verdicts('iam-ecr')).toEqual(['fail']);
    expect(verdicts('iam-logs')).toEqual(['fail']);
  });
});

describe('plans of only some stacks: what the missing stacks hold is unknown', () => {
  test.each([[[WEB]], [[WEB, NET]], [[WEB, 'dev-platform']]])('%j: no failure', (only) => {
    const { tally: t, report } = run(undefined, only);
    expect(report.services).toHaveLength(1);
    expect(t.fail).toBe(0);
    expect(t.unknown).toBeGreaterThan(0);
  });

  test('without the platform plan, the pull-through cache rule is unknown (it may be there)', () => {
    const { verdicts } = run(undefined, [WEB, NET]);
    expect(verdicts('pull-through')).toEqual(['unknown']);
  });
});

describe('HCL-style configurations and modules', () => {
  test('every stack written as HCL (references without constant values): no failure', () => {
    expect(run((p) => Object.values(p).forEach(asHcl)).tally.fail).toBe(0);
  });

  test('the network stack inside a module, outputs read through module outputs: pass', () => {
    expect(run((p) => intoModule(p[NET], 'net')).tally).toEqual({ pass: 13, warn: 0, fail: 0, unknown: 0 });
    expect(run((p) => (intoModule(p[NET], 'net'), asHcl(p[NET]))).tally).toEqual({ pass: 13, warn: 0, fail: 0, unknown: 0 });
  });

  test('the network stack inside a module without its ECR DKR endpoint: fail', () => {
    const { verdicts } = run((p) => {
      removeResource(p[NET], addressOf(p[NET], 'aws_vpc_endpoint', /ecr-dkr/));
      intoModule(p[NET], 'net');
    });
    expect(verdicts('ecr-dkr')).toEqual(['fail', 'fail']);
  });

  test('an endpoint in a nested module reads its VPC, subnets and groups through the module inputs', () => {
    const moduleEndpoint = (p: Plans, type: string) => {
      const plan = p[NET];
      const address = addressOf(plan, 'aws_vpc_endpoint', /ecr-dkr/);
      const config = (plan.configuration.root_module.resources as Json[]).find((r) => address === `${r.type}.${r.name}`)!;
      const inputs: Json = {};
      for (const key of ['vpc_id', 'subnet_ids', 'security_group_ids']) {
        inputs[key] = config.expressions[key];
        config.expressions[key] = { references: [`var.${key}`] };
      }
      config.expressions.vpc_endpoint_type = { constant_value: type };
      removeResource(plan, address);
      plan.configuration.root_module.module_calls = { ep: { source: './ep', expressions: inputs, module: { resources: [config] } } };
      const planned = realPlans()[NET].planned_values.root_module.resources.find((r: Json) => r.address === address);
      planned.address = `module.ep.${address}`;
      planned.values.vpc_endpoint_type = type;
      plan.planned_values.root_module.child_modules = [{ address: 'module.ep', resources: [planned] }];
      plan.resource_changes.push({ address: `module.ep.${address}`, module_address: 'module.ep', mode: 'managed', type: 'aws_vpc_endpoint', name: config.name, change: { actions: ['create'], after: planned.values, after_unknown: { id: true } } });
    };
    expect(run((p) => moduleEndpoint(p, 'Interface')).tally).toEqual({ pass: 13, warn: 0, fail: 0, unknown: 0 });
    expect(run((p) => moduleEndpoint(p, 'Gateway')).verdicts('ecr-dkr')).toEqual(['fail', 'fail']);
  });
});

describe('resources added to the real plans', () => {
  // A network ACL on the private subnets that lets HTTPS in but nothing out.
  const denyingAcl = (p: Plans) =>
    addResource(p[NET], 'aws_network_acl', 'private', {
      vpc_id: `\${${addressOf(p[NET], 'aws_vpc')}.id}`,
      subnet_ids: [`\${${addressOf(p[NET], 'aws_subnet', /private-a/)}.id}`, `\${${addressOf(p[NET], 'aws_subnet', /private-b/)}.id}`],
      ingress: [{ rule_no: 100, action: 'allow', protocol: 'tcp', from_port: 443, to_port: 443, cidr_block: '10.10.0.0/16', ipv6_cidr_block: '', icmp_code: 0, icmp_type: 0 }],
      egress: [],
    });
  // An endpoint policy, as its own resource, that denies everything.
  const denyingPolicy = (p: Plans) =>
    addResource(p[NET], 'aws_vpc_endpoint_policy', 'deny', {
      vpc_endpoint_id: `\${${addressOf(p[NET], 'aws_vpc_endpoint', /ecr-api/)}.id}`,
      policy: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Deny', Principal: '*', Action: '*', Resource: '*' }] }),
    });

  test('a network ACL letting nothing out of the task subnets: the endpoint paths fail', () => {
    const { verdicts } = run(denyingAcl);
    for (const path of ['ecr-api', 'ecr-dkr', 'logs', 's3-layers']) expect(verdicts(path)).toEqual(['fail', 'fail']);
  });

  test('the same network ACL at count = 0: pass', () => {
    const { tally: t } = run((p) => deleteResource(p[NET], denyingAcl(p), 'count0'));
    expect(t).toEqual({ pass: 13, warn: 0, fail: 0, unknown: 0 });
  });

  test('an aws_vpc_endpoint_policy denying everything: ECR API fails; deleted by the plan: pass', () => {
    expect(run(denyingPolicy).verdicts('ecr-api')).toEqual(['fail', 'fail']);
    expect(run((p) => deleteResource(p[NET], denyingPolicy(p), false)).tally).toEqual({ pass: 13, warn: 0, fail: 0, unknown: 0 });
  });
});

describe('data sources read at plan time (prior_state)', () => {
  // The task egress rule to S3 names the S3 prefix list through a data source looked up by name.
  const prefixListByName = (service: string) => (p: Plans) => {
    const plan = p[WEB];
    const name = `com.amazonaws.ap-northeast-2.${service}`;
    const rule = (plan.configuration.root_module.resources as Json[]).find((r) => /to-s3/.test(r.name))!;
    rule.expressions.prefix_list_id = { references: ['data.aws_ec2_managed_prefix_list.pl.id', 'data.aws_ec2_managed_prefix_list.pl'] };
    plan.configuration.root_module.resources.push({ address: 'data.aws_ec2_managed_prefix_list.pl', mode: 'data', type: 'aws_ec2_managed_prefix_list', name: 'pl', provider_config_key: 'aws', expressions: { name: { constant_value: name } } });
    plan.prior_state.values.root_module.resources.push({ address: 'data.aws_ec2_managed_prefix_list.pl', mode: 'data', type: 'aws_ec2_managed_prefix_list', name: 'pl', values: { id: 'pl-0123456789abcdef0', name, entry: [] } });
    const planned = (plan.planned_values.root_module.resources as Json[]).find((r) => /to-s3/.test(r.address))!;
    planned.values.prefix_list_id = 'pl-0123456789abcdef0';
  };

  test('the S3 prefix list looked up by name: pass', () => {
    expect(run(prefixListByName('s3')).tally).toEqual({ pass: 13, warn: 0, fail: 0, unknown: 0 });
  });

  test("another service's prefix list: the S3 layers fail", () => {
    expect(run(prefixListByName('dynamodb')).verdicts('s3-layers')).toEqual(['fail', 'fail']);
  });
});

/**
 * The preflight is right on the network: network ACLs (stateless, first match, default
 * deny), VPC endpoint policies on the interface endpoints, condition keys in the S3 endpoint
 * policy, custom DNS servers, and the false alarms that used to refuse valid synths (a load
 * balancer admitted by CIDR, S3 egress to a prefix list looked up by name). Each test
 * changes real synthesized JSON the way an escape hatch would; valid variants must pass.
 */
import { configFrom, defaultConfigData, Json, synthConfig, synthDefault } from './helpers/synth';
import { checksOf, named, one, preflightOf, Stacks, stacksOf, tally, verdicts } from './helpers/preflight';

const REGION = 'ap-northeast-2';
const defaults = synthDefault();
const dev = (name: string) => name.startsWith('dev-');
const fresh = (): Stacks => stacksOf(defaults);

const VPC = () => `\${aws_vpc.${named(defaults.stack('dev-network'), 'aws_vpc', /./)[0][0]}.id}`;
const subnetRef = (stacks: Stacks, zone: 'a' | 'b') => `\${aws_subnet.${named(stacks['dev-network'], 'aws_subnet', new RegExp(`private-${zone}`))[0][0]}.id}`;
const ALLOW_ALL = [{ protocol: '-1', rule_no: 100, action: 'allow', cidr_block: '0.0.0.0/0', from_port: 0, to_port: 0 }];
const tcp = (rule_no: number, action: 'allow' | 'deny', cidr_block: string, from_port: number, to_port = from_port) => ({ protocol: 'tcp', rule_no, action, cidr_block, from_port, to_port });

/**
 * Rules for tasks whose endpoints share their subnets (the default): HTTPS out and the
 * replies in, for the tasks; HTTPS in from the VPC and the replies out, for the endpoints.
 */
const OPEN_EGRESS = [tcp(100, 'allow', '0.0.0.0/0', 443), tcp(110, 'allow', '10.10.0.0/16', 1024, 65535)];
const OPEN_INGRESS = [tcp(100, 'allow', '0.0.0.0/0', 1024, 65535), tcp(110, 'allow', '10.10.0.0/16', 443)];

/** A network ACL on the dev task subnets. */
function withAcl(egress: Json[], ingress: Json[], stacks = fresh()): Stacks {
  stacks['dev-network'].resource.aws_network_acl = { tasks: { vpc_id: VPC(), subnet_ids: [subnetRef(stacks, 'a'), subnetRef(stacks, 'b')], egress, ingress } };
  return stacks;
}

describe('network ACLs', () => {
  test('allowing HTTPS and the ephemeral ports back both ways: every path passes', () => {
    const report = preflightOf(withAcl(OPEN_EGRESS, OPEN_INGRESS), dev);
    expect(tally(report)).toMatchObject({ fail: 0, unknown: 0, warn: 0 });
  });

  test('no inbound rule for the return traffic: stateless, so every AWS path fails', () => {
    const report = preflightOf(withAcl(OPEN_EGRESS, [tcp(110, 'allow', '10.10.0.0/16', 443)]), dev);
    const v = verdicts(report, 'dev-web');
    for (const path of ['ecr-api', 'ecr-dkr', 's3-layers', 'logs']) expect(v[path]).toEqual(['fail', 'fail']);
    const [s3] = checksOf(report, 'dev-web', 's3-layers');
    expect(s3.reason).toBe(
      'network ACL aws_network_acl.tasks of acme-dev-private-a: inbound TCP 32768-60999 from 0.0.0.0/0 (public addresses) (return traffic of HTTPS to S3 (ECR image layers)): no rule allows it (the final * rule denies) (network ACLs are stateless: return traffic needs its own rule)',
    );
    expect(s3.awsError).toMatch(/^CannotPullContainerError: .*i\/o timeout$/);
    expect(s3.fix?.[0]).toMatch(/aws_network_acl\.tasks: add an ingress rule allowing TCP 1024-65535 from 0\.0\.0\.0\/0/);
    expect(checksOf(report, 'dev-web', 'logs')[0].reason).toContain('inbound TCP 32768-60999 from 10.10.64.0/18 (return traffic of HTTPS to aws_vpc_endpoint.endpoints_logs_');
  });

  test('rules only for the VPC CIDR: the endpoints pass, S3 (public addresses) fails', () => {
    const vpcOnly = [tcp(100, 'allow', '10.10.0.0/16', 443), tcp(110, 'allow', '10.10.0.0/16', 1024, 65535)];
    const report = preflightOf(withAcl(vpcOnly, vpcOnly), dev);
    const v = verdicts(report, 'dev-web');
    expect(v['ecr-api']).toEqual(['pass', 'pass']);
    expect(v['s3-layers']).toEqual(['fail', 'fail']);
    expect(checksOf(report, 'dev-web', 's3-layers')[0].reason).toContain('outbound TCP 443 to 0.0.0.0/0 (public addresses)');
  });

  test('first match wins: a deny numbered below the allow blocks, above it does not', () => {
    const denyFirst = preflightOf(withAcl([tcp(50, 'deny', '0.0.0.0/0', 443), ...OPEN_EGRESS], OPEN_INGRESS), dev);
    const [s3] = checksOf(denyFirst, 'dev-web', 's3-layers');
    expect(s3.verdict).toBe('fail');
    expect(s3.reason).toContain('outbound TCP 443 to 0.0.0.0/0 (public addresses) (HTTPS to S3 (ECR image layers)): rule 50 denies it');
    const allowFirst = preflightOf(withAcl([...OPEN_EGRESS, tcp(200, 'deny', '0.0.0.0/0', 443)], OPEN_INGRESS), dev);
    expect(tally(allowFirst).fail).toBe(0);
  });

  test('aws_network_acl_rule resources count like inline rules; a partial port range is unknown, not failed', () => {
    const stacks = withAcl([], []);
    stacks['dev-network'].resource.aws_network_acl_rule = {
      out: { network_acl_id: '${aws_network_acl.tasks.id}', rule_number: 100, egress: true, protocol: 'tcp', rule_action: 'allow', cidr_block: '0.0.0.0/0', from_port: 443, to_port: 443 },
      back: { network_acl_id: '${aws_network_acl.tasks.id}', rule_number: 100, egress: false, protocol: '6', rule_action: 'allow', cidr_block: '0.0.0.0/0', from_port: 1024, to_port: 65535 },
      replies: { network_acl_id: '${aws_network_acl.tasks.id}', rule_number: 110, egress: true, protocol: '-1', rule_action: 'allow', cidr_block: '10.10.0.0/16', from_port: 0, to_port: 0 },
      requests: { network_acl_id: '${aws_network_acl.tasks.id}', rule_number: 110, egress: false, protocol: 'all', rule_action: 'allow', cidr_block: '10.10.0.0/16', from_port: 0, to_port: 0 },
    };
    expect(tally(preflightOf(stacks, dev)).fail).toBe(0);
    stacks['dev-network'].resource.aws_network_acl_rule.back.from_port = 50000;
    const [s3] = checksOf(preflightOf(stacks, dev), 'dev-web', 's3-layers');
    expect(s3.verdict).toBe('unknown');
  });

  test('the default ACL applies to subnets without an association; an association overrides it', () => {
    const stacks = fresh();
    stacks['dev-network'].resource.aws_default_network_acl = {
      default: { default_network_acl_id: `\${aws_vpc.${named(stacks['dev-network'], 'aws_vpc', /./)[0][0]}.default_network_acl_id}`, egress: [tcp(100, 'allow', '0.0.0.0/0', 443)], ingress: [] },
    };
    expect(verdicts(preflightOf(stacks, dev), 'dev-web')['s3-layers']).toEqual(['fail', 'fail']);
    stacks['dev-network'].resource.aws_network_acl = { open: { vpc_id: VPC(), egress: ALLOW_ALL, ingress: ALLOW_ALL } };
    stacks['dev-network'].resource.aws_network_acl_association = { a: { network_acl_id: '${aws_network_acl.open.id}', subnet_id: subnetRef(stacks, 'a') } };
    expect(verdicts(preflightOf(stacks, dev), 'dev-web')['s3-layers']).toEqual(['pass', 'fail']);
  });

  test('endpoints in their own subnets: their ACL must admit HTTPS from the tasks and let the replies out', () => {
    const stacks = fresh();
    const network = stacks['dev-network'];
    network.resource.aws_subnet['endpoints-a'] = { vpc_id: VPC(), cidr_block: '10.10.192.0/24', availability_zone: `${REGION}a`, tags: { Name: 'endpoints-a' } };
    network.resource.aws_subnet['endpoints-b'] = { vpc_id: VPC(), cidr_block: '10.10.193.0/24', availability_zone: `${REGION}b`, tags: { Name: 'endpoints-b' } };
    for (const [, endpoint] of named(network, 'aws_vpc_endpoint', /ecr|logs/)) endpoint.subnet_ids = ['${aws_subnet.endpoints-a.id}', '${aws_subnet.endpoints-b.id}'];
    network.resource.aws_network_acl = {
      endpoints: { vpc_id: VPC(), subnet_ids: ['${aws_subnet.endpoints-a.id}', '${aws_subnet.endpoints-b.id}'], ingress: [tcp(100, 'allow', '10.10.0.0/16', 443)], egress: [] },
    };
    const [ecr] = checksOf(preflightOf(stacks, dev), 'dev-web', 'ecr-api');
    expect(ecr.verdict).toBe('fail');
    expect(ecr.reason).toContain('network ACL aws_network_acl.endpoints of endpoints-a: outbound TCP 32768-60999 to 10.10.0.0/18');
    network.resource.aws_network_acl.endpoints.egress = [tcp(100, 'allow', '10.10.0.0/16', 1024, 65535)];
    expect(tally(preflightOf(stacks, dev)).fail).toBe(0);
    network.resource.aws_network_acl.endpoints.ingress = [tcp(100, 'allow', '10.10.128.0/17', 443)];
    expect(checksOf(preflightOf(stacks, dev), 'dev-web', 'ecr-api')[0].reason).toContain('inbound TCP 443 from 10.10.0.0/18');
  });
});

describe('interface endpoint policies', () => {
  const policy = (...Statement: Json[]) => JSON.stringify({ Version: '2012-10-17', Statement });

  test('an ecr.api policy without ecr:GetAuthorizationToken: registry auth is denied by the endpoint', () => {
    const stacks = fresh();
    one(stacks['dev-network'], 'aws_vpc_endpoint', /ecr-api/).policy = policy({ Effect: 'Allow', Principal: '*', Action: 'ecr:BatchGetImage', Resource: '*' });
    const [ecr] = checksOf(preflightOf(stacks, dev), 'dev-web', 'ecr-api');
    expect(ecr.verdict).toBe('fail');
    expect(ecr.reason).toMatch(/the policy of aws_vpc_endpoint\.endpoints_ecr-api_\w+ does not allow ecr:GetAuthorizationToken on \*, which the image of container web needs/);
    expect(ecr.awsError).toContain('is not authorized to perform: ecr:GetAuthorizationToken on resource: * because no VPC endpoint policy allows the ecr:GetAuthorizationToken action');
  });

  test('a separate aws_vpc_endpoint_policy with a Deny on the log stream', () => {
    const stacks = fresh();
    const endpoint = named(stacks['dev-network'], 'aws_vpc_endpoint', /_logs_/)[0][0];
    stacks['dev-network'].resource.aws_vpc_endpoint_policy = {
      logs: { vpc_endpoint_id: `\${aws_vpc_endpoint.${endpoint}.id}`, policy: policy({ Effect: 'Allow', Principal: '*', Action: '*', Resource: '*' }, { Sid: 'NoWrites', Effect: 'Deny', Principal: '*', Action: 'logs:PutLogEvents', Resource: '*' }) },
    };
    const [logs] = checksOf(preflightOf(stacks, dev), 'dev-web', 'logs');
    expect(logs.verdict).toBe('fail');
    expect(logs.reason).toContain('(aws_vpc_endpoint_policy.logs) of');
    expect(logs.awsError).toContain('with an explicit deny in a VPC endpoint policy');
    expect(logs.fix?.[0]).toMatch(/^dev-network aws_vpc_endpoint_policy\.logs: policy: allow logs:PutLogEvents/);
  });

  const valid: [string, Json][] = [
    ['full access', { Effect: 'Allow', Principal: '*', Action: '*', Resource: '*' }],
    ['the service actions to AWS "*"', { Effect: 'Allow', Principal: { AWS: '*' }, Action: ['ecr:*', 'logs:CreateLogStream', 'logs:PutLogEvents'], Resource: '*' }],
    ['only this account (aws:PrincipalAccount)', { Effect: 'Allow', Principal: '*', Action: '*', Resource: '*', Condition: { StringEquals: { 'aws:PrincipalAccount': '${data.aws_caller_identity.current.account_id}' } } }],
  ];
  test.each(valid)('a policy that lets the task through passes: %s', (_name, statement) => {
    const stacks = fresh();
    for (const [, endpoint] of named(stacks['dev-network'], 'aws_vpc_endpoint', /ecr|logs/)) endpoint.policy = policy(statement);
    expect(tally(preflightOf(stacks, dev))).toMatchObject({ fail: 0, unknown: 0 });
  });

  test('a policy naming principals the preflight cannot match: unknown, not failed', () => {
    const stacks = fresh();
    one(stacks['dev-network'], 'aws_vpc_endpoint', /ecr-dkr/).policy = policy({ Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::123456789012:root' }, Action: '*', Resource: '*' });
    expect(checksOf(preflightOf(stacks, dev), 'dev-web', 'ecr-dkr').map((c) => c.verdict)).toEqual(['unknown', 'unknown']);
  });
});

describe('a pinned account (allowed_account_ids) decides account conditions and literal ARNs', () => {
  const pinned = (account = '111111111111') => {
    const stacks = fresh();
    for (const name of Object.keys(stacks).filter(dev)) for (const provider of stacks[name].provider.aws) provider.allowed_account_ids = [account];
    return stacks;
  };
  const withPolicy = (stacks: Stacks, statement: Json) => {
    for (const [, endpoint] of named(stacks['dev-network'], 'aws_vpc_endpoint', /ecr-dkr/)) endpoint.policy = JSON.stringify({ Version: '2012-10-17', Statement: [statement] });
    return checksOf(preflightOf(stacks, dev), 'dev-web', 'ecr-dkr')[0];
  };

  test('aws:PrincipalAccount of another account denies; of the pinned one passes', () => {
    const condition = (account: string) => ({ Effect: 'Allow', Principal: '*', Action: '*', Resource: '*', Condition: { StringEquals: { 'aws:PrincipalAccount': account } } });
    expect(withPolicy(pinned(), condition('222222222222')).verdict).toBe('fail');
    expect(withPolicy(pinned(), condition('111111111111')).verdict).toBe('pass');
    // Not pinned: an account id is taken as the deploy account.
    expect(withPolicy(fresh(), condition('222222222222')).verdict).toBe('pass');
  });

  test('the execution role named by its literal ARN as the principal', () => {
    const statement = (account: string) => ({ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${account}:role/acme-dev-web-execution` }, Action: 'ecr:*', Resource: '*' });
    expect(withPolicy(pinned(), statement('111111111111')).verdict).toBe('pass');
    expect(withPolicy(pinned(), statement('222222222222')).verdict).toBe('fail');
    // The account root delegates to the account's IAM policies.
    expect(withPolicy(pinned(), { ...statement('111111111111'), Principal: { AWS: 'arn:aws:iam::111111111111:root' } }).verdict).toBe('pass');
    expect(withPolicy(pinned(), { ...statement('111111111111'), Principal: { AWS: '222222222222' } }).verdict).toBe('fail');
  });
});

describe('S3 gateway endpoint policy conditions', () => {
  const withS3Condition = (statement: Json) => {
    const stacks = fresh();
    const endpoint = one(stacks['dev-network'], 'aws_vpc_endpoint', /_s3_/);
    const doc = JSON.parse(endpoint.policy);
    doc.Statement = [{ ...doc.Statement[0], ...statement }];
    endpoint.policy = JSON.stringify(doc);
    return checksOf(preflightOf(stacks, dev), 'dev-web', 's3-layers')[0];
  };

  test('aws:ResourceAccount limited to this account denies the AWS-owned layer bucket', () => {
    const s3 = withS3Condition({ Condition: { StringEquals: { 'aws:ResourceAccount': '${data.aws_caller_identity.current.account_id}' } } });
    expect(s3.verdict).toBe('fail');
    expect(s3.awsError).toMatch(/403 Forbidden$/);
    expect(withS3Condition({ Condition: { StringEquals: { 'aws:ResourceAccount': '123456789012' } } }).verdict).toBe('fail');
  });

  test('aws:PrincipalAccount and aws:SecureTransport are fine; an unknown key is unknown, never failed', () => {
    expect(withS3Condition({ Condition: { StringEquals: { 'aws:PrincipalAccount': '123456789012' } } }).verdict).toBe('pass');
    expect(withS3Condition({ Condition: { Bool: { 'aws:SecureTransport': 'true' } } }).verdict).toBe('pass');
    expect(withS3Condition({ Condition: { StringEquals: { 'aws:PrincipalOrgID': 'o-abc' } } }).verdict).toBe('unknown');
  });

  test('a Deny unless aws:ResourceAccount is this account also blocks the layers', () => {
    const stacks = fresh();
    const endpoint = one(stacks['dev-network'], 'aws_vpc_endpoint', /_s3_/);
    const doc = JSON.parse(endpoint.policy);
    doc.Statement.push({ Sid: 'OnlyOurBuckets', Effect: 'Deny', Principal: '*', Action: 's3:*', Resource: '*', Condition: { StringNotEquals: { 'aws:ResourceAccount': ['123456789012'] } } });
    endpoint.policy = JSON.stringify(doc);
    const [s3] = checksOf(preflightOf(stacks, dev), 'dev-web', 's3-layers');
    expect(s3.verdict).toBe('fail');
    expect(s3.reason).toContain('denies (statement OnlyOurBuckets) s3:GetObject');
  });
});

describe('custom DNS servers (DHCP options)', () => {
  const withDns = (servers: string[], stacks = fresh()) => {
    stacks['dev-network'].resource.aws_vpc_dhcp_options = { custom: { domain_name_servers: servers } };
    stacks['dev-network'].resource.aws_vpc_dhcp_options_association = { custom: { vpc_id: VPC(), dhcp_options_id: '${aws_vpc_dhcp_options.custom.id}' } };
    return stacks;
  };

  test('a public DNS server answers with public addresses: without NAT, every interface path fails', () => {
    const report = preflightOf(withDns(['8.8.8.8']), dev);
    const [ecr] = checksOf(report, 'dev-web', 'ecr-api');
    expect(ecr.verdict).toBe('fail');
    expect(ecr.reason).toMatch(/make 8\.8\.8\.8 the tasks' DNS server, which answers api\.ecr\.ap-northeast-2\.amazonaws\.com with public addresses .*, and there is no way to the internet/);
    expect(ecr.fix?.[0]).toMatch(/aws_vpc_dhcp_options\.custom: set domain_name_servers = \["AmazonProvidedDNS"\]/);
    // S3 is reached by its public name through the gateway endpoint anyway.
    expect(verdicts(report, 'dev-web')['s3-layers']).toEqual(['pass', 'pass']);
  });

  test('the Amazon DNS server by name, by address or at the VPC base + 2 passes; a private resolver warns', () => {
    for (const servers of [['AmazonProvidedDNS'], ['169.254.169.253'], ['10.10.0.2', '10.0.0.53']]) expect(tally(preflightOf(withDns(servers), dev))).toMatchObject({ fail: 0, warn: 0 });
    const report = preflightOf(withDns(['10.0.0.53']), dev);
    expect(tally(report).fail).toBe(0);
    const [ecr] = checksOf(report, 'dev-web', 'ecr-api');
    expect(ecr.verdict).toBe('warn');
    expect(ecr.reason).toContain('only if it forwards amazonaws.com to 10.10.0.2');
  });

  test('a public DNS server with NAT: names resolve publicly and go through the NAT gateway', () => {
    const data = defaultConfigData();
    data.environments.dev.network.egress = 'nat';
    data.environments = { dev: data.environments.dev };
    const report = preflightOf(withDns(['8.8.8.8'], stacksOf(synthConfig(configFrom(data)))), dev);
    expect(tally(report).fail).toBe(0);
    expect(checksOf(report, 'dev-web', 'ecr-api')[0].reason).toMatch(/; over the internet: 0\.0\.0\.0\/0 goes to NAT gateway/);
  });
});

describe('false alarms that refused valid synths', () => {
  test('the task security group admits the load balancer by the VPC CIDR', () => {
    const stacks = fresh();
    const rule = one(stacks['dev-web'], 'aws_vpc_security_group_ingress_rule', /from-alb/);
    delete rule.referenced_security_group_id;
    rule.cidr_ipv4 = '10.10.0.0/16';
    expect(checksOf(preflightOf(stacks, dev), 'dev-web', 'load-balancer')[0].verdict).toBe('pass');
    rule.cidr_ipv4 = '192.168.0.0/16';
    expect(checksOf(preflightOf(stacks, dev), 'dev-web', 'load-balancer')[0].verdict).toBe('fail');
  });

  test('S3 egress to the prefix list looked up with data.aws_ec2_managed_prefix_list', () => {
    const stacks = fresh();
    stacks['dev-web'].data = { ...stacks['dev-web'].data, aws_ec2_managed_prefix_list: { s3: { name: `com.amazonaws.${REGION}.s3` } } };
    one(stacks['dev-web'], 'aws_vpc_security_group_egress_rule', /https-to-s3/).prefix_list_id = '${data.aws_ec2_managed_prefix_list.s3.id}';
    expect(verdicts(preflightOf(stacks, dev), 'dev-web')['s3-layers']).toEqual(['pass', 'pass']);
    // A list whose name is not known before apply: unknown, not failed.
    stacks['dev-web'].data.aws_ec2_managed_prefix_list.s3 = { filter: [{ name: 'prefix-list-name', values: ['${var.list}'] }] };
    expect(verdicts(preflightOf(stacks, dev), 'dev-web')['s3-layers']).toEqual(['unknown', 'unknown']);
    // Another AWS-managed list is not S3's.
    stacks['dev-web'].data.aws_ec2_managed_prefix_list.s3 = { name: `com.amazonaws.${REGION}.dynamodb` };
    expect(verdicts(preflightOf(stacks, dev), 'dev-web')['s3-layers']).toEqual(['fail', 'fail']);
  });

  test('a missing ssmmessages endpoint stops ECS Exec only: a warning, and no failure', () => {
    const stacks = fresh();
    one(stacks['dev-web'], 'aws_ecs_service').enable_execute_command = true;
    const report = preflightOf(stacks, dev);
    expect(verdicts(report, 'dev-web').ssmmessages).toEqual(['warn', 'warn']);
    expect(tally(report).fail).toBe(0);
  });
});

describe('network ACLs between the load balancer and the tasks', () => {
  test('an ACL on a load balancer subnet must let the traffic to the container port out and the replies in', () => {
    const stacks = fresh();
    const publicSubnet = named(stacks['dev-network'], 'aws_subnet', /public-a/)[0][0];
    stacks['dev-network'].resource.aws_network_acl = { lb: { vpc_id: VPC(), subnet_ids: [`\${aws_subnet.${publicSubnet}.id}`], egress: [], ingress: [] } };
    const report = preflightOf(stacks, dev);
    const [lb] = checksOf(report, 'dev-web', 'load-balancer');
    expect(lb.verdict).toBe('fail');
    expect(lb.reason).toContain('network ACL aws_network_acl.lb of acme-dev-public-a: outbound TCP 8080 to 10.10.0.0/18 (port 8080 from the load balancer): no rule allows it');
    expect(lb.awsError).toMatch(/is unhealthy in target-group acme-dev-web/);
    // Only that path: the tasks' own paths do not cross the load balancer's subnets.
    expect(tally(report).fail).toBe(1);
    stacks['dev-network'].resource.aws_network_acl.lb = {
      vpc_id: VPC(),
      subnet_ids: [`\${aws_subnet.${publicSubnet}.id}`],
      egress: [tcp(100, 'allow', '10.10.0.0/16', 8080)],
      ingress: [tcp(100, 'allow', '10.10.0.0/16', 1024, 65535)],
    };
    expect(tally(preflightOf(stacks, dev)).fail).toBe(0);
  });
});

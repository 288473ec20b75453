import { configFrom, defaultConfigData, Json, only, ref, resources, synthConfig, synthDefault } from './helpers/synth';

describe('network stack (default configuration)', () => {
  const synth = synthDefault();
  const dev = synth.stack('dev-network');
  const prod = synth.stack('prod-network');
  const [vpcName, vpc] = resources(dev, 'aws_vpc')[0];
  const vpcId = ref('aws_vpc', vpcName);

  test('the VPC has the configured CIDR with DNS support and DNS hostnames on', () => {
    expect(resources(dev, 'aws_vpc')).toHaveLength(1);
    expect(vpc).toMatchObject({ cidr_block: '10.10.0.0/16', enable_dns_support: true, enable_dns_hostnames: true });
  });

  test('one public and one private subnet per availability zone, none mapping public IPs', () => {
    const subnets = resources(dev, 'aws_subnet').map(([, s]) => s);
    expect(subnets).toHaveLength(4);
    const byTier = (tier: string) => subnets.filter((s) => s.tags.Tier === tier).map((s) => [s.availability_zone, s.cidr_block]);
    expect(byTier('public')).toEqual([
      ['ap-northeast-2a', '10.10.128.0/20'],
      ['ap-northeast-2b', '10.10.144.0/20'],
    ]);
    expect(byTier('private')).toEqual([
      ['ap-northeast-2a', '10.10.0.0/18'],
      ['ap-northeast-2b', '10.10.64.0/18'],
    ]);
    for (const s of subnets) {
      expect(s.map_public_ip_on_launch).toBe(false);
      expect(s.vpc_id).toBe(vpcId);
    }
    const prodZones = resources(prod, 'aws_subnet').map(([, s]) => s.availability_zone);
    expect(new Set(prodZones)).toEqual(new Set(['ap-northeast-2a', 'ap-northeast-2b', 'ap-northeast-2c']));
  });

  test('an internet gateway and a public route table with the only default route', () => {
    const [igwName] = resources(dev, 'aws_internet_gateway')[0];
    const routes = resources(dev, 'aws_route').map(([, r]) => r);
    expect(routes).toEqual([expect.objectContaining({ destination_cidr_block: '0.0.0.0/0', gateway_id: ref('aws_internet_gateway', igwName) })]);
    const publicTable = resources(dev, 'aws_route_table').find(([, t]) => t.tags.Name.endsWith('-public'))!;
    expect(routes[0].route_table_id).toBe(ref('aws_route_table', publicTable[0]));
  });

  test('one private route table per zone, with no default route and no NAT gateway', () => {
    const privateTables = resources(dev, 'aws_route_table').filter(([, t]) => !t.tags.Name.endsWith('-public'));
    expect(privateTables).toHaveLength(2);
    for (const [, table] of privateTables) expect(table.route).toBeUndefined();
    const routeTargets = resources(dev, 'aws_route').map(([, r]) => r.route_table_id);
    for (const [name] of privateTables) expect(routeTargets).not.toContain(ref('aws_route_table', name));
    expect(resources(dev, 'aws_nat_gateway')).toHaveLength(0);
    expect(resources(dev, 'aws_eip')).toHaveLength(0);
    const associations = resources(dev, 'aws_route_table_association').map(([, a]) => a.route_table_id);
    for (const [name] of privateTables) expect(associations.filter((a) => a === ref('aws_route_table', name))).toHaveLength(1);
  });

  test('ecr.api, ecr.dkr and logs interface endpoints with private DNS in every private subnet', () => {
    const privateSubnets = resources(dev, 'aws_subnet').filter(([, s]) => s.tags.Tier === 'private').map(([n]) => ref('aws_subnet', n));
    const [sgName] = resources(dev, 'aws_security_group').find(([, sg]) => sg.name.endsWith('vpc-endpoints'))!;
    const interfaces = resources(dev, 'aws_vpc_endpoint').filter(([, e]) => e.vpc_endpoint_type === 'Interface').map(([, e]) => e);
    expect(interfaces.map((e) => e.service_name).sort()).toEqual([
      'com.amazonaws.ap-northeast-2.ecr.api',
      'com.amazonaws.ap-northeast-2.ecr.dkr',
      'com.amazonaws.ap-northeast-2.logs',
    ]);
    for (const endpoint of interfaces) {
      expect(endpoint.private_dns_enabled).toBe(true);
      expect(endpoint.subnet_ids).toEqual(privateSubnets);
      expect(endpoint.security_group_ids).toEqual([ref('aws_security_group', sgName)]);
      expect(endpoint.vpc_id).toBe(vpcId);
    }
  });

  test('the endpoint security group admits only TCP 443 from the VPC CIDR', () => {
    const [sgName, sg] = resources(dev, 'aws_security_group').find(([, s]) => s.name.endsWith('vpc-endpoints'))!;
    expect(sg.ingress).toBeUndefined();
    expect(sg.egress).toBeUndefined();
    const rules = resources(dev, 'aws_vpc_security_group_ingress_rule').map(([, r]) => r).filter((r) => r.security_group_id === ref('aws_security_group', sgName));
    expect(rules).toEqual([expect.objectContaining({ ip_protocol: 'tcp', from_port: 443, to_port: 443, cidr_ipv4: '10.10.0.0/16' })]);
    expect(resources(dev, 'aws_vpc_security_group_egress_rule')).toHaveLength(0);
  });

  test('the S3 gateway endpoint sits on every private route table and allows the ECR layer bucket', () => {
    const gateway = resources(dev, 'aws_vpc_endpoint').map(([, e]) => e).find((e) => e.vpc_endpoint_type === 'Gateway')!;
    expect(gateway.service_name).toBe('com.amazonaws.ap-northeast-2.s3');
    const privateTables = resources(dev, 'aws_route_table').filter(([, t]) => !t.tags.Name.endsWith('-public')).map(([n]) => ref('aws_route_table', n));
    expect(gateway.route_table_ids).toEqual(privateTables);
    const policy = JSON.parse(gateway.policy);
    expect(policy.Statement).toEqual([
      { Sid: 'EcrImageLayers', Effect: 'Allow', Principal: '*', Action: 's3:GetObject', Resource: 'arn:aws:s3:::prod-ap-northeast-2-starport-layer-bucket/*' },
    ]);
  });

  test('the default security group is managed with no rules', () => {
    const sg = only(dev, 'aws_default_security_group');
    expect(sg.vpc_id).toBe(vpcId);
    expect(sg.ingress).toBeUndefined();
    expect(sg.egress).toBeUndefined();
  });

  test('flow logs go to a log group with retention through a least-privilege role', () => {
    const [groupName, group] = resources(dev, 'aws_cloudwatch_log_group')[0];
    expect(group.retention_in_days).toBe(30);
    expect(only(prod, 'aws_cloudwatch_log_group').retention_in_days).toBe(365);
    const [roleName, role] = resources(dev, 'aws_iam_role')[0];
    const flowLog = only(dev, 'aws_flow_log');
    expect(flowLog).toMatchObject({
      vpc_id: vpcId,
      traffic_type: 'ALL',
      log_destination_type: 'cloud-watch-logs',
      log_destination: ref('aws_cloudwatch_log_group', groupName, 'arn'),
      iam_role_arn: ref('aws_iam_role', roleName, 'arn'),
    });
    const trust = JSON.parse(role.assume_role_policy);
    expect(trust.Statement[0].Principal).toEqual({ Service: 'vpc-flow-logs.amazonaws.com' });
    const [accountLocal] = Object.keys(dev.locals);
    expect(trust.Statement[0].Condition.StringEquals['aws:SourceAccount']).toBe(`\${local.${accountLocal}}`);
    expect(dev.locals[accountLocal]).toBe(`\${element(split(":", ${ref('aws_cloudwatch_log_group', groupName, 'arn').slice(2, -1)}), 4)}`);
    const policy = JSON.parse(only(dev, 'aws_iam_role_policy').policy);
    expect(policy.Statement).toEqual([
      {
        Effect: 'Allow',
        Action: ['logs:CreateLogStream', 'logs:PutLogEvents', 'logs:DescribeLogStreams'],
        Resource: `${ref('aws_cloudwatch_log_group', groupName, 'arn')}:*`,
      },
    ]);
  });

  test('outputs everything the other stacks need', () => {
    expect(Object.keys(dev.output).sort()).toEqual(
      expect.arrayContaining([
        'availability_zones',
        'endpoint_security_group_id',
        'private_route_table_ids',
        'private_subnet_ids',
        'public_subnet_ids',
        's3_prefix_list_id',
        'vpc_cidr',
        'vpc_id',
      ]),
    );
    expect(dev.output.vpc_id.value).toBe(vpcId);
  });

  test('the provider sets region and default tags, and holds no credentials', () => {
    const provider = dev.provider.aws[0];
    expect(provider.region).toBe('ap-northeast-2');
    expect(provider.default_tags[0].tags).toMatchObject({ Project: 'acme', Environment: 'dev', Stack: 'dev-network', ManagedBy: 'cdktf' });
    for (const key of ['access_key', 'secret_key', 'token', 'profile', 'skip_credentials_validation']) expect(provider[key]).toBeUndefined();
    expect(dev.terraform.required_version).toBe('>= 1.10');
    expect(dev.terraform.required_providers.aws).toEqual({ source: 'aws', version: '5.100.0' });
  });
});

describe('network stack options', () => {
  const withNetwork = (network: Json) => {
    const data = defaultConfigData();
    data.environments = { dev: { ...data.environments.dev, network: { ...data.environments.dev.network, ...network } } };
    return synthConfig(configFrom(data)).stack('dev-network');
  };

  test('egress "nat" with one gateway routes every private table to it; endpoints stay', () => {
    const stack = withNetwork({ egress: 'nat', natGateways: 'single' });
    const [natName, nat] = resources(stack, 'aws_nat_gateway')[0];
    expect(resources(stack, 'aws_nat_gateway')).toHaveLength(1);
    expect(resources(stack, 'aws_eip')).toHaveLength(1);
    const publicSubnetA = resources(stack, 'aws_subnet').find(([, s]) => s.tags.Name.endsWith('public-a'))!;
    expect(nat.subnet_id).toBe(ref('aws_subnet', publicSubnetA[0]));
    const natRoutes = resources(stack, 'aws_route').map(([, r]) => r).filter((r) => r.nat_gateway_id);
    expect(natRoutes).toHaveLength(2);
    for (const r of natRoutes) expect(r).toMatchObject({ destination_cidr_block: '0.0.0.0/0', nat_gateway_id: ref('aws_nat_gateway', natName) });
    expect(resources(stack, 'aws_vpc_endpoint')).toHaveLength(4);
  });

  test('egress "nat" per zone gives each private table its own zone\'s gateway', () => {
    const stack = withNetwork({ egress: 'nat', natGateways: 'per-az' });
    const gateways = resources(stack, 'aws_nat_gateway');
    expect(gateways).toHaveLength(2);
    const natRoutes = resources(stack, 'aws_route').map(([, r]) => r).filter((r) => r.nat_gateway_id);
    expect(new Set(natRoutes.map((r) => r.nat_gateway_id))).toEqual(new Set(gateways.map(([n]) => ref('aws_nat_gateway', n))));
  });

  test('interface endpoints can be turned off with NAT egress; the S3 gateway endpoint stays', () => {
    const stack = withNetwork({ egress: 'nat', interfaceEndpoints: false });
    expect(resources(stack, 'aws_vpc_endpoint').map(([, e]) => e.vpc_endpoint_type)).toEqual(['Gateway']);
  });

  test('extra endpoints and S3 buckets come from the configuration', () => {
    const stack = withNetwork({ extraEndpoints: ['secretsmanager', 'ssm', 'logs'], s3GatewayBuckets: ['my-env-files'] });
    const services = resources(stack, 'aws_vpc_endpoint').map(([, e]) => e.service_name.split('.').slice(3).join('.'));
    expect(services.sort()).toEqual(['ecr.api', 'ecr.dkr', 'logs', 's3', 'secretsmanager', 'ssm']);
    const gateway = resources(stack, 'aws_vpc_endpoint').map(([, e]) => e).find((e) => e.vpc_endpoint_type === 'Gateway')!;
    expect(JSON.parse(gateway.policy).Statement[1]).toEqual({
      Sid: 'ConfiguredBuckets',
      Effect: 'Allow',
      Principal: '*',
      Action: ['s3:GetObject', 's3:ListBucket'],
      Resource: ['arn:aws:s3:::my-env-files', 'arn:aws:s3:::my-env-files/*'],
    });
  });

  test('explicit subnets are used as given', () => {
    const stack = withNetwork({ subnets: { public: ['10.10.0.0/24', '10.10.1.0/24'], private: ['10.10.16.0/20', '10.10.32.0/20'] } });
    expect(resources(stack, 'aws_subnet').map(([, s]) => s.cidr_block).sort()).toEqual(['10.10.0.0/24', '10.10.1.0/24', '10.10.16.0/20', '10.10.32.0/20']);
  });

  test('flow logs can be disabled', () => {
    const stack = withNetwork({ flowLogs: { enabled: false } });
    expect(resources(stack, 'aws_flow_log')).toHaveLength(0);
    expect(resources(stack, 'aws_iam_role')).toHaveLength(0);
  });
});

import { configFrom, defaultConfigData, Json, only, ref, refsByTag, resolveRemote, resources, synthConfig, synthDefault } from './helpers/synth';

describe('platform stack (default configuration)', () => {
  const synth = synthDefault();
  const dev = synth.stack('dev-platform');
  const prod = synth.stack('prod-platform');

  test('an ECS cluster with Container Insights and the Fargate and Fargate Spot capacity providers', () => {
    const [clusterName, cluster] = resources(dev, 'aws_ecs_cluster')[0];
    expect(cluster).toMatchObject({ name: 'acme-dev', setting: [{ name: 'containerInsights', value: 'enabled' }] });
    expect(only(dev, 'aws_ecs_cluster_capacity_providers')).toMatchObject({
      cluster_name: ref('aws_ecs_cluster', clusterName, 'name'),
      capacity_providers: ['FARGATE', 'FARGATE_SPOT'],
    });
  });

  test('an internet-facing ALB in the public subnets that drops invalid headers', () => {
    const [, alb] = resources(dev, 'aws_lb')[0];
    const [sgName] = resources(dev, 'aws_security_group')[0];
    expect(alb).toMatchObject({
      name: 'acme-dev',
      load_balancer_type: 'application',
      internal: false,
      drop_invalid_header_fields: true,
      desync_mitigation_mode: 'defensive',
      enable_deletion_protection: false,
      security_groups: [ref('aws_security_group', sgName)],
    });
    expect(resolveRemote(synth, alb.subnets)).toEqual(refsByTag(synth.stack('dev-network'), 'aws_subnet', 'dev-network', /-public-[ab]$/));
    expect(resources(prod, 'aws_lb')[0][1].enable_deletion_protection).toBe(true);
  });

  test('without a certificate: one HTTP listener whose default action is a fixed 404', () => {
    const listeners = resources(dev, 'aws_lb_listener').map(([, l]) => l);
    expect(listeners).toHaveLength(1);
    expect(listeners[0]).toMatchObject({
      port: 80,
      protocol: 'HTTP',
      default_action: [{ type: 'fixed-response', fixed_response: { status_code: '404', content_type: 'text/plain' } }],
    });
  });

  test('the ALB security group admits port 80 from the internet and has no egress of its own', () => {
    const [sgName] = resources(dev, 'aws_security_group')[0];
    const ingress = resources(dev, 'aws_vpc_security_group_ingress_rule').map(([, r]) => r);
    expect(ingress).toEqual([expect.objectContaining({ security_group_id: ref('aws_security_group', sgName), from_port: 80, to_port: 80, cidr_ipv4: '0.0.0.0/0', ip_protocol: 'tcp' })]);
    expect(resources(dev, 'aws_vpc_security_group_egress_rule')).toHaveLength(0);
  });

  test('a pull-through cache rule for public.ecr.aws, with a prefix unique to the environment', () => {
    expect(only(dev, 'aws_ecr_pull_through_cache_rule')).toMatchObject({ ecr_repository_prefix: 'acme-dev-public', upstream_registry_url: 'public.ecr.aws' });
    expect(only(prod, 'aws_ecr_pull_through_cache_rule').ecr_repository_prefix).toBe('acme-prod-public');
  });

  test('outputs the ALB DNS name and URL, the listener, and the cluster', () => {
    expect(Object.keys(dev.output)).toEqual(expect.arrayContaining(['alb_dns_name', 'alb_url', 'listener_arn', 'cluster_name', 'cluster_arn', 'alb_security_group_id']));
    const [albName] = resources(dev, 'aws_lb')[0];
    expect(dev.output.alb_url.value).toBe(`http://${ref('aws_lb', albName, 'dns_name')}`);
  });
});

describe('platform stack options', () => {
  const withPlatform = (platform: Json, services?: Json) => {
    const data = defaultConfigData();
    data.environments.dev.platform = platform;
    if (services) data.environments.dev.services = services;
    // Only dev: the stack under test is there, and the synth is half the work.
    data.environments = { dev: data.environments.dev };
    return synthConfig(configFrom(data)).stack('dev-platform');
  };
  const certificateArn = 'arn:aws:acm:ap-northeast-2:123456789012:certificate/0a1b2c3d-1111-2222-3333-444455556666';

  test('with a certificate: HTTPS with the TLS 1.3 policy, and port 80 redirecting to 443 with a 301', () => {
    const stack = withPlatform({ certificateArn });
    const listeners = resources(stack, 'aws_lb_listener').map(([, l]) => l);
    const https = listeners.find((l) => l.port === 443)!;
    const http = listeners.find((l) => l.port === 80)!;
    expect(https).toMatchObject({ protocol: 'HTTPS', ssl_policy: 'ELBSecurityPolicy-TLS13-1-2-2021-06', certificate_arn: certificateArn, default_action: [{ type: 'fixed-response' }] });
    expect(http).toMatchObject({ protocol: 'HTTP', default_action: [{ type: 'redirect', redirect: { port: '443', protocol: 'HTTPS', status_code: 'HTTP_301' } }] });
    expect(resources(stack, 'aws_vpc_security_group_ingress_rule').map(([, r]) => r.from_port).sort()).toEqual([443, 80]);
    const [listenerName] = resources(stack, 'aws_lb_listener').find(([, l]) => l.port === 443)!;
    expect(stack.output.listener_arn.value).toBe(ref('aws_lb_listener', listenerName, 'arn'));
    expect(stack.output.alb_url.value).toMatch(/^https:\/\//);
  });

  test('access logs go to an SSE-S3 bucket made for them, writable by ELB log delivery only, TLS only', () => {
    const stack = withPlatform({ accessLogs: { enabled: true, expirationDays: 30 } });
    const [bucketName, bucket] = resources(stack, 'aws_s3_bucket')[0];
    expect(bucket).toMatchObject({ bucket: 'acme-dev-alb-logs-ap-northeast-2', force_destroy: false });
    expect(only(stack, 'aws_s3_bucket_server_side_encryption_configuration').rule[0].apply_server_side_encryption_by_default).toEqual({ sse_algorithm: 'AES256' });
    expect(only(stack, 'aws_s3_bucket_public_access_block')).toMatchObject({ block_public_acls: true, block_public_policy: true, ignore_public_acls: true, restrict_public_buckets: true });
    expect(only(stack, 'aws_s3_bucket_ownership_controls').rule).toEqual({ object_ownership: 'BucketOwnerEnforced' });
    const policy = JSON.parse(only(stack, 'aws_s3_bucket_policy').policy);
    expect(policy.Statement[0]).toMatchObject({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } });
    expect(policy.Statement[1]).toMatchObject({ Sid: 'DenyOutdatedTls', Effect: 'Deny', Condition: { NumericLessThan: { 's3:TlsVersion': '1.2' } } });
    expect(policy.Statement[2]).toEqual({
      Sid: 'ElbLogDelivery',
      Effect: 'Allow',
      Principal: { AWS: 'arn:aws:iam::600734575887:root' },
      Action: 's3:PutObject',
      Resource: `${ref('aws_s3_bucket', bucketName, 'arn')}/alb/AWSLogs/*`,
    });
    expect(resources(stack, 'aws_lb')[0][1].access_logs).toEqual({ bucket: ref('aws_s3_bucket', bucketName), prefix: 'alb', enabled: true });
    const rules = only(stack, 'aws_s3_bucket_lifecycle_configuration').rule;
    expect(rules.find((r: Json) => r.id === 'expire-access-logs').expiration).toEqual([{ days: 30 }]);
  });

  test('no pull-through cache rule when no service uses public.ecr.aws, init images included', () => {
    const initImage = '123456789012.dkr.ecr.ap-northeast-2.amazonaws.com/tools/busybox:1.36.1';
    const stack = withPlatform({}, { api: { imageTag: 'v1', port: 8080, initImage } });
    expect(resources(stack, 'aws_ecr_pull_through_cache_rule')).toHaveLength(0);
    // The default init image (busybox from public.ecr.aws) needs the rule even when the service image does not.
    expect(resources(withPlatform({}, { api: { imageTag: 'v1', port: 8080 } }), 'aws_ecr_pull_through_cache_rule')).toHaveLength(1);
  });
});

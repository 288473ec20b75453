import { readFileSync, readdirSync } from 'node:fs';
import * as path from 'node:path';
import { loadConfigFile } from '../config/load';
import { expectRejected, mutated, synthWith } from './helpers/bad-config';
import { Json, only, ref, refsByTag, resolveRemote, resources, synthConfig } from './helpers/synth';

const example = synthConfig(loadConfigFile(path.join(__dirname, '..', 'config', 'examples', 'cloudfront.yaml')));

describe('CloudFront, vpc-origin mode (config/examples/cloudfront.yaml, dev)', () => {
  const platform = example.stack('dev-platform');
  const network = example.stack('dev-network');
  const [albName, alb] = resources(platform, 'aws_lb')[0];

  test('the ALB becomes internal, in the private subnets', () => {
    expect(alb.internal).toBe(true);
    expect(resolveRemote(example, alb.subnets)).toEqual(refsByTag(network, 'aws_subnet', 'dev-network', /-private-[ab]$/));
  });

  test('CloudFront reaches it through a VPC origin', () => {
    const [originName, vpcOrigin] = resources(platform, 'aws_cloudfront_vpc_origin')[0];
    expect(vpcOrigin.vpc_origin_endpoint_config).toEqual([
      expect.objectContaining({ arn: ref('aws_lb', albName, 'arn'), origin_protocol_policy: 'http-only', http_port: 80, https_port: 443 }),
    ]);
    const distribution = only(platform, 'aws_cloudfront_distribution');
    expect(distribution.origin).toEqual([
      { origin_id: 'alb', domain_name: ref('aws_lb', albName, 'dns_name'), vpc_origin_config: { vpc_origin_id: ref('aws_cloudfront_vpc_origin', originName) } },
    ]);
  });

  test("the ALB security group admits only CloudFront's VPC origin group, looked up after the VPC origin exists", () => {
    const ingress = resources(platform, 'aws_vpc_security_group_ingress_rule').map(([, r]) => r);
    const [groupName, group] = Object.entries(platform.data.aws_security_group as Record<string, Json>)[0];
    expect(group.name).toBe('CloudFront-VPCOrigins-Service-SG');
    expect(group.depends_on).toEqual([`aws_cloudfront_vpc_origin.${resources(platform, 'aws_cloudfront_vpc_origin')[0][0]}`]);
    expect(ingress).toEqual([expect.objectContaining({ from_port: 80, to_port: 80, referenced_security_group_id: `\${data.aws_security_group.${groupName}.id}` })]);
    expect(ingress.some((r) => r.cidr_ipv4)).toBe(false);
  });

  test('HTTPS to viewers with a certificate requested in us-east-1 through a second provider, validated in Route 53', () => {
    const providers = platform.provider.aws as Json[];
    expect(providers).toEqual(expect.arrayContaining([expect.objectContaining({ alias: 'us_east_1', region: 'us-east-1' })]));
    const [certName, cert] = resources(platform, 'aws_acm_certificate')[0];
    expect(cert).toMatchObject({ provider: 'aws.us_east_1', domain_name: 'dev.example.com', validation_method: 'DNS' });
    const record = only(platform, 'aws_route53_record');
    expect(record).toMatchObject({ zone_id: 'Z0123456789ABCDEFGHIJ', ttl: 60 });
    expect(record.for_each).toContain(`aws_acm_certificate.${certName}.domain_validation_options`);
    const [validationName, validation] = resources(platform, 'aws_acm_certificate_validation')[0];
    expect(validation.provider).toBe('aws.us_east_1');
    const distribution = only(platform, 'aws_cloudfront_distribution');
    expect(distribution.aliases).toEqual(['dev.example.com']);
    expect(distribution.viewer_certificate).toEqual({
      acm_certificate_arn: ref('aws_acm_certificate_validation', validationName, 'certificate_arn'),
      ssl_support_method: 'sni-only',
      minimum_protocol_version: 'TLSv1.2_2021',
    });
    expect(distribution.default_cache_behavior).toMatchObject({
      viewer_protocol_policy: 'redirect-to-https',
      cache_policy_id: '4135ea2d-6df8-44a3-9df3-4b5a84be39ad',
      origin_request_policy_id: 'b689b0a8-53d0-40ab-baf2-68738e2966ac',
    });
  });

  test('no secret header in vpc-origin mode: listener rules forward without one', () => {
    expect(only(example.stack('dev-web'), 'aws_lb_listener_rule').condition).toEqual([{ path_pattern: { values: ['/*'] } }]);
    expect(platform.variable).toBeUndefined();
  });
});

describe('CloudFront, prefix-list mode (config/examples/cloudfront.yaml, prod)', () => {
  const platform = example.stack('prod-platform');
  const web = example.stack('prod-web');
  const [, alb] = resources(platform, 'aws_lb')[0];

  test('the ALB stays internet-facing but admits only the CloudFront prefix list, in one rule', () => {
    expect(alb.internal).toBe(false);
    const ingress = resources(platform, 'aws_vpc_security_group_ingress_rule').map(([, r]) => r);
    expect(ingress).toEqual([expect.objectContaining({ from_port: 443, to_port: 443, prefix_list_id: 'pl-22a6434b' })]);
    expect(platform.data?.aws_ec2_managed_prefix_list).toBeUndefined();
  });

  test('CloudFront connects over HTTPS to the origin domain and sends the secret header from a variable', () => {
    const distribution = only(platform, 'aws_cloudfront_distribution');
    expect(distribution.origin[0]).toMatchObject({
      domain_name: 'origin.example.com',
      custom_origin_config: { origin_protocol_policy: 'https-only', origin_ssl_protocols: ['TLSv1.2'] },
      custom_header: [{ name: 'X-Origin-Verify', value: '${var.origin_verify_secret}' }],
    });
    expect(platform.variable.origin_verify_secret).toMatchObject({ type: 'string', sensitive: true });
    expect(platform.variable.origin_verify_secret.default).toBeUndefined();
    expect(platform.variable.origin_verify_secret_next).toMatchObject({ sensitive: true, default: '' });
  });

  test('listeners answer 403 by default and service rules require the secret header (current or next value)', () => {
    const listeners = resources(platform, 'aws_lb_listener').map(([, l]) => l);
    expect(listeners.find((l) => l.port === 443)!.default_action[0].fixed_response.status_code).toBe('403');
    const condition = only(web, 'aws_lb_listener_rule').condition as Json[];
    const header = condition.find((c) => c.http_header)!.http_header;
    expect(header.http_header_name).toBe('X-Origin-Verify');
    expect(header.values).toMatch(/^\$\{compact\(\[data\.terraform_remote_state\.cross-stack-reference-input-prod-platform\.outputs\.[^,]+, data\.terraform_remote_state\.cross-stack-reference-input-prod-platform\.outputs\.[^\]]+\]\)\}$/);
    const outputs = [...header.values.matchAll(/outputs\.([^,\]]+)/g)].map((m) => platform.output[m[1]]);
    expect(outputs.map((o) => o.value)).toEqual(['${var.origin_verify_secret}', '${var.origin_verify_secret_next}']);
    for (const o of outputs) expect(o.sensitive).toBe(true);
  });

  test('no secret value appears anywhere in the synthesized JSON, even when the variable is set at synth time', () => {
    const sentinel = 'sentinel-origin-secret-0123456789abcdef0123456789';
    process.env.TF_VAR_origin_verify_secret = sentinel;
    try {
      const synth = synthConfig(example.config);
      const texts = readdirSync(path.join(synth.outdir, 'stacks')).map((s) => readFileSync(path.join(synth.outdir, 'stacks', s, 'cdk.tf.json'), 'utf8'));
      expect(texts.join('\n')).toContain('X-Origin-Verify');
      for (const text of texts) {
        expect(text).not.toContain(sentinel);
        const headers = [...text.matchAll(/"X-Origin-Verify"[\s\S]{0,80}?"value": "([^"]*)"/g)].map((m) => m[1]);
        for (const value of headers) expect(value).toBe('${var.origin_verify_secret}');
      }
    } finally {
      delete process.env.TF_VAR_origin_verify_secret;
    }
  });

  test('with originSecret from Secrets Manager, the value is read at plan time, not written', () => {
    const secretArn = 'arn:aws:secretsmanager:ap-northeast-2:123456789012:secret:acme/origin-AbCdEf';
    const envs = example.config.environments.map((e) =>
      e.name === 'prod' && e.cloudfront ? { ...e, cloudfront: { ...e.cloudfront, originSecret: { source: 'secretsmanager' as const, secretArn } } } : e,
    );
    const stack = synthConfig({ ...example.config, environments: envs }).stack('prod-platform');
    const [name, secret] = Object.entries(stack.data.aws_secretsmanager_secret_version as Record<string, Json>)[0];
    expect(secret.secret_id).toBe(secretArn);
    expect(only(stack, 'aws_cloudfront_distribution').origin[0].custom_header).toEqual([{ name: 'X-Origin-Verify', value: `\${data.aws_secretsmanager_secret_version.${name}.secret_string}` }]);
    expect(stack.variable.origin_verify_secret).toBeUndefined();
  });

  test('without an explicit prefix list id, a data source looks it up (online only)', () => {
    const data = { ...example.config };
    const envs = data.environments.map((e) => (e.name === 'prod' && e.cloudfront ? { ...e, cloudfront: { ...e.cloudfront, prefixListId: undefined } } : e));
    const stack = synthConfig({ ...data, environments: envs }).stack('prod-platform');
    const [listName, list] = Object.entries(stack.data.aws_ec2_managed_prefix_list as Record<string, Json>)[0];
    expect(list.name).toBe('com.amazonaws.global.cloudfront.origin-facing');
    expect(resources(stack, 'aws_vpc_security_group_ingress_rule')[0][1].prefix_list_id).toBe(`\${data.aws_ec2_managed_prefix_list.${listName}.id}`);
  });
});

describe('CloudFront configuration errors', () => {
  const withCloudfront = (cf: Json, platform?: Json) =>
    mutated((d) => {
      d.environments.dev.cloudfront = cf;
      if (platform) d.environments.dev.platform = platform;
    });
  const cases: Array<[string, string, RegExp]> = [
    ['certificate outside us-east-1', withCloudfront({ aliases: ['a.example.com'], certificateArn: 'arn:aws:acm:ap-northeast-2:123456789012:certificate/0a1b' }), /environments\.dev\.cloudfront\.certificateArn: must be an ACM certificate ARN in us-east-1/],
    ['unknown mode', withCloudfront({ originProtection: 'header' }), /environments\.dev\.cloudfront\.originProtection: must be "vpc-origin" .* or "prefix-list"/],
    ['prefix list id in vpc-origin mode', withCloudfront({ prefixListId: 'pl-22a6434b' }), /environments\.dev\.cloudfront\.prefixListId: is only used with originProtection: "prefix-list"/],
    [
      'HTTPS ALB in prefix-list mode without an origin domain',
      withCloudfront({ originProtection: 'prefix-list', prefixListId: 'pl-22a6434b' }, { certificateArn: 'arn:aws:acm:ap-northeast-2:123456789012:certificate/0a1b2c3d' }),
      /environments\.dev\.cloudfront\.originDomain: is required with originProtection: "prefix-list" when platform\.certificateArn is set/,
    ],
    ['Secrets Manager source without an ARN', withCloudfront({ originProtection: 'prefix-list', originSecret: { source: 'secretsmanager' } }), /environments\.dev\.cloudfront\.originSecret\.secretArn: is required with source: "secretsmanager"/],
    [
      'too many route conditions for the secret header',
      mutated((d) => {
        d.environments.dev.cloudfront = { originProtection: 'prefix-list', prefixListId: 'pl-22a6434b' };
        d.environments.dev.services.web.routing = { pathPatterns: ['/a', '/b', '/c'], hostHeaders: ['x.example.com'] };
      }),
      /environments\.dev\.services\.web\.routing: at most 3 path patterns and host headers in total with CloudFront prefix-list protection \(the secret header condition takes 2/,
    ],
  ];
  test.each(cases)('%s', (_name, content, message) => {
    expectRejected(synthWith(content), message);
  });
});

/**
 * Production is secure by default (docs/security.md): the default configuration's prod
 * stacks and terraform-state, and every stack of config/examples/production.yaml, pass the
 * Checkov AWS checks listed in CONTROLS, each re-stated as a checker over the synthesized
 * JSON; and every checker finds the violation where its control is missing.
 */
import * as path from 'node:path';
import { loadConfigFile } from '../config/load';
import { CONTROLS, StackJson } from './helpers/security-controls';
import { configFrom, defaultConfigData, Json, synthConfig, synthDefault, Synthesized } from './helpers/synth';

const stacksOf = (synth: Synthesized, names: readonly string[]): StackJson[] => names.map((name) => ({ name, json: synth.stack(name) }));

const defaults = synthDefault();
const example = synthConfig(loadConfigFile(path.join(__dirname, '..', 'config', 'examples', 'production.yaml')));

describe('the default configuration: prod and terraform-state', () => {
  const stacks = stacksOf(defaults, ['terraform-state', ...defaults.stackNames().filter((s) => s.startsWith('prod-'))]);

  test('the stacks checked are prod network, platform, its service and the state bootstrap', () => {
    expect(stacks.map((s) => s.name).sort()).toEqual(['prod-network', 'prod-platform', 'prod-web', 'terraform-state']);
  });

  test.each(Object.keys(CONTROLS))('%s passes', (control) => {
    expect(CONTROLS[control](stacks)).toEqual([]);
  });

  test('prod is HTTPS-only through CloudFront: the load balancer is internal, behind a VPC origin', () => {
    const platform = defaults.stack('prod-platform');
    expect(Object.values(platform.resource.aws_lb as Record<string, Json>).map((lb) => lb.internal)).toEqual([true]);
    const distribution = Object.values(platform.resource.aws_cloudfront_distribution as Record<string, Json>)[0];
    expect(distribution.default_cache_behavior.viewer_protocol_policy).toBe('redirect-to-https');
    expect(Object.keys(platform.resource.aws_cloudfront_vpc_origin)).toHaveLength(1);
  });
});

test("prod's CloudFront log bucket has ACLs on (BucketOwnerPreferred, as standard logging needs) but blocks public access; the distribution waits for it", () => {
  const platform = defaults.stack('prod-platform');
  const [bucketId] = Object.entries(platform.resource.aws_s3_bucket as Record<string, Json>).find(([, b]) => b.bucket === 'acme-prod-cloudfront-logs-ap-northeast-2')!;
  const of = (type: string) => Object.entries(platform.resource[type] as Record<string, Json>).find(([, r]) => r.bucket === `\${aws_s3_bucket.${bucketId}.id}`)!;
  const [ownershipId, ownership] = of('aws_s3_bucket_ownership_controls');
  expect(ownership.rule).toEqual({ object_ownership: 'BucketOwnerPreferred' });
  expect(of('aws_s3_bucket_public_access_block')[1]).toMatchObject({ block_public_acls: true, block_public_policy: true, ignore_public_acls: true, restrict_public_buckets: true });
  const distribution = Object.values(platform.resource.aws_cloudfront_distribution as Record<string, Json>)[0];
  expect(distribution.logging_config.bucket).toBe(`\${aws_s3_bucket.${bucketId}.bucket_domain_name}`);
  expect(distribution.depends_on).toContain(`aws_s3_bucket_ownership_controls.${ownershipId}`);
});

describe('config/examples/production.yaml: every stack', () => {
  const stacks = stacksOf(example, example.stackNames());

  test.each(Object.keys(CONTROLS))('%s passes', (control) => {
    expect(CONTROLS[control](stacks)).toEqual([]);
  });

  test('the web ACL is CLOUDFRONT scope, through the us-east-1 provider, with the AWS managed rule groups and metrics on', () => {
    const platform = example.stack('prod-platform');
    const acl = Object.values(platform.resource.aws_wafv2_web_acl as Record<string, Json>)[0];
    expect(acl).toMatchObject({ scope: 'CLOUDFRONT', provider: 'aws.us_east_1', visibility_config: { cloudwatch_metrics_enabled: true, sampled_requests_enabled: true } });
    expect(platform.provider.aws).toEqual(expect.arrayContaining([expect.objectContaining({ alias: 'us_east_1', region: 'us-east-1' })]));
    expect(acl.rule.map((r: Json) => r.statement.managed_rule_group_statement.name)).toEqual([
      'AWSManagedRulesCommonRuleSet',
      'AWSManagedRulesKnownBadInputsRuleSet',
      'AWSManagedRulesAmazonIpReputationList',
      'AWSManagedRulesSQLiRuleSet',
    ]);
    expect(acl.rule.every((r: Json) => r.visibility_config.cloudwatch_metrics_enabled === true)).toBe(true);
  });

  test("the logs key's policy admits CloudWatch Logs of the region only for the account's log groups", () => {
    const network = example.stack('prod-network');
    const policy = JSON.parse(Object.values(network.resource.aws_kms_key_policy as Record<string, Json>)[0].policy as string);
    const logs = policy.Statement.find((s: Json) => s.Principal.Service);
    expect(logs.Principal.Service).toMatch(/^logs\.\$\{local\..*\}\.amazonaws\.com$/);
    expect(logs.Condition.ArnLike['kms:EncryptionContext:aws:logs:arn']).toMatch(/^arn:aws:logs:\$\{local\..*\}:\$\{local\..*\}:log-group:\*$/);
    expect(policy.Statement[0]).toMatchObject({ Sid: 'AccountAdministersTheKey', Principal: { AWS: expect.stringMatching(/^arn:aws:iam::\$\{local\..*\}:root$/) } });
    expect(Object.values(network.resource.aws_kms_key as Record<string, Json>)[0].enable_key_rotation).toBe(true);
  });

  test("the state key's policy names the backend role; the state log bucket admits only S3 log delivery for the state bucket", () => {
    const state = example.stack('terraform-state');
    const policy = JSON.parse(Object.values(state.resource.aws_kms_key_policy as Record<string, Json>)[0].policy as string);
    expect(policy.Statement[1]).toMatchObject({ Principal: { AWS: ['arn:aws:iam::123456789012:role/acme-terraform-ci'] } });
    const logBucket = Object.entries(state.resource.aws_s3_bucket as Record<string, Json>).find(([, b]) => b.bucket === 'acme-terraform-state-apne2-logs')!;
    const bucketPolicy = Object.values(state.resource.aws_s3_bucket_policy as Record<string, Json>).find((p) => (p.bucket as string).includes(logBucket[0]))!;
    const delivery = JSON.parse(bucketPolicy.policy as string).Statement.find((s: Json) => s.Sid === 'S3ServerAccessLogDelivery');
    expect(delivery.Principal).toEqual({ Service: 'logging.s3.amazonaws.com' });
    expect(Object.keys(delivery.Condition).sort()).toEqual(['ArnLike', 'StringEquals']);
    const encryption = Object.values(state.resource.aws_s3_bucket_server_side_encryption_configuration as Record<string, Json>).find((e) => (e.bucket as string).includes(logBucket[0]))!;
    // S3 server access log delivery does not support SSE-KMS target buckets.
    expect(encryption.rule[0].apply_server_side_encryption_by_default.sse_algorithm).toBe('AES256');
  });
});

describe('each checker finds the violation where its control is missing', () => {
  // dev keeps the cheap defaults: an internet-facing HTTP ALB, no WAF, no access logs, short retention.
  const dev = stacksOf(defaults, defaults.stackNames().filter((s) => s.startsWith('dev-')));
  const unhardened = (() => {
    const data = defaultConfigData();
    data.state.accessLogs = { enabled: false };
    // CloudFront without WAF or logging (a non-production environment defaults to neither).
    data.environments.dev.cloudfront = {};
    delete data.environments.prod;
    return synthConfig(configFrom(data));
  })();
  const unhardenedStacks = stacksOf(unhardened, unhardened.stackNames());

  test.each([
    ['CKV_AWS_2', dev, 'aws_lb_listener'],
    ['CKV2_AWS_20', dev, 'aws_lb_listener'],
    ['CKV2_AWS_28', dev, 'aws_lb'],
    ['CKV_AWS_91', dev, 'aws_lb'],
    ['CKV_AWS_338', dev, 'aws_cloudwatch_log_group'],
    ['CKV_AWS_158', dev, 'aws_cloudwatch_log_group'],
    ['CKV_AWS_68', unhardenedStacks, 'aws_cloudfront_distribution'],
    ['CKV_AWS_86', unhardenedStacks, 'aws_cloudfront_distribution'],
    ['CKV_AWS_18', unhardenedStacks, 'aws_s3_bucket'],
  ] as const)('%s: found in a configuration without it', (control, stacks, type) => {
    const findings = CONTROLS[control](stacks);
    expect(findings.length).toBeGreaterThan(0);
    expect(findings.every((f) => f.address.startsWith(`${type}.`))).toBe(true);
  });

  const fixture = (resource: Json): StackJson[] => [{ name: 'fixture', json: { resource } }];

  test('CKV_AWS_103: an HTTPS listener with an old TLS policy', () => {
    expect(CONTROLS.CKV_AWS_103(fixture({ aws_lb_listener: { l: { protocol: 'HTTPS', ssl_policy: 'ELBSecurityPolicy-2016-08' } } }))).toHaveLength(1);
    expect(CONTROLS.CKV_AWS_103(fixture({ aws_lb_listener: { l: { protocol: 'HTTPS', ssl_policy: 'ELBSecurityPolicy-TLS13-1-2-2021-06' } } }))).toHaveLength(0);
  });

  test('CKV2_AWS_64: a KMS key with the default key policy', () => {
    expect(CONTROLS.CKV2_AWS_64(fixture({ aws_kms_key: { k: { enable_key_rotation: true } } }))).toHaveLength(1);
    expect(CONTROLS.CKV2_AWS_64(fixture({ aws_kms_key: { k: {} }, aws_kms_key_policy: { p: { key_id: '${aws_kms_key.k.key_id}', policy: '{}' } } }))).toHaveLength(0);
  });

  test('CKV2_AWS_32: a distribution without the security headers policy, or with a short HSTS', () => {
    const distribution = { default_cache_behavior: { response_headers_policy_id: '${aws_cloudfront_response_headers_policy.h.id}' } };
    const withHeaders = (maxAge: number) =>
      fixture({
        aws_cloudfront_distribution: { d: distribution },
        aws_cloudfront_response_headers_policy: {
          h: {
            security_headers_config: {
              strict_transport_security: { access_control_max_age_sec: maxAge, include_subdomains: true },
              content_type_options: { override: true },
              frame_options: { frame_option: 'DENY' },
              referrer_policy: { referrer_policy: 'strict-origin-when-cross-origin' },
              xss_protection: { protection: true },
            },
          },
        },
      });
    expect(CONTROLS.CKV2_AWS_32(withHeaders(63_072_000))).toHaveLength(0);
    expect(CONTROLS.CKV2_AWS_32(withHeaders(86_400))).toHaveLength(1);
    expect(CONTROLS.CKV2_AWS_32(fixture({ aws_cloudfront_distribution: { d: { default_cache_behavior: {} } } }))).toHaveLength(1);
  });
});

describe('WAF on the load balancer when there is no CloudFront', () => {
  test('a REGIONAL web ACL associated with the internet-facing HTTPS ALB passes CKV2_AWS_28 and CKV2_AWS_20', () => {
    const data = defaultConfigData();
    delete data.environments.dev;
    delete data.environments.prod.cloudfront;
    data.environments.prod.platform.certificateArn = 'arn:aws:acm:ap-northeast-2:123456789012:certificate/0a1b2c3d-1111-2222-3333-444455556666';
    const synth = synthConfig(configFrom(data));
    const platform = synth.stack('prod-platform');
    expect(Object.values(platform.resource.aws_wafv2_web_acl as Record<string, Json>)[0].scope).toBe('REGIONAL');
    expect(Object.keys(platform.resource.aws_wafv2_web_acl_association)).toHaveLength(1);
    const stacks = stacksOf(synth, ['prod-platform']);
    for (const control of ['CKV_AWS_2', 'CKV_AWS_103', 'CKV2_AWS_20', 'CKV2_AWS_28', 'CKV_AWS_91']) expect([control, CONTROLS[control](stacks)]).toEqual([control, []]);
  });
});

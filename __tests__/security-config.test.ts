/**
 * The hardening keys (docs/security.md): what makes an environment production, the defaults
 * by environment kind (dev stays cheap), and every refusal naming its key.
 */
import { defaultPriceClass } from '../config/validate-cloudfront';
import { expectRejected, mutated, synthWith } from './helpers/bad-config';
import { configFrom, defaultConfigData, Json } from './helpers/synth';

const CERT = 'arn:aws:acm:ap-northeast-2:123456789012:certificate/0a1b2c3d-1111-2222-3333-444455556666';

function resolved(change: (d: Json) => void) {
  const data = defaultConfigData();
  change(data);
  return configFrom(data);
}

const env = (config: ReturnType<typeof configFrom>, name: string) => config.environments.find((e) => e.name === name)!;

describe('production serves HTTPS only, unless explicitly opted out', () => {
  test('a prod environment without cloudfront or a certificate is refused at synth, by key, output untouched', () => {
    expectRejected(
      synthWith(mutated((d) => delete d.environments.prod.cloudfront)),
      /environments\.prod\.cloudfront: is required in a production environment without platform\.certificateArn: the internet-facing load balancer would serve plain HTTP\. Add `cloudfront: \{\}`.*platform\.allowPlainHttp: true/,
    );
  });

  test('production: true makes any environment production (dev here); production: false lets prod be a plain environment', () => {
    expect(() => resolved((d) => (d.environments.dev.production = true))).toThrow(/environments\.dev\.cloudfront: is required in a production environment/);
    const plain = resolved((d) => {
      delete d.environments.prod.cloudfront;
      delete d.environments.prod.waf;
      d.environments.prod.production = false;
    });
    expect(env(plain, 'prod').production).toBe(false);
    expect(env(plain, 'prod').platform.accessLogs).toBeUndefined();
  });

  test('the opt-out key platform.allowPlainHttp accepts plain HTTP in production; outside production it is an error', () => {
    const optedOut = resolved((d) => {
      delete d.environments.prod.cloudfront;
      d.environments.prod.platform.allowPlainHttp = true;
    });
    expect(env(optedOut, 'prod').cloudfront).toBeUndefined();
    expect(() => resolved((d) => (d.environments.dev.platform = { allowPlainHttp: true }))).toThrow(/environments\.dev\.platform\.allowPlainHttp: is only used in a production environment/);
  });

  test('an ALB certificate is HTTPS enough; prefix-list CloudFront without one is refused (HTTP across the internet)', () => {
    expect(() =>
      resolved((d) => {
        delete d.environments.prod.cloudfront;
        d.environments.prod.platform.certificateArn = CERT;
      }),
    ).not.toThrow();
    expect(() => resolved((d) => (d.environments.prod.cloudfront = { originProtection: 'prefix-list', prefixListId: 'pl-22a6434b' }))).toThrow(
      /environments\.prod\.platform\.certificateArn: is required in a production environment with cloudfront\.originProtection: "prefix-list"/,
    );
  });
});

describe('defaults by environment kind', () => {
  const config = resolved(() => undefined);
  const dev = env(config, 'dev');
  const prod = env(config, 'prod');

  test('production: a year of flow and task logs, ALB and CloudFront access logs kept a year, deletion protection', () => {
    const prodNoRetention = env(
      resolved((d) => delete d.environments.prod.network.flowLogs),
      'prod',
    );
    expect(prodNoRetention.network.flowLogs.retentionDays).toBe(365);
    expect(prod.services[0].logRetentionDays).toBe(365);
    expect(prod.platform.accessLogs).toEqual({ expirationDays: 365 });
    expect(prod.platform.deletionProtection).toBe(true);
    expect(prod.cloudfront?.accessLogs).toEqual({ expirationDays: 365 });
  });

  test('dev stays cheap: 90 days of flow logs, 30 of task logs, no access logs, no WAF, no KMS key', () => {
    expect(dev.production).toBe(false);
    expect(dev.network.flowLogs.retentionDays).toBe(30); // set in environments.yaml
    expect(env(resolved((d) => delete d.environments.dev.network.flowLogs), 'dev').network.flowLogs.retentionDays).toBe(90);
    expect(dev.services[0].logRetentionDays).toBe(30);
    expect(dev.platform.accessLogs).toBeUndefined();
    expect(dev.waf).toBeUndefined();
    expect(dev.logs.kmsKey).toBe(false);
    expect(env(resolved((d) => (d.environments.dev.cloudfront = {})), 'dev').cloudfront?.accessLogs).toBeUndefined();
  });

  test("the price class serves the region's viewers from nearby edges", () => {
    expect(prod.cloudfront?.priceClass).toBe('PriceClass_200');
    expect(['us-east-1', 'eu-west-1', 'ca-central-1', 'il-central-1'].map(defaultPriceClass)).toEqual(Array(4).fill('PriceClass_100'));
    expect(['ap-northeast-1', 'ap-northeast-2', 'ap-south-1', 'me-central-1', 'af-south-1'].map(defaultPriceClass)).toEqual(Array(5).fill('PriceClass_200'));
    expect(['sa-east-1', 'ap-southeast-2'].map(defaultPriceClass)).toEqual(['PriceClass_All', 'PriceClass_All']);
    expect(env(resolved((d) => (d.environments.prod.cloudfront.priceClass = 'PriceClass_All')), 'prod').cloudfront?.priceClass).toBe('PriceClass_All');
  });
});

describe('waf, cloudfront logging and state access logs: refusals name the key', () => {
  test.each([
    [
      'a REGIONAL web ACL for CloudFront',
      (d: Json) => (d.environments.prod.waf = { webAclArn: 'arn:aws:wafv2:ap-northeast-2:123456789012:regional/webacl/acl/0a1b' }),
      /environments\.prod\.waf\.webAclArn: must be a CLOUDFRONT-scope web ACL/,
    ],
    [
      'a CLOUDFRONT web ACL for the ALB',
      (d: Json) => {
        delete d.environments.prod.cloudfront;
        d.environments.prod.platform.certificateArn = CERT;
        d.environments.prod.waf = { webAclArn: 'arn:aws:wafv2:us-east-1:123456789012:global/webacl/acl/0a1b' };
      },
      /environments\.prod\.waf\.webAclArn: must be a REGIONAL web ACL/,
    ],
    [
      'a web ACL in two places',
      (d: Json) => (d.environments.prod.cloudfront.webAclArn = 'arn:aws:wafv2:us-east-1:123456789012:global/webacl/acl/0a1b'),
      /environments\.prod\.waf\.webAclArn: cloudfront\.webAclArn is set as well/,
    ],
    ['a default rule group listed again', (d: Json) => (d.environments.prod.waf.managedRuleGroups = ['AWSManagedRulesCommonRuleSet']), /environments\.prod\.waf\.managedRuleGroups\.0: "AWSManagedRulesCommonRuleSet" is listed twice/],
    [
      'CloudFront logs to an existing bucket and a created one',
      (d: Json) => (d.environments.prod.cloudfront = { loggingBucket: 'my-logs', accessLogs: { enabled: true } }),
      /environments\.prod\.cloudfront\.accessLogs: cannot be combined with loggingBucket/,
    ],
    ['a state log bucket name over 63 characters', (d: Json) => (d.state.bucket = `acme-${'s'.repeat(55)}`), /state\.accessLogs\.bucket: is required: the default name .* is longer than the 63 characters S3 allows/],
  ])('%s', (_name, change, message) => {
    expect(() => resolved(change)).toThrow(message);
  });

  test('every error at once', () => {
    expect(() =>
      resolved((d) => {
        delete d.environments.prod.cloudfront;
        d.environments.dev.platform = { allowPlainHttp: true };
      }),
    ).toThrow(/2 configuration errors/);
  });
});

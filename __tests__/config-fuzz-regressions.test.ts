/**
 * Regressions found by an adversarial sweep of the configuration (wrong types, boundary
 * values, malformed names and ARNs): each case is either refused by key with what would be
 * valid, or accepted, never passed on to fail at `terraform apply`.
 */
import { ConfigError, parseConfigText, validateConfigData } from '../config/load';
import { parseCidr } from '../config/cidr';
import { expectRejected, mutated, synthWith } from './helpers/bad-config';
import { configFrom, defaultConfigData, Json, only, synthConfig } from './helpers/synth';

/** The issues the default configuration changed by `change` is refused with ("" when accepted). */
function issuesOf(change: (data: Json) => void): string {
  const data = defaultConfigData();
  change(data);
  try {
    validateConfigData(data);
    return '';
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    return error.issues.map((i) => `${i.path}: ${i.message}`).join('\n');
  }
}

const web = (data: Json): Json => data.environments.dev.services.web;

describe('refused by key, with what would be valid', () => {
  const cases: Array<[string, (data: Json) => void, RegExp]> = [
    ['a missing region is "required", not an unknown region "undefined"', (d) => delete d.state.region, /^state\.region: is required; valid regions: us-east-1, /m],
    ['a missing environment region likewise', (d) => delete d.environments.prod.region, /^environments\.prod\.region: is required; valid regions: /m],
    ['a CIDR with a leading zero in an octet (Terraform refuses it)', (d) => (d.environments.dev.network.cidr = '010.10.0.0/16'), /^environments\.dev\.network\.cidr: "010\.10\.0\.0\/16" is not a valid IPv4 network CIDR/m],
    ['a CIDR with a leading zero in the prefix', (d) => (d.environments.dev.network.cidr = '10.10.0.0/016'), /^environments\.dev\.network\.cidr: "10\.10\.0\.0\/016" is not a valid IPv4 network CIDR/m],
    [
      'a health check command without CMD or CMD-SHELL',
      (d) => (web(d).healthCheck = { command: ['curl -f http://localhost:8080/'] }),
      /^environments\.dev\.services\.web\.healthCheck\.command: must start with "CMD" \(run the arguments directly\) or "CMD-SHELL"/m,
    ],
    ['an empty health check command', (d) => (web(d).healthCheck = { command: [] }), /^environments\.dev\.services\.web\.healthCheck\.command: must start with "CMD"/m],
    ['CMD-SHELL with nothing to run', (d) => (web(d).healthCheck = { command: ['CMD-SHELL', ' '] }), /^environments\.dev\.services\.web\.healthCheck\.command: has no command after "CMD-SHELL"/m],
    ['a desired count beyond the API integer', (d) => (web(d).desiredCount = 2147483648), /^environments\.dev\.services\.web\.desiredCount: must be at most 2147483647/m],
    [
      'an autoscaling maximum beyond the API integer',
      (d) => (web(d).autoscaling = { min: 1, max: 2147483648, cpuTarget: 50 }),
      /^environments\.dev\.services\.web\.autoscaling\.max: must be at most 2147483647/m,
    ],
    ['access log expiry beyond the API integer', (d) => (d.environments.dev.platform = { accessLogs: { expirationDays: 2147483648 } }), /^environments\.dev\.platform\.accessLogs\.expirationDays: must be at most 2147483647/m],
    ['state version expiry beyond the API integer', (d) => (d.state.noncurrentVersionDays = 2147483648), /^state\.noncurrentVersionDays: must be at most 2147483647/m],
    [
      'a secret of another partition (IAM refuses it in an aws-partition policy)',
      (d) => (web(d).secrets = { DB_URL: 'arn:aws-cn:secretsmanager:cn-north-1:123456789012:secret:db-AbCdEf' }),
      /^environments\.dev\.services\.web\.secrets\.DB_URL: is in the partition "aws-cn", but the supported regions are in "aws"/m,
    ],
    [
      'a KMS key of another partition',
      (d) => {
        web(d).secrets = { DB_URL: 'arn:aws:secretsmanager:ap-northeast-2:123456789012:secret:db-AbCdEf' };
        web(d).secretsKmsKeyArns = ['arn:aws-us-gov:kms:ap-northeast-2:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab'];
      },
      /^environments\.dev\.services\.web\.secretsKmsKeyArns\.0: is in the partition "aws-us-gov"/m,
    ],
    ['a WAF web ACL of another partition', (d) => (d.environments.dev.waf = { webAclArn: 'arn:aws-cn:wafv2:cn-north-1:123456789012:regional/webacl/a/b' }), /^environments\.dev\.waf\.webAclArn: is in the partition "aws-cn"/m],
    ['a state role of another partition', (d) => (d.environments.dev.stateRoleArn = 'arn:aws-cn:iam::123456789012:role/ci'), /^environments\.dev\.stateRoleArn: is in the partition "aws-cn"/m],
    ['a state role name over 64 characters', (d) => (d.environments.dev.stateRoleArn = `arn:aws:iam::123456789012:role/ci/${'r'.repeat(65)}`), /^environments\.dev\.stateRoleArn: names a role of 65 characters; IAM role names have at most 64/m],
    [
      'a deploy role name over 64 characters',
      (d) => {
        d.environments.dev.account = '123456789012';
        d.environments.dev.deployRoleArn = `arn:aws:iam::123456789012:role/${'r'.repeat(65)}`;
      },
      /^environments\.dev\.deployRoleArn: names a role of 65 characters; IAM role names have at most 64/m,
    ],
    [
      'an SSM parameter ARN with an empty path segment',
      (d) => (web(d).secrets = { DB_URL: 'arn:aws:ssm:ap-northeast-2:123456789012:parameter//app/db' }),
      /^environments\.dev\.services\.web\.secrets\.DB_URL: must be a Secrets Manager secret ARN .* no empty path segment/m,
    ],
    [
      'a CloudFront alias given twice',
      (d) => (d.environments.dev.cloudfront = { aliases: ['www.example.com', 'www.example.com'] }),
      /^environments\.dev\.cloudfront\.aliases\.1: "www\.example\.com" is listed twice$/m,
    ],
    [
      'a CloudFront alias with a 64-character label',
      (d) => (d.environments.dev.cloudfront = { aliases: [`${'a'.repeat(64)}.example.com`] }),
      /^environments\.dev\.cloudfront\.aliases\.0: .* has a label of 64 characters; a DNS label has at most 63/m,
    ],
    [
      'a CloudFront alias over 253 characters',
      (d) => (d.environments.dev.cloudfront = { aliases: [`${Array(5).fill('a'.repeat(60)).join('.')}.com`] }),
      /^environments\.dev\.cloudfront\.aliases\.0: .*\(308 characters\) has 308 characters; a DNS name has at most 253/m,
    ],
    [
      'a CloudFront alias with a label ending in a hyphen',
      (d) => (d.environments.dev.cloudfront = { aliases: ['www-.example.com'] }),
      /^environments\.dev\.cloudfront\.aliases\.0: "www-\.example\.com" has a label that begins or ends with a hyphen/m,
    ],
    [
      'a first alias over 64 characters when the stack requests the certificate (ACM CN limit)',
      (d) => (d.environments.dev.cloudfront = { aliases: [`${'a'.repeat(57)}.example.com`, 'www.example.com'] }),
      /^environments\.dev\.cloudfront\.aliases\.0: .*\(69 characters\) has 69 characters, but the certificate the stack requests takes the first alias as its domain name, which ACM limits to 64/m,
    ],
    ['project "sg": every security group name would begin with "sg-"', (d) => (d.project = 'sg'), /^project: the security group name "sg-dev-alb" must not begin with "sg-" \(AWS reserves it for group ids\); choose another project name$/m],
    ['a bucket name with a hyphen next to a dot', (d) => (d.state.bucket = 'acme-.state'), /^state\.bucket: a bucket name has no hyphen next to a dot: "acme-\.state"$/m],
    [
      'a project that makes the CloudFront log bucket name reserved ("sthree-")',
      (d) => {
        d.project = 'sthree';
        d.environments.dev.cloudfront = { accessLogs: { enabled: true } };
      },
      /^environments\.dev\.cloudfront\.accessLogs: the CloudFront log bucket name is derived from project and environment: a bucket name must not begin with the reserved prefix "sthree-"/m,
    ],
    ['101 CloudFront aliases', (d) => (d.environments.dev.cloudfront = { aliases: Array.from({ length: 101 }, (_, i) => `a${i}.example.com`) }), /^environments\.dev\.cloudfront\.aliases: at most 100 aliases/m],
  ];
  it.each(cases)('%s', (_name, change, expected) => {
    expect(issuesOf(change)).toMatch(expected);
  });

  it('a value of the wrong type is reported once, not also as too long for the list it should be', () => {
    const issues = issuesOf((d) => {
      web(d).routing = { pathPatterns: 'x'.repeat(300) };
      d.environments.dev.cloudfront = { aliases: 'x'.repeat(300) };
    });
    expect(issues.split('\n')).toEqual([
      'environments.dev.services.web.routing.pathPatterns: Invalid input: expected array, received string',
      'environments.dev.cloudfront.aliases: Invalid input: expected array, received string',
    ]);
  });

  it('a value beyond both the safe-integer bound and the key\'s own is reported once, with the tighter bound', () => {
    expect(issuesOf((d) => (web(d).desiredCount = 1e22))).toBe('environments.dev.services.web.desiredCount: must be at most 2147483647 (an ECS API integer)');
  });

  it('a YAML alias inside its own anchor is refused by key, not followed forever', () => {
    const refused = (text: string) => {
      try {
        parseConfigText(text);
      } catch (error) {
        return error instanceof ConfigError ? error.issues : error;
      }
      return [];
    };
    expect(refused('project: acme\nstate: &s {bucket: acme-state, region: ap-northeast-2, x: [*s]}\n')).toEqual([
      { path: 'state.x.0', message: expect.stringMatching(/^contains itself \(a YAML alias \*name inside the node its anchor &name marks\)/) },
    ]);
    expect(refused('tags: &t {a: *t}\n')).toEqual([{ path: 'tags.a', message: expect.stringMatching(/^contains itself/) }]);
  });

  it.each([
    ['- a\n- b\n', 'found a list'],
    ['hello\n', 'found the string "hello"'],
    ['42\n', 'found the number 42'],
  ])('a file whose top level is not a mapping (%j) says what it must be', (text, found) => {
    expect(() => parseConfigText(text)).toThrow(`<inline>: 1 configuration error:\n  - the file must be a mapping with the keys project, state and environments; ${found}`);
  });

  it('an unknown YAML tag is refused, not read as its plain text', () => {
    expect(() => parseConfigText('project: !Ref Project\n')).toThrow(
      /malformed YAML: Unresolved tag: !Ref at line 1, column 10; this file is plain YAML, write the value itself/,
    );
  });

  it('lists nested too deeply for the YAML parser are a configuration error in plain words', () => {
    const text = `project: acme\nx: ${'['.repeat(20000)}${']'.repeat(20000)}\n`;
    expect(() => parseConfigText(text)).toThrow(/malformed YAML: lists or mappings nested too deeply to read/);
  });

  it('ENVIRONMENTS made of separators only is refused, not a synth of the state bootstrap alone', () => {
    const result = synthWith(mutated(() => undefined), { ENVIRONMENTS: ' , ' });
    expectRejected(result, /ENVIRONMENTS: " , " names no environment; list some of dev, prod, or unset it for all/);
  });

  it('the synth refuses such a configuration with every error, exit 1 and the output untouched', () => {
    const result = synthWith(
      mutated((d) => {
        delete d.state.region;
        d.environments.dev.network.cidr = '010.10.0.0/16';
        web(d).healthCheck = { command: ['curl -f http://localhost:8080/'] };
      }),
    );
    expectRejected(result, /3 configuration errors/);
    expect(result.stderr).toMatch(/state\.region: is required/);
    expect(result.stderr).toMatch(/network\.cidr: "010\.10\.0\.0\/16"/);
    expect(result.stderr).toMatch(/healthCheck\.command: must start with "CMD"/);
  });
});

describe('legal values at the boundaries are accepted', () => {
  const cases: Array<[string, (data: Json) => void]> = [
    ['a CMD-SHELL health check', (d) => (web(d).healthCheck = { command: ['CMD-SHELL', 'wget -qO- http://localhost:8080/ || exit 1'] })],
    ['a CMD health check', (d) => (web(d).healthCheck = { command: ['CMD', '/bin/healthcheck', '--quiet'] })],
    ['the largest desired count the API takes', (d) => (web(d).desiredCount = 2147483647)],
    ['a 64-character state role name after a path', (d) => (d.environments.dev.stateRoleArn = `arn:aws:iam::123456789012:role/ci/${'r'.repeat(64)}`)],
    ['an SSM parameter in a hierarchy', (d) => (web(d).secrets = { DB_URL: 'arn:aws:ssm:ap-northeast-2:123456789012:parameter/app/dev/db' })],
    ['a CloudFront alias with a 63-character label (an alternative name)', (d) => (d.environments.dev.cloudfront = { aliases: ['www.example.com', `${'a'.repeat(63)}.example.com`] })],
    ['100 CloudFront aliases', (d) => (d.environments.dev.cloudfront = { aliases: Array.from({ length: 100 }, (_, i) => `a${i}.example.com`) })],
    ['a first alias of exactly 64 characters', (d) => (d.environments.dev.cloudfront = { aliases: [`${'a'.repeat(52)}.example.com`] })],
    [
      'a long first alias with a certificate given (nothing requested)',
      (d) =>
        (d.environments.dev.cloudfront = {
          aliases: [`${'a'.repeat(57)}.example.com`],
          certificateArn: 'arn:aws:acm:us-east-1:123456789012:certificate/9f8e7d6c-1111-2222-3333-444455556666',
        }),
    ],
    ['project "sgx" (only "sg-" is reserved)', (d) => (d.project = 'sgx')],
    ['a bucket name with dots and hyphens apart', (d) => (d.state.bucket = 'acme.tf-state.ap-northeast-2')],
    ['a VPC CIDR whose octets are 0', (d) => (d.environments.dev.network.cidr = '100.64.0.0/16')],
  ];
  it.each(cases)('%s', (_name, change) => {
    expect(issuesOf(change)).toBe('');
  });

  it('CIDRs without leading zeros still parse, 0 included', () => {
    expect(parseCidr('0.0.0.0/0')).toEqual({ base: 0, prefix: 0 });
    expect(parseCidr('10.0.0.0/8')).toEqual({ base: 10 * 2 ** 24, prefix: 8 });
    expect(parseCidr('10.00.0.0/8')).toBeUndefined();
  });

  it('and synthesize: boundary values reach the JSON as given, under names AWS accepts', () => {
    const data = defaultConfigData();
    data.project = 'sgx';
    delete data.environments.prod;
    const svc = web(data);
    data.environments.dev.services = {
      // Object.prototype member names are ordinary service names.
      constructor: { ...svc, desiredCount: 2147483647, healthCheck: { command: ['CMD', '/bin/healthcheck'] } },
      tostring: { ...svc, routing: { pathPatterns: ['/t/*'] } },
    };
    data.environments.dev.cloudfront = { aliases: [`${'a'.repeat(52)}.example.com`, `${'b'.repeat(63)}.example.com`] };
    const synth = synthConfig(configFrom(data));
    const service = synth.stack('dev-constructor');
    expect(only(service, 'aws_ecs_service').desired_count).toBe(2147483647);
    const app = JSON.parse(only(service, 'aws_ecs_task_definition').container_definitions).find((c: Json) => c.healthCheck);
    expect(app.healthCheck.command).toEqual(['CMD', '/bin/healthcheck']);
    expect(only(service, 'aws_security_group').name).toBe('sgx-dev-constructor-tasks');
    expect(only(synth.stack('dev-tostring'), 'aws_lb_target_group').name).toBe('sgx-dev-tostring');
    const certificate = only(synth.stack('dev-platform'), 'aws_acm_certificate');
    expect(certificate.domain_name).toHaveLength(64);
    expect(certificate.subject_alternative_names).toEqual([`${'b'.repeat(63)}.example.com`]);
  });
});

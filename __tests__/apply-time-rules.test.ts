/**
 * Configurations AWS would refuse only at `terraform apply` are refused at synth, by key,
 * with every error at once and the output untouched; the legal boundary values are accepted.
 */
import { ConfigError, parseConfigText } from '../config/load';
import type { ResolvedConfig } from '../config/validate';
import { expectRejected, mutated, synthWith } from './helpers/bad-config';
import { configFrom, defaultConfigData, Json, resources, synthConfig } from './helpers/synth';

const web = (change: (svc: Json, data: Json) => void) =>
  mutated((d) => {
    change(d.environments.dev.services.web, d);
  });

/** Only the dev environment, with `change` applied: for accepted cases. */
function devOnly(change: (data: Json) => void): Json {
  const data = defaultConfigData();
  delete data.environments.prod;
  change(data);
  return data;
}

/** The problems `data` has, or [] when it is accepted. */
function problems(data: Json): string[] {
  try {
    configFrom(data);
    return [];
  } catch (error) {
    if (error instanceof ConfigError) return error.issues.map((i) => `${i.path}: ${i.message}`);
    throw error;
  }
}

const x = (n: number) => 'x'.repeat(n);
const publicService = { image: 'public.ecr.aws/nginx/nginx-unprivileged:1.27-alpine', port: 8080, user: '101' };
const vpcOrigin = (d: Json) => (d.environments.dev.cloudfront = { originProtection: 'vpc-origin' });

const refused: Array<[string, string | Buffer, RegExp]> = [
  // ALB listener rules
  ['4 path patterns in one condition', web((s) => (s.routing = { pathPatterns: ['/a', '/b', '/c', '/d'] })), /services\.web\.routing\.pathPatterns: at most 3 path patterns/],
  ['4 host headers in one condition', web((s) => (s.routing = { hostHeaders: ['a.example.com', 'b.example.com', 'c.example.com', 'd.example.com'] })), /services\.web\.routing\.hostHeaders: at most 3 host headers/],
  [
    '6 condition values in one rule',
    web((s) => (s.routing = { pathPatterns: ['/a', '/b', '/c'], hostHeaders: ['a.example.com', 'b.example.com', 'c.example.com'] })),
    /services\.web\.routing: at most 5 path patterns and host headers in total/,
  ],
  ['6 wildcards in one rule', web((s) => (s.routing = { pathPatterns: ['/a*b*c*', '/d?e?f?'] })), /services\.web\.routing: at most 5 wildcards/],
  ['a space in a path pattern', web((s) => (s.routing = { pathPatterns: ['/a b'] })), /services\.web\.routing\.pathPatterns\.0: "\/a b" has a character a path pattern does not allow/],
  ['an empty path pattern', web((s) => (s.routing = { pathPatterns: [''] })), /routing\.pathPatterns\.0: is empty/],
  ['a path pattern over 128 characters', web((s) => (s.routing = { pathPatterns: [`/${x(128)}`] })), /routing\.pathPatterns\.0: .* has 129 characters; a path pattern allows 128/],
  ['an underscore in a host header', web((s) => (s.routing = { hostHeaders: ['my_app.example.com'] })), /routing\.hostHeaders\.0: "my_app\.example\.com" is not a host name/],
  ['a host header without a dot', web((s) => (s.routing = { hostHeaders: ['localhost'] })), /routing\.hostHeaders\.0: "localhost" needs at least one "\."/],
  [
    '101 public services on one load balancer',
    mutated((d) => {
      for (let i = 1; i <= 101; i++) d.environments.dev.services[`s${i}`] = { ...publicService, routing: { pathPatterns: [`/s${i}/*`], priority: i } };
    }),
    /environments\.dev\.services: 102 public services would need 102 listener rules; an Application Load Balancer allows 100/,
  ],
  [
    '61 public services with the default security group rule quota',
    mutated((d) => {
      for (let i = 1; i <= 60; i++) d.environments.dev.services[`s${i}`] = { ...publicService, routing: { pathPatterns: [`/s${i}/*`], priority: i } };
    }),
    /environments\.dev\.services: 61 public services would need 61 outbound rules in the load balancer's security group; the quota is 60 rules per security group: raise the quota in Service Quotas and set platform\.securityGroupRuleQuota/,
  ],
  [
    'an internal service with 61 callers',
    mutated((d) => {
      d.environments.dev.services.api = { ...publicService, exposure: 'internal' };
      for (let i = 1; i <= 61; i++) d.environments.dev.services[`c${i}`] = { ...publicService, exposure: 'internal', calls: ['api'] };
    }),
    /environments\.dev\.services\.api: 61 services call it, one inbound rule each in its security group; the quota is 60/,
  ],
  // Certificates and CloudFront
  [
    'an ALB certificate from another region',
    mutated((d) => (d.environments.dev.platform = { certificateArn: 'arn:aws:acm:us-east-1:123456789012:certificate/0a1b2c3d-1111-2222-3333-444455556666' })),
    /environments\.dev\.platform\.certificateArn: is an ACM certificate in us-east-1; the load balancer in ap-northeast-2 needs a certificate from ap-northeast-2/,
  ],
  [
    'a VPC origin with an ALB certificate',
    mutated((d) => {
      vpcOrigin(d);
      d.environments.dev.platform = { certificateArn: 'arn:aws:acm:ap-northeast-2:123456789012:certificate/0a1b2c3d-1111-2222-3333-444455556666' };
    }),
    /environments\.dev\.platform\.certificateArn: cannot be used with cloudfront\.originProtection: "vpc-origin"/,
  ],
  [
    'host headers behind CloudFront',
    web((s, d) => {
      vpcOrigin(d);
      s.routing = { hostHeaders: ['www.example.com'] };
    }),
    /services\.web\.routing\.hostHeaders: never match behind CloudFront/,
  ],
  // Fargate
  ['Fargate Spot with ARM64', mutated((d) => (d.environments.prod.services.web.capacity = { spot: 50 })), /environments\.prod\.services\.web\.capacity\.spot: must be 0 with architecture: ARM64/],
  [
    'a task definition over 64 KiB',
    web((s) => (s.environment = { BIG: x(70000) })),
    /environments\.dev\.services\.web: its task definition would be about \d+ bytes; ECS accepts at most 65536/,
  ],
  [
    'request-count scaling of an internal service',
    web((s, d) => {
      s.calls = ['api'];
      d.environments.dev.services.api = { ...publicService, exposure: 'internal', autoscaling: { min: 1, max: 2, requestsPerTarget: 100 } };
    }),
    /services\.api\.autoscaling\.requestsPerTarget: needs a load balancer target group, and an internal service has none/,
  ],
  // Health checks
  ['a health check path over 1024 characters', web((s) => (s.healthCheck = { path: `/${x(1024)}` })), /services\.web\.healthCheck\.path: has 1025 characters; AWS allows 1024/],
  ['a health check path with a space', web((s) => (s.healthCheck = { path: '/health check' })), /services\.web\.healthCheck\.path: "\/health check" has a character a URI path does not allow/],
  ['a matcher below 200', web((s) => (s.healthCheck = { matcher: '100-299' })), /services\.web\.healthCheck\.matcher: "100-299" is outside 200-499/],
  ['a matcher above 499', web((s) => (s.healthCheck = { matcher: '200,500' })), /services\.web\.healthCheck\.matcher: "500" is outside 200-499/],
  ['a reversed matcher range', web((s) => (s.healthCheck = { matcher: '299-200' })), /healthCheck\.matcher: "299-200" is a range whose start exceeds its end/],
  // Network
  ['a public VPC range', mutated((d) => (d.environments.dev.network.cidr = '8.8.0.0/16')), /environments\.dev\.network\.cidr: 8\.8\.0\.0\/16 is not a private range; a VPC CIDR must lie inside 10\.0\.0\.0\/8, 172\.16\.0\.0\/12, 192\.168\.0\.0\/16, 100\.64\.0\.0\/10/],
  ['172.32.0.0/16 (outside 172.16.0.0/12)', mutated((d) => (d.environments.dev.network.cidr = '172.32.0.0/16')), /network\.cidr: 172\.32\.0\.0\/16 is not a private range/],
  [
    'a /24 VPC over six zones',
    mutated((d) => {
      d.environments.dev.region = 'us-east-1';
      d.environments.dev.network = { cidr: '10.10.0.0/24', availabilityZones: ['a', 'b', 'c', 'd', 'e', 'f'].map((z) => `us-east-1${z}`) };
    }),
    /environments\.dev\.network\.cidr: 10\.10\.0\.0\/24 is too small for 6 zones: each zone needs a public subnet of at least \/27 for the load balancer/,
  ],
  [
    'a /28 public subnet',
    mutated((d) => (d.environments.dev.network.subnets = { public: ['10.10.200.0/28', '10.10.200.16/28'], private: ['10.10.0.0/24', '10.10.1.0/24'] })),
    /network\.subnets\.public\.0: 10\.10\.200\.0\/28 is smaller than \/27, the smallest subnet a load balancer accepts/,
  ],
  [
    'a /28 private subnet behind a VPC origin (the ALB is there)',
    mutated((d) => {
      vpcOrigin(d);
      d.environments.dev.network.subnets = { public: ['10.10.200.0/27', '10.10.200.32/27'], private: ['10.10.0.0/28', '10.10.0.16/28'] };
    }),
    /network\.subnets\.private\.0: 10\.10\.0\.0\/28 is smaller than \/27, the smallest subnet a load balancer accepts \(the load balancer is in the private subnets\)/,
  ],
  // AWS names derived from the configuration
  ['a load balancer name beginning with internal-', mutated((d) => (d.project = 'internal')), /- project: the load balancer name "internal-dev" must not begin with "internal-"/],
  ['two hyphens in a row in the project', mutated((d) => (d.project = 'a--b')), /- project: project must not contain two hyphens in a row/],
  ['two hyphens in a row in a service', web((s, d) => (d.environments.dev.services['a--b'] = { ...s, routing: { pathPatterns: ['/ab/*'] } })), /services\.a--b: service name must not contain two hyphens in a row/],
  [
    'an access log bucket with a reserved prefix',
    mutated((d) => {
      d.project = 'sthree-app';
      d.environments.dev.platform = { accessLogs: { enabled: true } };
    }),
    /environments\.dev\.platform\.accessLogs: the access log bucket name is derived from project and environment: a bucket name must not begin with the reserved prefix "sthree-"/,
  ],
  ['a state bucket with the amzn-s3-demo- prefix', mutated((d) => (d.state.bucket = 'amzn-s3-demo-state')), /- state\.bucket: a bucket name must not begin with the reserved prefix "amzn-s3-demo-"/],
  ['a state bucket ending in .mrap', mutated((d) => (d.state.bucket = 'acme-state.mrap')), /state\.bucket: a bucket name must not end with the reserved suffix "\.mrap"/],
  ['a state bucket ending in --x-s3', mutated((d) => (d.state.bucket = 'acme-state--x-s3')), /state\.bucket: a bucket name must not end with the reserved suffix "--x-s3"/],
  ['a state bucket that is an IP address', mutated((d) => (d.state.bucket = '192.168.1.1')), /state\.bucket: a bucket name is not an IP address/],
  ['a gateway bucket with the xn-- prefix', mutated((d) => (d.environments.dev.network.s3GatewayBuckets = ['xn--data'])), /network\.s3GatewayBuckets\.0: a bucket name must not begin with the reserved prefix "xn--"/],
  // Tags
  ['a tag key with the aws: prefix', mutated((d) => (d.tags = { 'aws:owner': 'me' })), /- tags\.aws:owner: a tag key must not begin with "aws:"/],
  ['a tag value with the aws: prefix', mutated((d) => (d.environments.dev.tags = { Owner: 'AWS:me' })), /environments\.dev\.tags\.Owner: a tag value must not begin with "aws:"/],
  ['a tag key over 128 characters', mutated((d) => (d.environments.dev.tags = { [x(129)]: 'v' })), /environments\.dev\.tags\.x+\.\.\.\(129 characters\): a tag key has 1 to 128 characters/],
  ['a tag value over 256 characters', mutated((d) => (d.tags = { Owner: x(257) })), /tags\.Owner: a tag value has at most 256 characters, this one has 257/],
  ['a tag value with a disallowed character', mutated((d) => (d.tags = { Owner: 'me#1' })), /tags\.Owner: a tag value may contain letters, digits, spaces and _ \. : \/ = \+ - @ only/],
  [
    '51 tags on a resource',
    mutated((d) => {
      d.tags = Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`p${i}`, 'v']));
      d.environments.dev.tags = Object.fromEntries(Array.from({ length: 4 }, (_, i) => [`e${i}`, 'v']));
    }),
    /environments\.dev\.tags: 51 distinct tags would reach a resource .*AWS allows 50 per resource/,
  ],
  // Names that collide
  [
    'environment dev-a with service web next to environment dev with service a-web',
    mutated((d) => {
      d.environments['dev-a'] = { ...d.environments.dev, network: { cidr: '10.30.0.0/16' } };
      d.environments.dev.services['a-web'] = { ...publicService, routing: { pathPatterns: ['/a/*'] } };
    }),
    /environments\.(dev\.services\.a-web|dev-a\.services\.web): its stack would be named "dev-a-web", as is the stack of environments\.(dev-a\.services\.web|dev\.services\.a-web)/,
  ],
  [
    'a service whose stack is another environment\'s network stack',
    mutated((d) => {
      d.environments['dev-x'] = { ...d.environments.dev, network: { cidr: '10.30.0.0/16' } };
      d.environments.dev.services['x-network'] = { ...publicService, routing: { pathPatterns: ['/x/*'] } };
    }),
    /environments\.dev\.services\.x-network: its stack would be named "dev-x-network", as is the stack of environments\.dev-x/,
  ],
  [
    'calls listing a service twice',
    web((s, d) => {
      s.calls = ['api', 'api'];
      d.environments.dev.services.api = { ...publicService, exposure: 'internal' };
    }),
    /services\.web\.calls\.1: "api" is listed twice/,
  ],
  // YAML and JavaScript edge cases
  [
    'a service named __proto__',
    'project: acme\nstate: {bucket: acme-state, region: ap-northeast-2}\nenvironments:\n  dev:\n    region: ap-northeast-2\n    network: {cidr: 10.0.0.0/16}\n    services:\n      __proto__: {imageTag: v1, port: 80}\n',
    /environments\.dev\.services\.__proto__: is not a usable key/,
  ],
  [
    'an environment variable named __proto__',
    'project: acme\nstate: {bucket: acme-state, region: ap-northeast-2}\nenvironments:\n  dev:\n    region: ap-northeast-2\n    network: {cidr: 10.0.0.0/16}\n    services:\n      web: {imageTag: v1, port: 80, environment: {__proto__: x}}\n',
    /environments\.dev\.services\.web\.environment\.__proto__: is not a usable key/,
  ],
  [
    'a duplicate nested key',
    'project: acme\nstate: {bucket: acme-state, region: ap-northeast-2}\nenvironments:\n  dev:\n    region: ap-northeast-2\n    network:\n      cidr: 10.0.0.0/16\n      cidr: 10.1.0.0/16\n',
    /- environments\.dev\.network\.cidr: is given twice \(lines 7 and 8\)/,
  ],
  [
    'an alias bomb',
    `project: acme\na: &a [x, x, x, x, x, x, x, x, x, x]\nb: &b [${Array(10).fill('*a').join(', ')}]\nc: &c [${Array(10).fill('*b').join(', ')}]\nd: [${Array(10).fill('*c').join(', ')}]\n`,
    /too many alias expansions \(more than 100\)/,
  ],
  ['a file that is not UTF-8', Buffer.from('project: acm\xe9\n', 'latin1'), /: 1 configuration error:\n {2}- is not UTF-8 text/],
  ['a huge value, quoted cut', mutated((d) => (d.environments.dev.region = `r${x(5000)}`)), /region: unknown AWS region "rx{59}"\.\.\. \(5001 characters\)/],
];

describe('refused at synth', () => {
  test.each(refused)('%s', (_name, content, message) => {
    const result = synthWith(content);
    expectRejected(result, message);
    expect(result.stderr.length).toBeLessThan(20000);
  });

  test('every error at once', () => {
    const result = synthWith(
      mutated((d) => {
        d.environments.prod.services.web.capacity = { spot: 50 };
        d.environments.dev.platform = { certificateArn: 'arn:aws:acm:us-east-1:123456789012:certificate/0a1b2c3d-1111-2222-3333-444455556666' };
        d.tags = { 'aws:x': 'y' };
      }),
    );
    expectRejected(result, /3 configuration errors/);
    expect(result.stderr).toMatch(/capacity\.spot/);
    expect(result.stderr).toMatch(/platform\.certificateArn/);
    expect(result.stderr).toMatch(/tags\.aws:x/);
  });
});

describe('accepted at the legal boundary', () => {
  const accepted: Array<[string, (d: Json) => void]> = [
    ['3 path patterns and 2 host headers (5 values, 5 wildcards)', (d) => (d.environments.dev.services.web.routing = { pathPatterns: ['/a/*', '/b/*', '/c/*'], hostHeaders: ['*.example.com', 'api?.example.com'] })],
    ['a 128-character path pattern with every allowed character', (d) => (d.environments.dev.services.web.routing = { pathPatterns: [`/_-.$~"'@:+&*?${x(114)}`] })],
    ['a 128-character host header', (d) => (d.environments.dev.services.web.routing = { hostHeaders: [`${x(120)}.example`] })],
    ['3 path patterns with CloudFront prefix-list protection', (d) => {
      d.environments.dev.cloudfront = { originProtection: 'prefix-list', prefixListId: 'pl-22a6434b' };
      d.environments.dev.services.web.routing = { pathPatterns: ['/a/*', '/b/*', '/c/*'] };
    }],
    ['60 public services with the default security group rule quota', (d) => {
      d.environments.dev.services = {};
      for (let i = 1; i <= 60; i++) d.environments.dev.services[`s${i}`] = { ...publicService, routing: { pathPatterns: [`/s${i}/*`], priority: i } };
    }],
    ['100 public services with a raised security group rule quota', (d) => {
      d.environments.dev.platform = { securityGroupRuleQuota: 100 };
      d.environments.dev.services = {};
      for (let i = 1; i <= 100; i++) d.environments.dev.services[`s${i}`] = { ...publicService, routing: { pathPatterns: [`/s${i}/*`], priority: i } };
    }],
    ['an ALB certificate in the environment region', (d) => (d.environments.dev.platform = { certificateArn: 'arn:aws:acm:ap-northeast-2:123456789012:certificate/0a1b2c3d-1111-2222-3333-444455556666' })],
    ['Fargate Spot with X86_64', (d) => (d.environments.dev.services.web.capacity = { spot: 100 })],
    ['a 1024-character health check path with a query', (d) => (d.environments.dev.services.web.healthCheck = { path: `/health?x=${x(1014)}` })],
    ['matchers 200, 200,302, 200-299 and 499', (d) => (d.environments.dev.services.web.healthCheck = { matcher: '200,302,200-299,499' })],
    ['a VPC in 100.64.0.0/10, gateway buckets of 3 and 63 characters', (d) => {
      d.environments.dev.network.cidr = '100.64.0.0/16';
      d.environments.dev.network.s3GatewayBuckets = ['abc', x(63)];
    }],
    ['a task definition under 64 KiB', (d) => (d.environments.dev.services.web.environment = { BIG: x(50000) })],
    ['50 tags on a resource, with Unicode values', (d) => {
      d.tags = Object.fromEntries(Array.from({ length: 39 }, (_, i) => [`p${i}`, 'café 東京 +=@:/']));
      d.environments.dev.tags = Object.fromEntries(Array.from({ length: 4 }, (_, i) => [`e${i}`, '']));
    }],
    ['a state bucket of 3 characters', (d) => (d.state.bucket = 'a.b')],
  ];
  test.each(accepted)('%s', (_name, change) => {
    expect(problems(devOnly(change))).toEqual([]);
  });

  test('a /24 VPC is carved with /27 public subnets, the load balancer minimum', () => {
    const config = configFrom(devOnly((d) => (d.environments.dev.network.cidr = '10.10.0.0/24')));
    expect(config.environments[0].network.publicSubnets).toEqual(['10.10.0.128/27', '10.10.0.160/27']);
    expect(config.environments[0].network.privateSubnets).toEqual(['10.10.0.0/26', '10.10.0.64/26']);
  });

  test('a /16 VPC keeps its layout (quarter-size public subnets)', () => {
    const config = configFrom(devOnly(() => undefined));
    expect(config.environments[0].network.publicSubnets).toEqual(['10.10.128.0/20', '10.10.144.0/20']);
  });

  test('service and variable names that are Object.prototype members synthesize', () => {
    const config: ResolvedConfig = parseConfigText(
      [
        'project: acme',
        'state: {bucket: acme-state, region: ap-northeast-2}',
        'tags: {constructor: x, toString: y}',
        'environments:',
        '  dev:',
        '    region: ap-northeast-2',
        '    network: {cidr: 10.0.0.0/24}',
        '    services:',
        '      constructor:',
        '        image: public.ecr.aws/nginx/nginx-unprivileged:1.27-alpine',
        '        port: 8080',
        '        calls: [tostring]',
        '        environment: {constructor: a, toString: b, hasOwnProperty: c}',
        '      tostring:',
        '        exposure: internal',
        '        image: public.ecr.aws/nginx/nginx-unprivileged:1.27-alpine',
        '        port: 8080',
      ].join('\n'),
    );
    const synth = synthConfig(config);
    expect(synth.stackNames().sort()).toEqual(['dev-constructor', 'dev-network', 'dev-platform', 'dev-tostring', 'terraform-state']);
    const [[, task]] = resources(synth.stack('dev-constructor'), 'aws_ecs_task_definition');
    expect(JSON.parse(task.container_definitions)[0].environment.map((e: Json) => e.name).sort()).toEqual(['constructor', 'hasOwnProperty', 'toString']);
  });
});

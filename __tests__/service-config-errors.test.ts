/** Bad service and platform configuration: each fault names its key and changes nothing. */
import { expectRejected, mutated, synthWith } from './helpers/bad-config';
import { Json } from './helpers/synth';

const web = (change: (svc: Json, data: Json) => void) =>
  mutated((d) => {
    change(d.environments.dev.services.web, d);
  });

const faults: Array<[string, string, RegExp]> = [
  ['bad CPU/memory pair', web((s) => ((s.cpu = 1024), (s.memory = 512))), /environments\.dev\.services\.web\.memory: 512 MiB is not a Fargate size for cpu 1024; valid: 2048 to 8192 in steps of 1024/],
  ['CPU not a Fargate size', web((s) => (s.cpu = 300)), /environments\.dev\.services\.web\.cpu: must be a Fargate CPU value: 256, 512, 1024/],
  ['port out of range', web((s) => (s.port = 70000)), /environments\.dev\.services\.web\.port: Too big: expected number to be <=65535/],
  ['port missing', web((s) => delete s.port), /environments\.dev\.services\.web\.port: is required \(expected number\)/],
  [
    'duplicate routes',
    web((s, d) => (d.environments.dev.services.shop = { ...s, routing: { pathPatterns: ['/*'] } })),
    /environments\.dev\.services\.shop\.routing: routes the same requests as service "web"/,
  ],
  [
    'duplicate priority',
    web((s, d) => {
      s.routing = { pathPatterns: ['/a/*'], priority: 10 };
      d.environments.dev.services.shop = { ...s, routing: { pathPatterns: ['/b/*'], priority: 10 } };
    }),
    /environments\.dev\.services\.shop\.routing\.priority: 10 is also the priority of service "web"; listener rule priorities must be unique/,
  ],
  ['duplicate service names', 'project: acme\nstate: {bucket: acme-state, region: ap-northeast-2}\nenvironments:\n  dev:\n    region: ap-northeast-2\n    network: {cidr: 10.0.0.0/16}\n    services:\n      web: {imageTag: v1, port: 80}\n      web: {imageTag: v2, port: 80}\n', /environments\.dev\.services\.web: is given twice \(lines 8 and 9\); YAML would keep only one of them/],
  [
    'name too long for the target group',
    web((s, d) => (d.environments.dev.services['customer-notifications-api'] = { ...s, routing: { pathPatterns: ['/n/*'] } })),
    /environments\.dev\.services\.customer-notifications-api: service name too long: its target group would be named "acme-dev-customer-notifications-api" \(35 characters; AWS allows 32\); shorten the service name to at most 23 characters/,
  ],
  ['malformed image', web((s) => (s.image = 'nginx')), /environments\.dev\.services\.web\.image: must be an image reference with a tag or digest/],
  ['image from the internet without NAT', web((s) => (s.image = 'docker.io/library/nginx:1.27')), /environments\.dev\.services\.web\.image: "docker\.io\/library\/nginx:1\.27" is not in ECR: tasks without NAT can pull only from ECR/],
  ['ECR image in another region without NAT', web((s) => (s.image = '123456789012.dkr.ecr.us-east-1.amazonaws.com/app:v1')), /services\.web\.image: is in ECR in us-east-1; tasks in ap-northeast-2 without NAT/],
  ['no image and no tag', web((s) => delete s.image), /environments\.dev\.services\.web\.imageTag: is required when image is not set/],
  ['malformed secret ARN', web((s) => (s.secrets = { DB_PASSWORD: 'arn:aws:s3:::bucket/key' })), /environments\.dev\.services\.web\.secrets\.DB_PASSWORD: must be a Secrets Manager secret ARN/],
  ['malformed certificate ARN', mutated((d) => (d.environments.dev.platform = { certificateArn: 'arn:aws:acm:ap-northeast-2:123:cert' })), /environments\.dev\.platform\.certificateArn: must be an ARN like arn:aws:acm/],
  ['secret in a plain environment variable', web((s) => (s.environment = { DB_PASSWORD: 'hunter2' })), /environments\.dev\.services\.web\.environment\.DB_PASSWORD: looks like a secret.*ECS\.8/],
  ['root user', web((s) => (s.user = 'root')), /environments\.dev\.services\.web\.user: containers must not run as root/],
  ['reserved service name', web((s, d) => (d.environments.dev.services.network = { ...s, routing: { pathPatterns: ['/x/*'] } })), /environments\.dev\.services\.network: "network" is reserved/],
  ['autoscaling min above max', mutated((d) => (d.environments.prod.services.web.autoscaling.min = 9)), /environments\.prod\.services\.web\.autoscaling: min must not exceed max/],
  ['unknown service key', web((s) => (s.memroy = 512)), /environments\.dev\.services\.web\.memroy: unknown key; valid keys here: image, imageTag, keepImages, port, cpu, memory/],
  [
    'disabling an endpoint a service needs',
    web((s, d) => {
      s.secrets = { DB_PASSWORD: 'arn:aws:secretsmanager:ap-northeast-2:123456789012:secret:db-AbCdEf' };
      d.environments.dev.network.disabledEndpoints = ['secretsmanager'];
    }),
    /environments\.dev\.network\.disabledEndpoints\.0: "secretsmanager" is needed by service "web" \(secret DB_PASSWORD from Secrets Manager\) and egress is "endpoints"/,
  ],
  [
    'disabling ssmmessages while ECS Exec is on',
    web((s, d) => {
      s.exec = true;
      d.environments.dev.network.disabledEndpoints = ['ssmmessages'];
    }),
    /disabledEndpoints\.0: "ssmmessages" is needed by service "web" \(ECS Exec\)/,
  ],
  ['disabling a base endpoint', mutated((d) => (d.environments.dev.network.disabledEndpoints = ['ecr.dkr'])), /disabledEndpoints\.0: "ecr\.dkr" is needed by every task/],
  ['secret in another region without NAT', web((s) => (s.secrets = { TOKEN: 'arn:aws:ssm:us-east-1:123456789012:parameter/x' })), /services\.web\.secrets\.TOKEN: is in us-east-1, but tasks in ap-northeast-2 reach ssm only through this region's VPC endpoint/],
];

describe('service and platform configuration errors', () => {
  test.each(faults)('%s', (_name, content, message) => {
    expectRejected(synthWith(content), message);
  });

  test('init image and secrets KMS keys: every fault at once, each at its key path', () => {
    const secret = 'arn:aws:secretsmanager:ap-northeast-2:123456789012:secret:db-AbCdEf';
    const result = synthWith(
      web((s, d) => {
        s.initImage = 'docker.io/library/busybox:1.36.1';
        s.secrets = { DB_PASSWORD: secret };
        s.secretsKmsKeyArns = ['arn:aws:kms:ap-northeast-2:123456789012:alias/app', 'arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab'];
        d.environments.dev.services.shop = { imageTag: 'v1', port: 8080, routing: { pathPatterns: ['/shop/*'] }, secretsKmsKeyArns: ['arn:aws:kms:ap-northeast-2:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab'] };
      }),
    );
    expectRejected(result, /environments\.dev\.services\.web\.secretsKmsKeyArns\.0: must be an ARN like arn:aws:kms:<region>:<account>:key\/<key-id> \(a key ARN, not an alias\)/);
    // The schema error stops the cross-field rules of that environment; check them without it.
    const crossField = synthWith(
      web((s, d) => {
        s.initImage = 'docker.io/library/busybox:1.36.1';
        s.secrets = { DB_PASSWORD: secret };
        s.secretsKmsKeyArns = ['arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab'];
        d.environments.dev.services.shop = { imageTag: 'v1', port: 8080, routing: { pathPatterns: ['/shop/*'] }, secretsKmsKeyArns: ['arn:aws:kms:ap-northeast-2:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab'] };
      }),
    );
    expectRejected(crossField, /environments\.dev\.services\.web\.initImage: "docker\.io\/library\/busybox:1\.36\.1" is not in ECR: tasks without NAT can pull only from ECR \(copy it to an ECR repository of this region/);
    expect(crossField.stderr).toMatch(/environments\.dev\.services\.web\.secretsKmsKeyArns\.0: is in us-east-1, where the service has no secret/);
    expect(crossField.stderr).toMatch(/environments\.dev\.services\.shop\.secretsKmsKeyArns: is set, but the service has no secrets to decrypt/);
    expect(crossField.stderr).toMatch(/: 3 configuration errors:/);
  });

  test('disabling an endpoint a service needs is allowed with NAT egress (NAT is the path)', () => {
    const result = synthWith(
      web((s, d) => {
        s.exec = true;
        d.environments.dev.network.egress = 'nat';
        d.environments.dev.network.disabledEndpoints = ['ssmmessages'];
      }),
    );
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
  });
});

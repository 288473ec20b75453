/**
 * The guardrails: every rule fails synth when code sets the insecure value and when an
 * escape hatch (addOverride) does, with the construct path and the rule; violations of
 * several stacks come at once; a suppression needs a reason and is recorded in the JSON.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { App, TerraformResource, TerraformStack } from 'cdktf';
import { Construct } from 'constructs';
import { DataAwsIamPolicyDocument } from '@cdktf/provider-aws/lib/data-aws-iam-policy-document';
import { EcsService } from '@cdktf/provider-aws/lib/ecs-service';
import { EcsTaskDefinition } from '@cdktf/provider-aws/lib/ecs-task-definition';
import { IamRolePolicy } from '@cdktf/provider-aws/lib/iam-role-policy';
import { LbListener } from '@cdktf/provider-aws/lib/lb-listener';
import { AwsProvider } from '@cdktf/provider-aws/lib/provider';
import { S3AccountPublicAccessBlock } from '@cdktf/provider-aws/lib/s3-account-public-access-block';
import { S3Bucket } from '@cdktf/provider-aws/lib/s3-bucket';
import { S3BucketPublicAccessBlock } from '@cdktf/provider-aws/lib/s3-bucket-public-access-block';
import { SecretsmanagerSecretVersion } from '@cdktf/provider-aws/lib/secretsmanager-secret-version';
import { SecurityGroup } from '@cdktf/provider-aws/lib/security-group';
import { VpcEndpoint } from '@cdktf/provider-aws/lib/vpc-endpoint';
import { VpcSecurityGroupIngressRule } from '@cdktf/provider-aws/lib/vpc-security-group-ingress-rule';
import { buildApp } from '../main';
import { DEFAULT_CONFIG_PATH, loadConfigFile } from '../config/load';
import { addGuardrails, checkGuardrails, GuardrailError, GuardrailRule, GUARDRAILS_ON_OUTPUT, STRONG_TLS_POLICY, suppressGuardrail, Violation } from '../modules/guardrails';
import { readSynthesized } from '../lib/preflight/read-synth';
import { checkSynthesized } from '../lib/preflight/synth-check';
import { configFrom, defaultConfigData } from './helpers/synth';

const outdir = () => mkdtempSync(path.join(os.tmpdir(), 'guardrails-'));

/**
 * The rules this file tests; the others (one per security control) are tested, with their
 * escape hatches, in guardrails-adversarial.test.ts, and the small fixtures here break some of them.
 */
const RULES_HERE = new Set<GuardrailRule>(['ecs-public-ip', 'task-sg-open-ingress', 'endpoint-private-dns', 'https-tls-policy', 'bucket-public-access-block', 'iam-wildcard-action', 'plain-secret-env', 'container-root-user']);

/** Synthesizes an app and returns the violations of RULES_HERE it was refused for (none: []). */
function violationsOf(app: App): Violation[] {
  try {
    app.synth();
    return [];
  } catch (error) {
    if (error instanceof GuardrailError) return error.violations.filter((v) => RULES_HERE.has(v.rule));
    throw error;
  }
}

/** A small stack with the guardrails, for code that sets insecure values directly. */
function mini(build: (stack: TerraformStack) => void, stacks = ['mini']): App {
  const app = new App({ outdir: outdir() });
  for (const name of stacks) {
    const stack = new TerraformStack(app, name);
    new AwsProvider(stack, 'aws', { region: 'ap-northeast-2' });
    addGuardrails(stack);
    build(stack);
  }
  return app;
}

/** The default configuration's app (optionally with other config), to break with escape hatches. */
function defaultApp(change?: (data: Record<string, any>) => void): App { // eslint-disable-line @typescript-eslint/no-explicit-any
  const app = new App({ outdir: outdir() });
  if (change) {
    const data = defaultConfigData();
    change(data);
    buildApp(app, configFrom(data));
  } else buildApp(app, loadConfigFile(DEFAULT_CONFIG_PATH));
  return app;
}

/** The default configuration's dev environment alone: for breaking a dev or bootstrap resource (half the synth). */
const devApp = () =>
  defaultApp((data) => {
    data.environments = { dev: data.environments.dev };
  });

const find = (app: App, constructPath: string) => {
  const found = app.node.findAll().find((c) => c.node.path === constructPath);
  if (!found) throw new Error(`no construct ${constructPath}`);
  return found as TerraformResource;
};

const rules = (violations: Violation[]) => violations.map((v) => `${v.constructPath} ${v.rule}`);

function service(scope: Construct, securityGroupIds: string[], assignPublicIp = false): EcsService {
  return new EcsService(scope, 'service', {
    name: 'svc',
    taskDefinition: 'arn:aws:ecs:ap-northeast-2:123456789012:task-definition/x:1',
    networkConfiguration: { subnets: ['subnet-1'], securityGroups: securityGroupIds, assignPublicIp },
  });
}

describe('the default configuration and the code paths of the project', () => {
  test('break no guardrail (the internet-facing ALB security group is not a task group)', () => {
    expect(violationsOf(defaultApp())).toEqual([]);
    const https = defaultApp((data) => {
      // An internet-facing HTTPS ALB instead of prod's CloudFront VPC origin.
      delete data.environments.prod.cloudfront;
      data.environments.prod.platform.certificateArn = 'arn:aws:acm:ap-northeast-2:123456789012:certificate/0a1b2c3d-1111-2222-3333-444455556666';
      data.environments.prod.platform.accessLogs = { enabled: true };
    });
    expect(violationsOf(https)).toEqual([]);
  });
});

describe('each rule, set in code and through an escape hatch', () => {
  test('ecs-public-ip', () => {
    expect(rules(violationsOf(mini((s) => service(s, [], true))))).toEqual(['mini/service ecs-public-ip']);
    const app = devApp();
    find(app, 'dev-web/service/service').addOverride('network_configuration.assign_public_ip', true);
    const [v] = violationsOf(app);
    expect(v).toEqual({
      rule: 'ecs-public-ip',
      stack: 'dev-web',
      address: expect.stringMatching(/^aws_ecs_service\.service_\w+$/),
      constructPath: 'dev-web/service/service',
      message: 'network_configuration.assign_public_ip = true gives every task a public IP',
    });
  });

  test('task-sg-open-ingress: only groups that ECS services use', () => {
    const app = mini((s) => {
      const tasks = new SecurityGroup(s, 'tasks', { name: 'tasks', ingress: [{ fromPort: 22, toPort: 22, protocol: 'tcp', cidrBlocks: ['0.0.0.0/0'] }] });
      new VpcSecurityGroupIngressRule(s, 'open-v6', { securityGroupId: tasks.id, ipProtocol: 'tcp', fromPort: 8080, toPort: 8080, cidrIpv6: '::/0' });
      const lb = new SecurityGroup(s, 'lb', { name: 'lb' });
      new VpcSecurityGroupIngressRule(s, 'lb-open', { securityGroupId: lb.id, ipProtocol: 'tcp', fromPort: 443, toPort: 443, cidrIpv4: '0.0.0.0/0' });
      service(s, [tasks.id]);
    });
    const violations = violationsOf(app);
    expect(rules(violations).sort()).toEqual(['mini/open-v6 task-sg-open-ingress', 'mini/tasks task-sg-open-ingress']);
    expect(violations.find((v) => v.constructPath === 'mini/tasks')?.message).toBe('an inline ingress rule of the task security group tasks admits 0.0.0.0/0 on 22');

    const escaped = devApp();
    find(escaped, 'dev-web/security-group/from-alb').addOverride('cidr_ipv4', '0.0.0.0/0');
    const [v] = violationsOf(escaped);
    expect(v).toMatchObject({ rule: 'task-sg-open-ingress', constructPath: 'dev-web/security-group/from-alb', message: 'the task security group acme-dev-web-tasks admits 0.0.0.0/0 on 8080' });
  });

  test('endpoint-private-dns', () => {
    const app = mini((s) => {
      new VpcEndpoint(s, 'logs', { vpcId: 'vpc-1', serviceName: 'com.amazonaws.ap-northeast-2.logs', vpcEndpointType: 'Interface' });
      new VpcEndpoint(s, 's3', { vpcId: 'vpc-1', serviceName: 'com.amazonaws.ap-northeast-2.s3', vpcEndpointType: 'Gateway' });
    });
    expect(violationsOf(app)).toEqual([expect.objectContaining({ rule: 'endpoint-private-dns', constructPath: 'mini/logs', message: 'interface endpoint com.amazonaws.ap-northeast-2.logs has private_dns_enabled = unset (the provider default is false)' })]);
    const escaped = defaultApp();
    find(escaped, 'prod-network/endpoints/ecr-dkr').addOverride('private_dns_enabled', false);
    expect(rules(violationsOf(escaped))).toEqual(['prod-network/endpoints/ecr-dkr endpoint-private-dns']);
  });

  test('https-tls-policy', () => {
    const listener = (s: Construct, id: string, sslPolicy?: string) =>
      new LbListener(s, id, { loadBalancerArn: 'arn:aws:elasticloadbalancing:ap-northeast-2:123456789012:loadbalancer/app/x/1', port: 443, protocol: 'HTTPS', sslPolicy, certificateArn: 'arn:aws:acm:ap-northeast-2:123456789012:certificate/1', defaultAction: [{ type: 'fixed-response', fixedResponse: { contentType: 'text/plain', statusCode: '404' } }] });
    const app = mini((s) => {
      listener(s, 'old', 'ELBSecurityPolicy-2016-08');
      listener(s, 'unset');
      listener(s, 'tls13', 'ELBSecurityPolicy-TLS13-1-2-2021-06');
      listener(s, 'tls13-ext', 'ELBSecurityPolicy-TLS13-1-2-Ext2-2021-06');
      // TLS 1.2 only, but not an ELB.17 recommended policy.
      listener(s, 'tls12', 'ELBSecurityPolicy-TLS-1-2-Ext-2018-06');
    });
    const violations = violationsOf(app);
    expect(rules(violations).sort()).toEqual(['mini/old https-tls-policy', 'mini/tls12 https-tls-policy', 'mini/unset https-tls-policy']);
    expect(violations.find((v) => v.constructPath === 'mini/old')?.message).toBe('HTTPS listener with ssl_policy = "ELBSecurityPolicy-2016-08", which is not a TLS 1.3 family policy (ELB.17: e.g. ELBSecurityPolicy-TLS13-1-2-2021-06)');
    expect(violations.find((v) => v.constructPath === 'mini/unset')?.message).toMatch(/^HTTPS listener without ssl_policy: AWS then applies its default policy/);

    const escaped = defaultApp((data) => {
      delete data.environments.prod.cloudfront;
      data.environments.prod.platform.certificateArn = 'arn:aws:acm:ap-northeast-2:123456789012:certificate/0a1b2c3d-1111-2222-3333-444455556666';
    });
    const https = escaped.node.findAll().find((c) => c.node.path.startsWith('prod-platform/') && (c as TerraformResource).terraformResourceType === 'aws_lb_listener' && c.node.id === 'https') as TerraformResource;
    https.addOverride('ssl_policy', 'ELBSecurityPolicy-TLS-1-1-2017-01');
    expect(violationsOf(escaped)).toEqual([expect.objectContaining({ rule: 'https-tls-policy', constructPath: https.node.path })]);
    expect(STRONG_TLS_POLICY.test('ELBSecurityPolicy-TLS13-1-3-2021-06')).toBe(true);
    expect(STRONG_TLS_POLICY.test('ELBSecurityPolicy-FS-1-1-2019-08')).toBe(false);
    expect(STRONG_TLS_POLICY.test('ELBSecurityPolicy-FS-1-2-Res-2020-10')).toBe(false);
  });

  test('bucket-public-access-block', () => {
    const app = mini((s) => {
      new S3Bucket(s, 'bare', { bucket: 'acme-bare' });
      const half = new S3Bucket(s, 'half', { bucket: 'acme-half' });
      new S3BucketPublicAccessBlock(s, 'half-pab', { bucket: half.id, blockPublicAcls: true, blockPublicPolicy: false, ignorePublicAcls: true, restrictPublicBuckets: true });
      const full = new S3Bucket(s, 'full', { bucket: 'acme-full' });
      new S3BucketPublicAccessBlock(s, 'full-pab', { bucket: full.id, blockPublicAcls: true, blockPublicPolicy: true, ignorePublicAcls: true, restrictPublicBuckets: true });
    });
    const violations = violationsOf(app);
    expect(rules(violations).sort()).toEqual(['mini/bare bucket-public-access-block', 'mini/half-pab bucket-public-access-block']);
    expect(violations.find((v) => v.constructPath === 'mini/bare')?.message).toBe('bucket acme-bare has no aws_s3_bucket_public_access_block');
    expect(violations.find((v) => v.constructPath === 'mini/half-pab')?.message).toBe('the public access block of bucket acme-half leaves block_public_policy = false');

    // An account-wide block covers every bucket of the account.
    const account = mini((s) => {
      new S3Bucket(s, 'bare', { bucket: 'acme-bare' });
      new S3AccountPublicAccessBlock(s, 'account', { blockPublicAcls: true, blockPublicPolicy: true, ignorePublicAcls: true, restrictPublicBuckets: true });
    });
    expect(violationsOf(account)).toEqual([]);

    const escaped = devApp();
    find(escaped, 'terraform-state/state/bucket/public-access-block').addOverride('restrict_public_buckets', false);
    expect(rules(violationsOf(escaped))).toEqual(['terraform-state/state/bucket/public-access-block bucket-public-access-block']);
  });

  test('iam-wildcard-action: Allow statements only, in policy documents and data sources', () => {
    const app = mini((s) => {
      new IamRolePolicy(s, 'wild', {
        role: 'r',
        policy: JSON.stringify({
          Version: '2012-10-17',
          Statement: [
            { Sid: 'All', Effect: 'Allow', Action: ['s3:GetObject', 's3:*'], Resource: '*' },
            { Sid: 'TlsOnly', Effect: 'Deny', Action: 's3:*', Resource: '*' },
            { Sid: 'Prefix', Effect: 'Allow', Action: 's3:Get*', Resource: '*' },
          ],
        }),
      });
      new DataAwsIamPolicyDocument(s, 'doc', { statement: [{ actions: ['*'], resources: ['*'] }] });
    });
    const violations = violationsOf(app);
    expect(violations.map((v) => [v.constructPath, v.message])).toEqual([
      ['mini/wild', 'policy statement "All" allows "s3:*"'],
      ['mini/doc', 'statement #1 allows "*"'],
    ]);
    const escaped = devApp();
    find(escaped, 'dev-web/roles/execution-policy').addOverride('policy', JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'ecr:*', Resource: '*' }] }));
    expect(violationsOf(escaped)).toEqual([expect.objectContaining({ rule: 'iam-wildcard-action', constructPath: 'dev-web/roles/execution-policy', message: 'policy statement #1 allows "ecr:*"' })]);
  });

  test('plain-secret-env: by name, by value, and by a secret interpolated into a plain variable', () => {
    const app = mini((s) => {
      const secret = new SecretsmanagerSecretVersion(s, 'secret', { secretId: 'x', secretString: 'y' });
      new EcsTaskDefinition(s, 'task', {
        family: 'x',
        containerDefinitions: JSON.stringify([
          {
            name: 'app',
            image: 'x',
            user: '1000',
            environment: [
              { name: 'DB_PASSWORD', value: 'hunter2' },
              { name: 'AWS_KEY', value: 'AKIAABCDEFGHIJKLMNOP' },
              { name: 'DB_URL', value: `postgres://app:${secret.secretString}@db/app` },
              { name: 'LOG_LEVEL', value: 'info' },
              { name: 'TOKEN_SECRET_ARN', value: 'arn:aws:secretsmanager:ap-northeast-2:123456789012:secret:x' },
            ],
          },
        ]),
      });
    });
    expect(violationsOf(app).map((v) => v.message)).toEqual([
      'container app has the plain environment variable DB_PASSWORD (its name says it holds a secret); move it to "secrets" with a Secrets Manager or SSM ARN',
      'container app has the plain environment variable AWS_KEY (its value is an AWS access key id); move it to "secrets" with a Secrets Manager or SSM ARN',
      'container app has the plain environment variable DB_URL (its value is aws_secretsmanager_secret_version.secret.secret_string); move it to "secrets" with a Secrets Manager or SSM ARN',
    ]);
    const escaped = devApp();
    const task = find(escaped, 'dev-web/task/task-definition');
    task.addOverride('container_definitions', JSON.stringify([{ name: 'web', image: 'x', user: '1000', environment: [{ name: 'API_TOKEN', value: 'abc123' }] }]));
    expect(violationsOf(escaped)).toEqual([expect.objectContaining({ rule: 'plain-secret-env', constructPath: 'dev-web/task/task-definition' })]);
  });
});

describe('container-root-user', () => {
  const init = { name: 'init-scratch', image: 'busybox', essential: false, user: '0', readonlyRootFilesystem: true, linuxParameters: { capabilities: { drop: ['ALL'] } } };
  const app = { name: 'app', image: 'x', user: '1000', readonlyRootFilesystem: true, dependsOn: [{ containerName: 'init-scratch', condition: 'SUCCESS' }] };
  const task = (containers: object[]) => mini((s) => new EcsTaskDefinition(s, 'task', { family: 'x', containerDefinitions: JSON.stringify(containers) }));
  const messages = (containers: object[]) => violationsOf(task(containers)).map((v) => `${v.rule}: ${v.message}`);

  test('allows exactly the root init shape: non-essential, no ports, read-only, all capabilities dropped, awaited by an essential container', () => {
    expect(messages([app, init])).toEqual([]);
    expect(messages([app, { ...init, linuxParameters: { capabilities: { drop: ['ALL'], add: ['CHOWN'] } } }])).toEqual([]);
  });

  test.each([
    ['essential', { ...init, essential: true }],
    ['with a port mapping', { ...init, portMappings: [{ containerPort: 80 }] }],
    ['with a writable root filesystem', { ...init, readonlyRootFilesystem: false }],
    ['keeping its capabilities', { ...init, linuxParameters: {} }],
    ['adding a capability other than CHOWN', { ...init, linuxParameters: { capabilities: { drop: ['ALL'], add: ['SYS_ADMIN'] } } }],
    ['privileged', { ...init, privileged: true }],
  ])('refuses a root init container %s', (_, bad) => {
    expect(messages([app, bad])).toEqual([expect.stringMatching(/^container-root-user: container init-scratch runs as root \(user "0"\)/)]);
  });

  test('refuses a root init container nobody waits for, and root or default-user application containers', () => {
    expect(messages([{ ...app, dependsOn: undefined }, init])).toEqual([expect.stringMatching(/container init-scratch runs as root/)]);
    expect(messages([{ ...app, user: 'root:root' }])).toEqual([expect.stringMatching(/container app runs as root \(user "root:root"\)/)]);
    expect(messages([{ ...app, user: undefined }])).toEqual([
      'container-root-user: container app sets no user, so it runs as the image\'s default user (root for most images); set a non-root uid such as "1000"',
    ]);
  });

  test('through an escape hatch on the default service', () => {
    const escaped = devApp();
    const web = find(escaped, 'dev-web/task/task-definition');
    web.addOverride('container_definitions', JSON.stringify([{ ...app, name: 'web', user: '0' }, init]));
    expect(violationsOf(escaped)).toEqual([expect.objectContaining({ rule: 'container-root-user', constructPath: 'dev-web/task/task-definition', message: expect.stringMatching(/container web runs as root/) })]);
  });
});

describe('reporting and suppression', () => {
  test('violations of several stacks are reported at once, in one error', () => {
    const app = mini((s) => service(s, [], true), ['one', 'two']);
    let error: unknown;
    try {
      app.synth();
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(GuardrailError);
    expect((error as Error).message).toMatch(/^2 guardrail violations: a secure default was broken:\n {2}- \[one\/service\] ecs-public-ip: .*\n {2}- \[two\/service\] ecs-public-ip: /);
    expect((error as Error).message).toContain("suppressGuardrail(resource, '<rule>', '<why>')");
  });

  test('an app whose synth checks the final JSON (GUARDRAILS_ON_OUTPUT) skips the Aspect pass; the JSON check reports the same violations and paths', () => {
    const build = (app: App) => {
      for (const name of ['one', 'two']) {
        const stack = new TerraformStack(app, name);
        new AwsProvider(stack, 'aws', { region: 'ap-northeast-2' });
        addGuardrails(stack);
        service(stack, [], true);
      }
    };
    const plain = new App({ outdir: outdir() });
    build(plain);
    let aspect: unknown;
    try {
      plain.synth();
    } catch (e) {
      aspect = e;
    }
    expect(aspect).toBeInstanceOf(GuardrailError);

    const checked = new App({ outdir: outdir(), context: { [GUARDRAILS_ON_OUTPUT]: true } });
    build(checked);
    expect(() => checked.synth()).not.toThrow();
    let output: unknown;
    try {
      checkSynthesized(checked.outdir);
    } catch (e) {
      output = e;
    }
    expect(output).toBeInstanceOf(GuardrailError);
    expect((output as GuardrailError).message).toBe((aspect as GuardrailError).message);
  });

  test('a suppression with a reason lets synth pass, is written into the JSON, and covers only its rule', () => {
    const dir = outdir();
    const app = new App({ outdir: dir });
    const stack = new TerraformStack(app, 'demo');
    new AwsProvider(stack, 'aws', { region: 'ap-northeast-2' });
    addGuardrails(stack);
    const svc = service(stack, [], true);
    suppressGuardrail(svc, 'ecs-public-ip', 'A throw-away demo in a sandbox account without NAT; deleted nightly');
    expect(violationsOf(app)).toEqual([]);
    const json = JSON.parse(readFileSync(path.join(dir, 'stacks', 'demo', 'cdk.tf.json'), 'utf8'));
    expect(json.resource.aws_ecs_service[svc.friendlyUniqueId]['//']).toEqual({
      guardrail_suppressions: { 'ecs-public-ip': 'A throw-away demo in a sandbox account without NAT; deleted nightly' },
      metadata: { path: 'demo/service', uniqueId: svc.friendlyUniqueId },
    });
    const { suppressed, violations } = checkGuardrails(readSynthesized(dir));
    expect(violations).toEqual([]);
    expect(suppressed).toEqual([{ rule: 'ecs-public-ip', stack: 'demo', address: `aws_ecs_service.${svc.friendlyUniqueId}`, constructPath: 'demo/service', reason: 'A throw-away demo in a sandbox account without NAT; deleted nightly' }]);

    // Another rule on the same resource still fails.
    const other = mini((s) => {
      const sg = new SecurityGroup(s, 'tasks', { ingress: [{ fromPort: 80, toPort: 80, protocol: 'tcp', cidrBlocks: ['0.0.0.0/0'] }] });
      const svc2 = service(s, [sg.id], true);
      suppressGuardrail(svc2, 'ecs-public-ip', 'A throw-away demo in a sandbox account');
    });
    expect(rules(violationsOf(other))).toEqual(['mini/tasks task-sg-open-ingress']);
  });

  test('the synth prints the suppressions in effect', () => {
    const dir = outdir();
    const app = new App({ outdir: dir });
    const stack = new TerraformStack(app, 'demo');
    new AwsProvider(stack, 'aws', { region: 'ap-northeast-2' });
    addGuardrails(stack);
    suppressGuardrail(service(stack, [], true), 'ecs-public-ip', 'A throw-away demo in a sandbox account without NAT; deleted nightly');
    app.synth();
    expect(checkSynthesized(dir).notices).toEqual(['guardrail ecs-public-ip suppressed on [demo/service]: A throw-away demo in a sandbox account without NAT; deleted nightly']);
  });

  test('a suppression needs a known rule and a real reason', () => {
    mini((s) => {
      const svc = service(s, []);
      expect(() => suppressGuardrail(svc, 'no-such-rule' as GuardrailRule, 'some long reason')).toThrow(/unknown rule "no-such-rule"; rules: ecs-public-ip, task-sg-open-ingress/);
      expect(() => suppressGuardrail(svc, 'ecs-public-ip', ' ok ')).toThrow(/give the reason for the exception \(at least 10 characters\)/);
    });
  });

  test('a stack-level override is invisible to the per-element Aspect; the synth checks the final JSON for it', () => {
    const app = devApp();
    const svc = find(app, 'dev-web/service/service');
    (app.node.findChild('dev-web') as TerraformStack).addOverride(`resource.aws_ecs_service.${svc.friendlyUniqueId}.network_configuration.assign_public_ip`, true);
    expect(violationsOf(app)).toEqual([]);
    expect(() => checkSynthesized(app.outdir)).toThrow(GuardrailError);
    expect(() => checkSynthesized(app.outdir)).toThrow(/\[dev-web\/service\/service\] ecs-public-ip/);
  });
});

/**
 * Adversarial review of the guardrails: for every security control, break it in the
 * project's own synthesized tree (escape hatches: `addOverride` on a resource or a provider,
 * or a new resource of the type with insecure settings) and check that the synth refuses it
 * with the control's rule on the right construct. The project's own output (the default
 * configuration and every example) and legitimate variants (ECS Exec, NAT egress, an
 * internet-facing HTTPS ALB) must not raise a false alarm.
 */
import { mkdtempSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { App, Aspects, S3Backend, TerraformElement, TerraformResource, TerraformStack } from 'cdktf';
import { IConstruct } from 'constructs';
import { EcsService } from '@cdktf/provider-aws/lib/ecs-service';
import { CloudwatchLogGroup } from '@cdktf/provider-aws/lib/cloudwatch-log-group';
import { DataAwsIamPolicyDocument } from '@cdktf/provider-aws/lib/data-aws-iam-policy-document';
import { DynamodbTable } from '@cdktf/provider-aws/lib/dynamodb-table';
import { EcrRepository } from '@cdktf/provider-aws/lib/ecr-repository';
import { IamPolicy } from '@cdktf/provider-aws/lib/iam-policy';
import { IamRole } from '@cdktf/provider-aws/lib/iam-role';
import { IamRolePolicy } from '@cdktf/provider-aws/lib/iam-role-policy';
import { IamRolePolicyAttachment } from '@cdktf/provider-aws/lib/iam-role-policy-attachment';
import { LbListenerRule } from '@cdktf/provider-aws/lib/lb-listener-rule';
import { S3Bucket } from '@cdktf/provider-aws/lib/s3-bucket';
import { S3BucketAcl } from '@cdktf/provider-aws/lib/s3-bucket-acl';
import { SecurityGroup } from '@cdktf/provider-aws/lib/security-group';
import { SecurityGroupRule } from '@cdktf/provider-aws/lib/security-group-rule';
import { VpcSecurityGroupEgressRule } from '@cdktf/provider-aws/lib/vpc-security-group-egress-rule';
import { VpcSecurityGroupIngressRule } from '@cdktf/provider-aws/lib/vpc-security-group-ingress-rule';
import { buildApp } from '../main';
import { loadConfigFile } from '../config/load';
import { checkGuardrails, GuardrailError, Violation } from '../modules/guardrails';
import { isWildcardAction } from '../lib/preflight/iam';
import { isWildcardResource } from '../modules/guardrails/iam';
import { readSynthesized } from '../lib/preflight/read-synth';
import { configFrom, defaultConfigData } from './helpers/synth';

type Data = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const outdir = () => mkdtempSync(path.join(os.tmpdir(), 'guardrails-adv-'));

/**
 * What `npm run synth` refuses: the Aspect's violations at app validation, else those the
 * synth's check of the final JSON finds (stack-level and provider/backend overrides).
 */
function refused(app: App): Violation[] {
  try {
    app.synth();
  } catch (error) {
    if (error instanceof GuardrailError) return [...error.violations];
    throw error;
  }
  return checkGuardrails(readSynthesized(app.outdir)).violations;
}

const pairs = (violations: readonly Violation[]) => [...new Set(violations.map((v) => `${v.constructPath ?? `${v.stack} ${v.address}`} ${v.rule}`))].sort();

function appOf(change: (data: Data) => void): App {
  const data = defaultConfigData();
  change(data);
  const app = new App({ outdir: outdir() });
  buildApp(app, configFrom(data));
  return app;
}

/** The default configuration's dev environment (and the bootstrap stack). */
const devApp = (change: (data: Data) => void = () => undefined) =>
  appOf((data) => {
    data.environments = { dev: data.environments.dev };
    change(data);
  });

/** Prod alone, internet-facing over HTTPS (no CloudFront): an ALB with an HTTP listener that must redirect. */
const httpsProdApp = () =>
  appOf((data) => {
    data.environments = { prod: data.environments.prod };
    delete data.environments.prod.cloudfront;
    data.environments.prod.platform.certificateArn = 'arn:aws:acm:ap-northeast-2:123456789012:certificate/0a1b2c3d-1111-2222-3333-444455556666';
  });

/** Prod alone, behind CloudFront (the default). */
const cloudfrontProdApp = () => appOf((data) => void (data.environments = { prod: data.environments.prod }));

function find<T = TerraformResource>(app: App, constructPath: string): T {
  const found = app.node.findAll().find((c) => c.node.path === constructPath);
  if (!found) throw new Error(`no construct ${constructPath}`);
  return found as T;
}

const stackOf = (app: App, name: string) => app.node.findChild(name) as TerraformStack;
const byType = (app: App, stack: string, type: string) =>
  app.node.findAll().filter((c) => c.node.path.startsWith(`${stack}/`) && (c as TerraformResource).terraformResourceType === type) as TerraformResource[];

const policy = (...statements: object[]) => JSON.stringify({ Version: '2012-10-17', Statement: statements });

describe('no false alarm', () => {
  test.each(['config/environments.yaml', ...['cloudfront', 'internal-service', 'multi-account', 'production'].map((e) => `config/examples/${e}.yaml`)])('%s synthesizes with every guardrail', (file) => {
    const app = new App({ outdir: outdir() });
    buildApp(app, loadConfigFile(file));
    expect(pairs(refused(app))).toEqual([]);
  });

  test('legitimate variants: ECS Exec (writable root), NAT egress (443 to the internet), an internet-facing HTTPS ALB, a public ALB subnet with public IPs', () => {
    const app = devApp((data) => {
      data.environments.dev.services.web.exec = true;
      data.environments.dev.network.egress = 'nat';
    });
    find(app, 'dev-network/vpc/public-a').addOverride('map_public_ip_on_launch', true);
    expect(pairs(refused(app))).toEqual([]);
    expect(pairs(refused(httpsProdApp()))).toEqual([]);
  });
});

describe('network: security groups, default groups, subnets, flow logs', () => {
  test('open ingress (IPv4, IPv6, every protocol), SSH/RDP from anywhere (port ranges, group sources), open task egress, an open default group, public IPs on task subnets, a VPC without flow logs', () => {
    const app = devApp();
    const albSg = find<SecurityGroup>(app, 'dev-platform/alb/sg');
    const taskSg = find<SecurityGroup>(app, 'dev-web/security-group/sg');
    // The internet-facing ALB may admit 80/443 only.
    new VpcSecurityGroupIngressRule(stackOf(app, 'dev-platform'), 'all-v6', { securityGroupId: albSg.id, ipProtocol: '-1', cidrIpv6: '::/0' });
    // The endpoints' group opened to the internet.
    find(app, 'dev-network/endpoints/https-from-vpc').addOverride('cidr_ipv4', '0.0.0.0/0');
    // SSH into tasks through a port range, from the ALB's group (no CIDR at all).
    new SecurityGroupRule(stackOf(app, 'dev-web'), 'ssh-range', { type: 'ingress', securityGroupId: taskSg.id, protocol: 'tcp', fromPort: 20, toPort: 25, sourceSecurityGroupId: albSg.id });
    // RDP through an inline rule of a new group.
    new SecurityGroup(stackOf(app, 'dev-web'), 'rdp', { name: 'rdp', ingress: [{ protocol: 'tcp', fromPort: 3389, toPort: 3389, cidrBlocks: ['10.0.0.0/8'] }] });
    // Tasks: every protocol to the endpoints, port 80 to the internet.
    find(app, 'dev-web/security-group/https-to-endpoints').addOverride('ip_protocol', '-1');
    new VpcSecurityGroupEgressRule(stackOf(app, 'dev-web'), 'http-out', { securityGroupId: taskSg.id, ipProtocol: 'tcp', fromPort: 80, toPort: 80, cidrIpv4: '0.0.0.0/0' });
    // Half the internet is the internet.
    new VpcSecurityGroupEgressRule(stackOf(app, 'dev-web'), 'half-out', { securityGroupId: taskSg.id, ipProtocol: 'tcp', fromPort: 5432, toPort: 5432, cidrIpv4: '128.0.0.0/1' });
    find(app, 'dev-network/vpc/default-sg').addOverride('ingress', [{ protocol: '-1', self: true, from_port: 0, to_port: 0 }]);
    find(app, 'dev-network/vpc/private-a').addOverride('map_public_ip_on_launch', true);
    find(app, 'dev-network/flow-logs/flow-log').addOverride('vpc_id', 'vpc-0123456789abcdef0');

    const violations = refused(app);
    expect(pairs(violations)).toEqual([
      'dev-network/endpoints/https-from-vpc sg-open-ingress',
      'dev-network/vpc/default-sg default-sg-closed',
      'dev-network/vpc/default-sg sg-admin-ports',
      'dev-network/vpc/private-a subnet-public-ip',
      'dev-network/vpc/vpc vpc-flow-logs',
      'dev-platform/all-v6 sg-admin-ports',
      'dev-platform/all-v6 sg-open-ingress',
      'dev-web/half-out task-sg-open-egress',
      'dev-web/http-out task-sg-open-egress',
      'dev-web/rdp sg-admin-ports',
      'dev-web/security-group/https-to-endpoints task-sg-open-egress',
      'dev-web/ssh-range sg-admin-ports',
    ]);
    expect(violations.find((v) => v.constructPath === 'dev-platform/all-v6' && v.rule === 'sg-open-ingress')?.message).toBe(
      'security group acme-dev-alb admits ::/0 on every protocol and port (an internet-facing load balancer may admit the internet on tcp 80 and 443 only)',
    );
    expect(violations.find((v) => v.constructPath === 'dev-web/ssh-range')?.message).toMatch(/admits SSH \(port 22\) through tcp 20-25/);
  });

  test('flow logs turned off or ACCEPT-only by configuration key pass, as a suppression naming the key', () => {
    for (const [flowLogs, reason] of [
      [{ enabled: false }, 'environments.dev.network.flowLogs.enabled is false in the configuration'],
      [{ trafficType: 'ACCEPT' }, 'environments.dev.network.flowLogs.trafficType is ACCEPT in the configuration (rejected traffic is not logged)'],
    ] as const) {
      const app = devApp((data) => Object.assign(data.environments.dev.network.flowLogs, flowLogs));
      expect(pairs(refused(app))).toEqual([]);
      expect(checkGuardrails(readSynthesized(app.outdir)).suppressed).toEqual([expect.objectContaining({ rule: 'vpc-flow-logs', constructPath: 'dev-network/vpc/vpc', reason })]);
    }
  });

  test('flow logs of accepted traffic only do not count', () => {
    const app = devApp();
    find(app, 'dev-network/flow-logs/flow-log').addOverride('traffic_type', 'ACCEPT');
    expect(pairs(refused(app))).toEqual(['dev-network/vpc/vpc vpc-flow-logs']);
  });

  test('"all" and IPv6 spellings of open ingress on a task group are task-sg-open-ingress', () => {
    const app = devApp();
    find(app, 'dev-web/security-group/from-alb').addOverride('cidr_ipv6', '::/0');
    find(app, 'dev-web/security-group/from-alb').addOverride('ip_protocol', 'all');
    expect(pairs(refused(app))).toEqual(['dev-web/security-group/from-alb sg-admin-ports', 'dev-web/security-group/from-alb task-sg-open-ingress']);
  });
});

describe('ECS: containers, services, clusters', () => {
  test('privileged, writable root, no logs, secrets in plain variables, an old platform, Container Insights off', () => {
    const app = devApp();
    find(app, 'dev-web/task/task-definition').addOverride(
      'container_definitions',
      JSON.stringify([
        {
          name: 'web',
          image: 'x',
          user: '1000',
          privileged: true,
          readonlyRootFilesystem: false,
          environment: [
            { name: 'STRIPE_APIKEY', value: 'sk_live_abc' },
            { name: 'db_password', value: 'arn:not-a-secret-store' },
            { name: 'UPSTREAM', value: 'ASIAABCDEFGHIJKLMNOP' },
            { name: 'GIT_REMOTE', value: `https://x:ghp_${'a'.repeat(36)}@github.com/acme/app` },
            { name: 'DB_PASSWORD_ARN', value: 'arn:aws:secretsmanager:ap-northeast-2:123456789012:secret:db' },
          ],
        },
      ]),
    );
    find(app, 'dev-web/service/service').addOverride('platform_version', '1.3.0');
    find(app, 'dev-platform/cluster/cluster').addOverride('setting', [{ name: 'containerInsights', value: 'disabled' }]);
    const violations = refused(app);
    expect(pairs(violations)).toEqual([
      'dev-platform/cluster/cluster ecs-container-insights',
      'dev-web/service/service ecs-platform-version',
      'dev-web/task/task-definition container-logging',
      'dev-web/task/task-definition container-privileged',
      'dev-web/task/task-definition container-readonly-root',
      'dev-web/task/task-definition plain-secret-env',
    ]);
    expect(violations.filter((v) => v.rule === 'plain-secret-env').map((v) => v.message.split(' (')[0])).toEqual([
      'container web has the plain environment variable STRIPE_APIKEY',
      'container web has the plain environment variable db_password',
      'container web has the plain environment variable UPSTREAM',
      'container web has the plain environment variable GIT_REMOTE',
    ]);
  });

  test('a writable root is the ECS Exec exception only: refused once the service is not open to Exec', () => {
    const app = devApp((data) => void (data.environments.dev.services.web.exec = true));
    find(app, 'dev-web/service/service').addOverride('enable_execute_command', false);
    expect(pairs(refused(app))).toEqual(['dev-web/task/task-definition container-readonly-root']);
  });
});

describe('load balancers', () => {
  test('HTTP forwarding instead of redirecting (default action and listener rule), invalid headers kept, desync monitor, a weak TLS policy', () => {
    const app = httpsProdApp();
    const listeners = byType(app, 'prod-platform', 'aws_lb_listener');
    const http = listeners.find((l) => l.node.id === 'http-redirect')!;
    const https = listeners.find((l) => l.node.id === 'https')!;
    // An override of a list appends: the redirect stays first, the forward follows it.
    http.addOverride('default_action', [{ type: 'forward', target_group_arn: 'arn:aws:elasticloadbalancing:ap-northeast-2:123456789012:targetgroup/x/1' }]);
    new LbListenerRule(stackOf(app, 'prod-platform'), 'sneaky', {
      listenerArn: (http as unknown as { arn: string }).arn,
      priority: 1,
      condition: [{ pathPattern: { values: ['/*'] } }],
      action: [{ type: 'forward', targetGroupArn: 'arn:aws:elasticloadbalancing:ap-northeast-2:123456789012:targetgroup/x/1' }],
    });
    https.addOverride('ssl_policy', 'ELBSecurityPolicy-2016-08');
    const lb = byType(app, 'prod-platform', 'aws_lb')[0];
    lb.addOverride('drop_invalid_header_fields', false);
    lb.addOverride('desync_mitigation_mode', 'monitor');
    expect(pairs(refused(app))).toEqual([
      `${http.node.path} http-redirect`,
      `${https.node.path} https-tls-policy`,
      `${lb.node.path} alb-desync-mitigation`,
      `${lb.node.path} alb-drop-invalid-headers`,
      'prod-platform/sneaky http-redirect',
    ].sort());
  });
});

describe('storage: S3, ECR, DynamoDB', () => {
  test('a new bare bucket, a public policy without the TLS deny, a public ACL, ACLs on, versioning suspended; an ECR repository and a DynamoDB table without their controls', () => {
    const app = devApp();
    const state = stackOf(app, 'terraform-state');
    new S3Bucket(state, 'bare', { bucket: 'acme-bare' });
    find(app, 'terraform-state/state/bucket/policy').addOverride('policy', policy({ Effect: 'Allow', Principal: { AWS: '*' }, Action: 's3:GetObject', Resource: 'arn:aws:s3:::acme-terraform-state-apne2/*' }));
    new S3BucketAcl(state, 'public-acl', { bucket: 'acme-terraform-state-apne2-logs', acl: 'public-read' });
    find(app, 'terraform-state/state/bucket/ownership').addOverride('rule.object_ownership', 'ObjectWriter');
    find(app, 'terraform-state/state-access-logs/bucket/versioning').addOverride('versioning_configuration.status', 'Suspended');
    new EcrRepository(state, 'repo', { name: 'mutable' });
    new DynamodbTable(state, 'locks', { name: 'locks', hashKey: 'LockID', attribute: [{ name: 'LockID', type: 'S' }], billingMode: 'PAY_PER_REQUEST' });
    expect(pairs(refused(app))).toEqual([
      'terraform-state/bare bucket-acls-disabled',
      'terraform-state/bare bucket-public-access-block',
      'terraform-state/bare bucket-tls-only',
      'terraform-state/bare bucket-versioning',
      'terraform-state/locks dynamodb-pitr',
      'terraform-state/public-acl bucket-public-acl',
      'terraform-state/repo ecr-immutable-tags',
      'terraform-state/repo ecr-lifecycle-policy',
      'terraform-state/repo ecr-scan-on-push',
      'terraform-state/state-access-logs/bucket/bucket bucket-versioning',
      'terraform-state/state/bucket/bucket bucket-acls-disabled',
      'terraform-state/state/bucket/policy bucket-public-policy',
      'terraform-state/state/bucket/policy bucket-tls-only',
    ]);
  });
});

describe('IAM', () => {
  test('wildcard actions ("*:*", NotAction), wildcard resources (NotResource, "*" on named actions), inline and managed policies, admin attachments, an open trust policy', () => {
    const app = devApp();
    const web = stackOf(app, 'dev-web');
    find(app, 'dev-web/roles/execution-policy').addOverride('policy', policy({ Effect: 'Allow', Action: '*:*', Resource: 'arn:aws:s3:::x' }));
    new IamRolePolicy(web, 'not-action', { role: 'r', policy: policy({ Effect: 'Allow', NotAction: 'iam:*', Resource: 'arn:aws:s3:::x' }) });
    new IamRolePolicy(web, 'not-resource', { role: 'r', policy: policy({ Effect: 'Allow', Action: 's3:GetObject', NotResource: 'arn:aws:s3:::x' }) });
    new IamPolicy(web, 'pass-any-role', { name: 'p', policy: policy({ Effect: 'Allow', Action: ['iam:PassRole', 'ecr:GetAuthorizationToken'], Resource: '*' }) });
    new IamRole(web, 'inline', {
      name: 'inline',
      assumeRolePolicy: policy({ Effect: 'Allow', Principal: { AWS: '*' }, Action: 'sts:AssumeRole' }),
      inlinePolicy: [{ name: 'x', policy: policy({ Effect: 'Allow', Action: 'ecr:Get*', Resource: '*' }) }],
      managedPolicyArns: ['arn:aws:iam::aws:policy/PowerUserAccess'],
    });
    new IamRolePolicyAttachment(web, 'admin', { role: 'r', policyArn: 'arn:aws:iam::aws:policy/AdministratorAccess' });
    new IamRolePolicy(web, 'every-role', { role: 'r', policy: policy({ Effect: 'Allow', Action: 'iam:PassRole', Resource: 'arn:aws:iam::123456789012:role/*' }) });
    new IamRolePolicy(web, 'every-bucket', { role: 'r', policy: policy({ Effect: 'Allow', Action: 's3:GetObject', Resource: ['arn:aws:s3:::acme-x/*', 'arn:aws:s3:::*'] }) });
    new DataAwsIamPolicyDocument(web, 'doc', { statement: [{ actions: ['logs:PutLogEvents'], resources: ['*'] }] });
    // Allowed: actions without resource-level permissions, and Deny with wildcards.
    new IamRolePolicy(web, 'fine', {
      role: 'r',
      policy: policy({ Effect: 'Allow', Action: ['ecr:GetAuthorizationToken', 'ssmmessages:CreateControlChannel'], Resource: '*' }, { Effect: 'Deny', Action: '*', Resource: '*' }),
    });
    expect(pairs(refused(app))).toEqual([
      'dev-web/admin iam-admin-policy',
      'dev-web/doc iam-wildcard-resource',
      'dev-web/every-bucket iam-wildcard-resource',
      'dev-web/every-role iam-wildcard-resource',
      'dev-web/inline iam-admin-policy',
      'dev-web/inline iam-open-trust',
      'dev-web/inline iam-wildcard-resource',
      'dev-web/not-action iam-wildcard-action',
      'dev-web/not-resource iam-wildcard-resource',
      'dev-web/pass-any-role iam-wildcard-resource',
      'dev-web/roles/execution-policy iam-wildcard-action',
    ]);
    expect(['*', '*:*', 's3:*', 's3:**', 'S3:*', 's*:GetObject'].every(isWildcardAction)).toBe(true);
    expect(['s3:Get*', 'ecr:BatchGetImage'].some(isWildcardAction)).toBe(false);
    expect(['*', 'arn:*', 'arn:aws:*:*:*:*', 'arn:aws:s3:::*', 'arn:aws:iam::123456789012:role/*'].every(isWildcardResource)).toBe(true);
    expect(['arn:aws:s3:::acme-x/*', 'arn:aws:logs:ap-northeast-2:123456789012:log-group:/ecs/web:*', 'arn:aws:ecr:ap-northeast-2:123456789012:repository/acme-dev-public/*'].some(isWildcardResource)).toBe(false);
  });
});

describe('credentials, KMS, logs, CloudFront, WAF', () => {
  test('keys in a provider and in the backend, a key without rotation, log groups kept forever', () => {
    const app = devApp();
    find<TerraformElement>(app, 'dev-web/aws').addOverride('access_key', 'AKIAABCDEFGHIJKLMNOP');
    find<TerraformElement>(app, 'dev-web/aws').addOverride('secret_key', 'abc');
    const backend = stackOf(app, 'dev-network').node.findAll().find((c) => c instanceof S3Backend) as S3Backend;
    backend.addOverride('profile', 'admin');
    find<TerraformElement>(app, 'dev-platform/aws').addOverride('assume_role', [{ role_arn: 'arn:aws:iam::123456789012:role/x', session_name: 'x', external_id: 'x', access_key: 'AKIAABCDEFGHIJKLMNOP' }]);
    find(app, 'terraform-state/state/key').addOverride('enable_key_rotation', false);
    find(app, 'dev-web/log-group').addOverride('retention_in_days', 0);
    new CloudwatchLogGroup(stackOf(app, 'dev-web'), 'forever', { name: 'forever' });
    expect(pairs(refused(app))).toEqual([
      'dev-network terraform.backend.s3 no-static-credentials',
      'dev-platform provider.aws no-static-credentials',
      'dev-web provider.aws no-static-credentials',
      'dev-web/forever log-retention',
      'dev-web/log-group log-retention',
      'terraform-state/state/key kms-key-rotation',
    ]);
  });

  test('CloudFront over plain HTTP, an old TLS minimum on an own certificate, the web ACL detached', () => {
    const app = cloudfrontProdApp();
    const distribution = byType(app, 'prod-platform', 'aws_cloudfront_distribution')[0];
    distribution.addOverride('default_cache_behavior.viewer_protocol_policy', 'allow-all');
    distribution.addOverride('viewer_certificate', { acm_certificate_arn: 'arn:aws:acm:us-east-1:123456789012:certificate/1', minimum_protocol_version: 'TLSv1', ssl_support_method: 'sni-only' });
    distribution.addOverride('web_acl_id', '');
    const violations = refused(app);
    expect(pairs(violations)).toEqual([`${distribution.node.path} cloudfront-viewer-https`, `${distribution.node.path} waf-attached`]);
    expect(violations.filter((v) => v.rule === 'cloudfront-viewer-https')).toHaveLength(2);
  });
});

describe('escape hatches the Aspect must see at app.synth()', () => {
  test('an Aspect added after the stacks that mutates a resource, and a provider override', () => {
    const app = devApp();
    Aspects.of(stackOf(app, 'dev-web')).add({
      visit(node: IConstruct) {
        if (node instanceof EcsService) node.addOverride('network_configuration.assign_public_ip', true);
      },
    });
    find<TerraformElement>(app, 'dev-web/aws').addOverride('token', 'x');
    let error: unknown;
    try {
      app.synth();
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(GuardrailError);
    expect(pairs((error as GuardrailError).violations)).toEqual(['dev-web provider.aws no-static-credentials', 'dev-web/service/service ecs-public-ip']);
  });
});

describe('WAF where configured', () => {
  test('a regional web ACL moved off the internet-facing ALB', () => {
    const app = httpsProdApp();
    const [association] = byType(app, 'prod-platform', 'aws_wafv2_web_acl_association');
    association.addOverride('resource_arn', 'arn:aws:elasticloadbalancing:ap-northeast-2:123456789012:loadbalancer/app/other/1');
    const lb = byType(app, 'prod-platform', 'aws_lb')[0];
    expect(pairs(refused(app))).toEqual([`${lb.node.path} waf-attached`]);
  });
});

describe('documents the rules cannot read', () => {
  test('a policy or container definitions written as a Terraform expression are refused; a policy document reference is read where it is declared', () => {
    const app = devApp();
    find(app, 'dev-web/roles/execution-policy').addOverride('policy', '${jsonencode({Statement = [{Effect = "Allow", Action = "*", Resource = "*"}]})}');
    find(app, 'dev-web/task/task-definition').addOverride('container_definitions', '${jsonencode([{name = "web", image = "x", privileged = true}])}');
    const doc = new DataAwsIamPolicyDocument(stackOf(app, 'dev-web'), 'doc', { statement: [{ actions: ['s3:GetObject'], resources: ['arn:aws:s3:::acme-x/*'] }] });
    new IamRolePolicy(stackOf(app, 'dev-web'), 'from-doc', { role: 'r', policy: doc.json });
    expect(pairs(refused(app))).toEqual(['dev-web/roles/execution-policy unreadable-document', 'dev-web/task/task-definition unreadable-document']);
  });
});


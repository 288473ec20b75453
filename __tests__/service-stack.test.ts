import { readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { configFrom, defaultConfigData, Json, only, ref, refsByTag, resolveRemote, resources, Synthesized, synthConfig, synthDefault } from './helpers/synth';

const SECRET_ARN = 'arn:aws:secretsmanager:ap-northeast-2:123456789012:secret:db-password-AbCdEf';
const PARAM_ARN = 'arn:aws:ssm:ap-northeast-2:123456789012:parameter/acme/dev/api-key';

/** The default configuration with dev's services replaced; without prod unless asked (half the synth). */
function withServices(services: Json, network: Json = {}, environments: 'dev' | 'all' = 'dev'): Synthesized {
  const data = defaultConfigData();
  data.environments.dev.services = services;
  Object.assign(data.environments.dev.network, network);
  if (environments === 'dev') data.environments = { dev: data.environments.dev };
  return synthConfig(configFrom(data));
}

const api = {
  imageTag: 'v1.2.3',
  port: 3000,
  cpu: 512,
  memory: 1024,
  command: ['node', 'server.js'],
  environment: { NODE_ENV: 'production', LOG_LEVEL: 'info' },
  secrets: { DB_PASSWORD: SECRET_ARN, API_KEY: PARAM_ARN },
  healthCheck: { path: '/healthz', matcher: '200', command: ['CMD-SHELL', 'wget -qO- localhost:3000/healthz || exit 1'], gracePeriodSeconds: 90 },
  routing: { pathPatterns: ['/api/*'], hostHeaders: ['api.example.com'] },
  desiredCount: 3,
  deregistrationDelay: 15,
  logRetentionDays: 90,
  keepImages: 10,
  exec: true,
  capacity: { spot: 50 },
};

describe('service stack with its own ECR repository, secrets and ECS Exec', () => {
  const synth = withServices({ api });
  const stack = synth.stack('dev-api');
  const network = synth.stack('dev-network');
  const platform = synth.stack('dev-platform');
  const [repoName, repo] = resources(stack, 'aws_ecr_repository')[0];
  const [logGroupName, logGroup] = resources(stack, 'aws_cloudwatch_log_group')[0];
  const roles: Record<string, { name: string; role: Json }> = Object.fromEntries(resources(stack, 'aws_iam_role').map(([n, r]) => [r.name, { name: n, role: r }]));
  const taskDefinition = only(stack, 'aws_ecs_task_definition');
  const container = JSON.parse(taskDefinition.container_definitions)[0];

  test('an ECR repository with immutable tags, scan on push, KMS encryption and a lifecycle policy', () => {
    expect(repo).toMatchObject({
      name: 'acme-dev/api',
      image_tag_mutability: 'IMMUTABLE',
      image_scanning_configuration: { scan_on_push: true },
      encryption_configuration: [{ encryption_type: 'KMS' }],
      force_delete: false,
    });
    const lifecycle = only(stack, 'aws_ecr_lifecycle_policy');
    expect(lifecycle.repository).toBe(ref('aws_ecr_repository', repoName, 'name'));
    expect(JSON.parse(lifecycle.policy).rules[0]).toMatchObject({ selection: { tagStatus: 'any', countType: 'imageCountMoreThan', countNumber: 10 }, action: { type: 'expire' } });
    expect(container.image).toBe(`${ref('aws_ecr_repository', repoName, 'repository_url')}:v1.2.3`);
    expect(stack.output.repository_url.value).toBe(ref('aws_ecr_repository', repoName, 'repository_url'));
  });

  test('a log group with the configured retention, used by the awslogs driver', () => {
    expect(logGroup).toMatchObject({ name: '/ecs/acme-dev/api', retention_in_days: 90 });
    expect(container.logConfiguration).toEqual({
      logDriver: 'awslogs',
      options: { 'awslogs-group': ref('aws_cloudwatch_log_group', logGroupName, 'name'), 'awslogs-region': 'ap-northeast-2', 'awslogs-stream-prefix': 'api' },
    });
  });

  test('execution and task roles trust ecs-tasks.amazonaws.com for this account only', () => {
    expect(Object.keys(roles).sort()).toEqual(['acme-dev-api-execution', 'acme-dev-api-task']);
    const [accountLocal] = Object.keys(stack.locals);
    for (const { role } of Object.values(roles)) {
      expect(JSON.parse(role.assume_role_policy).Statement).toEqual([
        {
          Effect: 'Allow',
          Principal: { Service: 'ecs-tasks.amazonaws.com' },
          Action: 'sts:AssumeRole',
          Condition: { StringEquals: { 'aws:SourceAccount': `\${local.${accountLocal}}` } },
        },
      ]);
    }
  });

  test('the execution role may pull from its repository, write its log group and read exactly its secrets', () => {
    const policies = resources(stack, 'aws_iam_role_policy').map(([, p]) => p);
    const execution = policies.find((p) => p.role === ref('aws_iam_role', roles['acme-dev-api-execution'].name))!;
    expect(JSON.parse(execution.policy).Statement).toEqual([
      { Sid: 'EcrAuthToken', Effect: 'Allow', Action: 'ecr:GetAuthorizationToken', Resource: '*' },
      {
        Sid: 'EcrPull',
        Effect: 'Allow',
        Action: ['ecr:BatchCheckLayerAvailability', 'ecr:GetDownloadUrlForLayer', 'ecr:BatchGetImage'],
        // its own repository, and the pull-through cache for the init container's busybox
        Resource: [ref('aws_ecr_repository', repoName, 'arn'), expect.stringMatching(/^arn:aws:ecr:ap-northeast-2:.+:repository\/acme-dev-public\/\*$/)],
      },
      { Sid: 'EcrPullThroughCache', Effect: 'Allow', Action: ['ecr:BatchImportUpstreamImage', 'ecr:CreateRepository'], Resource: expect.stringMatching(/:repository\/acme-dev-public\/\*$/) },
      { Sid: 'WriteLogs', Effect: 'Allow', Action: ['logs:CreateLogStream', 'logs:PutLogEvents'], Resource: `${ref('aws_cloudwatch_log_group', logGroupName, 'arn')}:*` },
      // db-password-AbCdEf may be the whole name (a partial ARN) or the name and its suffix.
      { Sid: 'ReadSecrets', Effect: 'Allow', Action: 'secretsmanager:GetSecretValue', Resource: [SECRET_ARN, `${SECRET_ARN}-??????`] },
      { Sid: 'ReadParameters', Effect: 'Allow', Action: 'ssm:GetParameters', Resource: [PARAM_ARN] },
    ]);
  });

  test('the task role gets only the ECS Exec channel actions, and no policy grants a wildcard action', () => {
    const policies = resources(stack, 'aws_iam_role_policy').map(([, p]) => p);
    const task = policies.filter((p) => p.role === ref('aws_iam_role', roles['acme-dev-api-task'].name));
    expect(task).toHaveLength(1);
    expect(JSON.parse(task[0].policy).Statement[0].Action).toEqual([
      'ssmmessages:CreateControlChannel',
      'ssmmessages:CreateDataChannel',
      'ssmmessages:OpenControlChannel',
      'ssmmessages:OpenDataChannel',
    ]);
    for (const policy of policies) {
      for (const statement of JSON.parse(policy.policy).Statement) {
        for (const action of [statement.Action].flat()) expect(action).not.toMatch(/\*/);
      }
    }
  });

  test('a Fargate task definition (awsvpc, CPU/memory, architecture) with both roles and a writable scratch volume', () => {
    expect(taskDefinition).toMatchObject({
      family: 'acme-dev-api',
      network_mode: 'awsvpc',
      requires_compatibilities: ['FARGATE'],
      cpu: '512',
      memory: '1024',
      runtime_platform: { operating_system_family: 'LINUX', cpu_architecture: 'X86_64' },
      execution_role_arn: ref('aws_iam_role', roles['acme-dev-api-execution'].name, 'arn'),
      task_role_arn: ref('aws_iam_role', roles['acme-dev-api-task'].name, 'arn'),
      volume: [{ name: 'scratch' }],
    });
  });

  test('the container: port, command, environment, secrets by reference, health check, non-root user, root writable for ECS Exec', () => {
    expect(container).toMatchObject({
      name: 'api',
      essential: true,
      command: ['node', 'server.js'],
      user: '1000',
      // exec: true; AWS supports the ECS Exec agent only on a writable root filesystem
      readonlyRootFilesystem: false,
      portMappings: [{ containerPort: 3000, protocol: 'tcp' }],
      environment: [
        { name: 'LOG_LEVEL', value: 'info' },
        { name: 'NODE_ENV', value: 'production' },
      ],
      secrets: [
        { name: 'API_KEY', valueFrom: PARAM_ARN },
        { name: 'DB_PASSWORD', valueFrom: SECRET_ARN },
      ],
      mountPoints: [{ sourceVolume: 'scratch', containerPath: '/tmp', readOnly: false }],
      dependsOn: [{ containerName: 'init-scratch', condition: 'SUCCESS' }],
      healthCheck: { command: ['CMD-SHELL', 'wget -qO- localhost:3000/healthz || exit 1'], interval: 30, timeout: 5, retries: 3, startPeriod: 30 },
      linuxParameters: { initProcessEnabled: true },
    });
    expect(taskDefinition.container_definitions).not.toContain('Fn.jsonencode');
    expect(taskDefinition.container_definitions).not.toMatch(/jsonencode/);
  });

  test('an ip target group and a listener rule on the shared listener', () => {
    const [tgName, tg] = resources(stack, 'aws_lb_target_group')[0];
    expect(tg).toMatchObject({
      name: 'acme-dev-api',
      target_type: 'ip',
      protocol: 'HTTP',
      port: 3000,
      deregistration_delay: '15',
      health_check: { path: '/healthz', matcher: '200', port: 'traffic-port' },
    });
    expect(resolveRemote(synth, tg.vpc_id)).toBe(`dev-network: ${ref('aws_vpc', resources(network, 'aws_vpc')[0][0])}`);
    const rule = only(stack, 'aws_lb_listener_rule');
    expect(resolveRemote(synth, rule.listener_arn)).toBe(`dev-platform: ${platform.output.listener_arn.value}`);
    expect(rule.action).toEqual([{ type: 'forward', target_group_arn: ref('aws_lb_target_group', tgName, 'arn') }]);
    expect(rule.condition).toEqual([{ path_pattern: { values: ['/api/*'] } }, { host_header: { values: ['api.example.com'] } }]);
    expect(rule.priority).toBeGreaterThanOrEqual(1000);
    expect(rule.priority).toBeLessThan(41000);
  });

  test('the task security group admits only the ALB on the container port; egress only 443 to the endpoints and S3', () => {
    const [sgName] = resources(stack, 'aws_security_group')[0];
    const sg = ref('aws_security_group', sgName);
    const ingress = resources(stack, 'aws_vpc_security_group_ingress_rule').map(([, r]) => r);
    expect(ingress).toHaveLength(1);
    expect(ingress[0]).toMatchObject({ security_group_id: sg, ip_protocol: 'tcp', from_port: 3000, to_port: 3000 });
    expect(resolveRemote(synth, ingress[0].referenced_security_group_id)).toBe(`dev-platform: ${platform.output.alb_security_group_id.value}`);
    expect(ingress[0].cidr_ipv4).toBeUndefined();

    const egress = resources(stack, 'aws_vpc_security_group_egress_rule').map(([, r]) => r);
    const taskEgress = egress.filter((r) => r.security_group_id === sg);
    expect(taskEgress).toHaveLength(2);
    for (const rule of taskEgress) expect(rule).toMatchObject({ ip_protocol: 'tcp', from_port: 443, to_port: 443 });
    const endpointSg = taskEgress.find((r) => r.referenced_security_group_id)!;
    expect(resolveRemote(synth, endpointSg.referenced_security_group_id)).toBe(`dev-network: ${network.output.endpoint_security_group_id.value}`);
    const s3 = taskEgress.find((r) => r.prefix_list_id)!;
    expect(resolveRemote(synth, s3.prefix_list_id)).toBe(`dev-network: ${network.output.s3_prefix_list_id.value}`);
    expect(taskEgress.some((r) => r.cidr_ipv4)).toBe(false);

    const albEgress = egress.filter((r) => r.security_group_id !== sg);
    expect(albEgress).toHaveLength(1);
    expect(resolveRemote(synth, albEgress[0].security_group_id)).toBe(`dev-platform: ${platform.output.alb_security_group_id.value}`);
    expect(albEgress[0]).toMatchObject({ from_port: 3000, to_port: 3000, referenced_security_group_id: sg });
  });

  test('the ECS service: private subnets, no public IP, latest platform, circuit breaker with rollback, exec, tags', () => {
    const [, service] = resources(stack, 'aws_ecs_service')[0];
    const [ruleName] = resources(stack, 'aws_lb_listener_rule')[0];
    expect(service).toMatchObject({
      name: 'api',
      desired_count: 3,
      platform_version: 'LATEST',
      network_configuration: { assign_public_ip: false },
      deployment_circuit_breaker: { enable: true, rollback: true },
      deployment_minimum_healthy_percent: 100,
      deployment_maximum_percent: 200,
      health_check_grace_period_seconds: 90,
      enable_execute_command: true,
      propagate_tags: 'SERVICE',
      enable_ecs_managed_tags: true,
      load_balancer: [{ container_name: 'api', container_port: 3000 }],
      capacity_provider_strategy: [
        { capacity_provider: 'FARGATE', weight: 50, base: 1 },
        { capacity_provider: 'FARGATE_SPOT', weight: 50, base: 0 },
      ],
      depends_on: [`aws_lb_listener_rule.${ruleName}`],
    });
    expect(resolveRemote(synth, service.network_configuration.subnets)).toEqual(refsByTag(network, 'aws_subnet', 'dev-network', /-private-[ab]$/));
    expect(resolveRemote(synth, service.cluster)).toBe(`dev-platform: ${platform.output.cluster_arn.value}`);
    expect(service.lifecycle).toBeUndefined();
  });

  test('secrets and ECS Exec pull their endpoints into the network', () => {
    const services = resources(network, 'aws_vpc_endpoint').map(([, e]) => e.service_name.replace('com.amazonaws.ap-northeast-2.', ''));
    expect(services.sort()).toEqual(['ecr.api', 'ecr.dkr', 'logs', 's3', 'secretsmanager', 'ssm', 'ssmmessages']);
    for (const [, e] of resources(network, 'aws_vpc_endpoint').filter(([, e]) => e.vpc_endpoint_type === 'Interface')) expect(e.private_dns_enabled).toBe(true);
  });

  test('no autoscaling resources when autoscaling is not configured', () => {
    expect(resources(stack, 'aws_appautoscaling_target')).toHaveLength(0);
  });
});

describe('service stack of the default configuration (public image, autoscaling)', () => {
  const synth = synthDefault();
  const prod = synth.stack('prod-web');
  const platform = synth.stack('prod-platform');

  test('the public.ecr.aws image is pulled through the environment\'s ECR pull-through cache', () => {
    const container = JSON.parse(only(prod, 'aws_ecs_task_definition').container_definitions)[0];
    const registry = `prod-platform: ${ref('aws_ecr_pull_through_cache_rule', resources(platform, 'aws_ecr_pull_through_cache_rule')[0][0], 'registry_id')}`;
    const [registryRef, rest] = container.image.split('.dkr.ecr.');
    expect(resolveRemote(synth, registryRef)).toBe(registry);
    expect(rest).toBe('ap-northeast-2.amazonaws.com/acme-prod-public/nginx/nginx-unprivileged:1.27-alpine');
    expect(container.user).toBe('101');
    const execution = resources(prod, 'aws_iam_role_policy').map(([, p]) => JSON.parse(p.policy));
    const cache = execution.flatMap((p) => p.Statement).find((s: Json) => s.Sid === 'EcrPullThroughCache');
    expect(cache.Action).toEqual(['ecr:BatchImportUpstreamImage', 'ecr:CreateRepository']);
    expect(cache.Resource).toMatch(/^arn:aws:ecr:ap-northeast-2:.+:repository\/acme-prod-public\/\*$/);
    expect(resources(prod, 'aws_ecr_repository')).toHaveLength(0);
  });

  test('ARM64 task with autoscaling: target tracking on CPU and requests, desired_count ignored afterwards', () => {
    expect(only(prod, 'aws_ecs_task_definition').runtime_platform.cpu_architecture).toBe('ARM64');
    const [, service] = resources(prod, 'aws_ecs_service')[0];
    expect(service.lifecycle).toEqual({ ignore_changes: ['desired_count'] });
    const [targetName, target] = resources(prod, 'aws_appautoscaling_target')[0];
    expect(target).toMatchObject({ min_capacity: 2, max_capacity: 6, scalable_dimension: 'ecs:service:DesiredCount', service_namespace: 'ecs' });
    const policies = resources(prod, 'aws_appautoscaling_policy').map(([, p]) => p);
    expect(policies.map((p) => p.target_tracking_scaling_policy_configuration.predefined_metric_specification.predefined_metric_type).sort()).toEqual([
      'ALBRequestCountPerTarget',
      'ECSServiceAverageCPUUtilization',
    ]);
    for (const p of policies) expect(p.resource_id).toBe(ref('aws_appautoscaling_target', targetName, 'resource_id'));
    const requests = policies.find((p) => p.name.endsWith('-requests'))!;
    expect(requests.target_tracking_scaling_policy_configuration.target_value).toBe(1000);
    const [tgName] = resources(prod, 'aws_lb_target_group')[0];
    expect(requests.target_tracking_scaling_policy_configuration.predefined_metric_specification.resource_label).toMatch(
      new RegExp(`^\\$\\{data\\.terraform_remote_state\\.cross-stack-reference-input-prod-platform\\.outputs\\.[^}]+\\}/\\$\\{aws_lb_target_group\\.${tgName}\\.arn_suffix\\}$`),
    );
  });

  test('a catch-all route gets a priority after specific routes', () => {
    expect(only(prod, 'aws_lb_listener_rule').priority).toBeGreaterThanOrEqual(45000);
    expect(only(prod, 'aws_lb_listener_rule').condition).toEqual([{ path_pattern: { values: ['/*'] } }]);
  });

  test('outputs the service and cluster names', () => {
    expect(Object.keys(prod.output)).toEqual(expect.arrayContaining(['service_name', 'cluster_name', 'image', 'task_definition_arn', 'log_group_name']));
  });
});

describe('NAT egress', () => {
  test('a non-ECR image is allowed with NAT, and tasks then get HTTPS to the internet', () => {
    const synth = withServices({ hub: { image: 'docker.io/library/httpd:2.4', port: 8080 } }, { egress: 'nat' });
    const stack = synth.stack('dev-hub');
    const egress = resources(stack, 'aws_vpc_security_group_egress_rule').map(([, r]) => r);
    expect(egress.filter((r) => r.cidr_ipv4 === '0.0.0.0/0')).toEqual([expect.objectContaining({ from_port: 443, to_port: 443 })]);
    expect(JSON.parse(only(stack, 'aws_ecs_task_definition').container_definitions)[0].image).toBe('docker.io/library/httpd:2.4');
    const statements = resources(stack, 'aws_iam_role_policy').flatMap(([, p]) => JSON.parse(p.policy).Statement);
    // only the init container's busybox comes through ECR (the pull-through cache, which works with NAT too)
    expect(statements.map((s: Json) => s.Sid)).toEqual(['EcrAuthToken', 'EcrPull', 'EcrPullThroughCache', 'WriteLogs']);
  });


  test('with NAT, a disabled endpoint is not created even when a feature would add it', () => {
    const synth = withServices({ api: { ...api, secrets: {} } }, { egress: 'nat', disabledEndpoints: ['ssmmessages'] });
    const services = resources(synth.stack('dev-network'), 'aws_vpc_endpoint').map(([, e]) => e.service_name.replace('com.amazonaws.ap-northeast-2.', ''));
    expect(services.sort()).toEqual(['ecr.api', 'ecr.dkr', 'logs', 's3']);
  });
});

describe('stack isolation', () => {
  test('a change to one service changes only that service\'s stack', () => {
    const two = { api: { ...api, secrets: {}, exec: false }, web: { imageTag: 'v1', port: 8080 } };
    const before = withServices(two, {}, 'all');
    const after = withServices({ ...two, api: { ...two.api, desiredCount: 5, environment: { NODE_ENV: 'staging' } } }, {}, 'all');
    const read = (s: Synthesized) =>
      Object.fromEntries(readdirSync(path.join(s.outdir, 'stacks')).map((name) => [name, readFileSync(path.join(s.outdir, 'stacks', name, 'cdk.tf.json'), 'utf8')]));
    const a = read(before);
    const b = read(after);
    expect(Object.keys(a).sort()).toEqual(Object.keys(b).sort());
    const changed = Object.keys(a).filter((name) => a[name] !== b[name]);
    expect(changed).toEqual(['dev-api']);
  });
});

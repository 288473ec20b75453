/**
 * The preflight on real synthesized JSON and on hand-broken copies of it, one per path: each
 * test breaks one thing the way a code change or an escape hatch would, and asserts the
 * verdict, the error AWS would report after deploying, and the fix.
 */
import { configFrom, defaultConfigData, Json, Synthesized, synthConfig, synthDefault } from './helpers/synth';
import { checksOf, named, one, preflightOf, remove, Stacks, stacksOf, tally, verdicts } from './helpers/preflight';

const REGION = 'ap-northeast-2';
const LAYER_BUCKET = `arn:aws:s3:::prod-${REGION}-starport-layer-bucket/*`;
const SECRET_ARN = `arn:aws:secretsmanager:${REGION}:123456789012:secret:db-password-AbCdEf`;
const PARAM_ARN = `arn:aws:ssm:${REGION}:123456789012:parameter/acme/dev/api-key`;

const defaults = synthDefault();
/** Fresh deep copies of the default synth's stacks, for one test to break. */
const fresh = (): Stacks => stacksOf(defaults);
/** Only the dev stacks: faster, and the broken variants are all in dev. */
const dev = (name: string) => name.startsWith('dev-');

/** The default configuration's dev environment alone, changed by `change`. */
function withDev(change: (data: Json) => void): Synthesized {
  const data = defaultConfigData();
  change(data.environments.dev);
  data.environments = { dev: data.environments.dev };
  return synthConfig(configFrom(data));
}

describe('the default configuration', () => {
  const report = preflightOf(fresh());

  test('every path of every service passes, in every subnet', () => {
    expect(tally(report)).toEqual({ pass: expect.any(Number), warn: 0, fail: 0, unknown: 0 });
    expect(report.services.map((s) => s.service.stack.name).sort()).toEqual(['dev-web', 'prod-web']);
    // dev has two private subnets, prod three: one check per path and subnet.
    expect(verdicts(report, 'dev-web')).toEqual({
      'vpc-dns': ['pass'],
      'ecr-api': ['pass', 'pass'],
      'ecr-dkr': ['pass', 'pass'],
      's3-layers': ['pass', 'pass'],
      logs: ['pass', 'pass'],
      'pull-through': ['pass'],
      'iam-ecr': ['pass'],
      'iam-logs': ['pass'],
      'scratch-volume': ['pass'],
      'load-balancer': ['pass'],
    });
    expect(verdicts(report, 'prod-web')['ecr-api']).toEqual(['pass', 'pass', 'pass']);
  });

  test('cross-stack references are followed through the producer outputs to the resources', () => {
    const [ecrApi] = checksOf(report, 'dev-web', 'ecr-api');
    const via = ecrApi.via.map((v) => `${v.resource.stack} ${v.resource.type}`);
    expect(via).toEqual(['dev-network aws_vpc_endpoint', 'dev-network aws_vpc_security_group_ingress_rule', 'dev-web aws_vpc_security_group_egress_rule']);
    expect(ecrApi.subnet?.az).toBe(`${REGION}a`);
    expect(ecrApi.subnet?.cidr).toBe('10.10.0.0/18');
    const [lb] = checksOf(report, 'dev-web', 'load-balancer');
    expect(lb.via.map((v) => `${v.resource.stack} ${v.resource.type}`)).toEqual(
      expect.arrayContaining(['dev-web aws_lb_target_group', 'dev-web aws_lb_listener_rule', 'dev-platform aws_lb', 'dev-web aws_vpc_security_group_ingress_rule']),
    );
  });

  test('the public image is recognized as ECR through this environment\'s pull-through cache', () => {
    const notes = report.services.find((s) => s.service.stack.name === 'dev-web')!.notes;
    expect(notes[0]).toMatch(/acme-dev-public\/nginx\/nginx-unprivileged:1\.27-alpine \(ECR in this region, through the pull-through cache aws_ecr_pull_through_cache_rule\.ecr-public-cache\)/);
  });
});

describe('hand-broken variants of the synthesized JSON, one per path', () => {
  test('S3 gateway endpoint not associated with the task route tables: layer pulls time out', () => {
    const stacks = fresh();
    one(stacks['dev-network'], 'aws_vpc_endpoint', /_s3_/).route_table_ids = [];
    const report = preflightOf(stacks, dev);
    const s3 = checksOf(report, 'dev-web', 's3-layers');
    expect(s3.map((c) => c.verdict)).toEqual(['fail', 'fail']);
    expect(s3[0].reason).toMatch(/S3 gateway endpoint aws_vpc_endpoint\.endpoints_s3_\w+ is not associated with acme-dev-private-a, and there is no way to the internet/);
    expect(s3[0].awsError).toBe(
      `CannotPullContainerError: ref pull has been retried 5 time(s): failed to copy: httpReadSeeker: failed open: failed to do request: Get "https://prod-${REGION}-starport-layer-bucket.s3.${REGION}.amazonaws.com/...": dial tcp <ip>:443: i/o timeout`,
    );
    expect(s3[0].fix).toEqual([expect.stringMatching(/^dev-network aws_vpc_endpoint\.endpoints_s3_\w+ \(dev-network\/endpoints\/s3\): add aws_route_table\.vpc_private-a-rt_\w+ to route_table_ids$/)]);
    // Only that path breaks.
    expect(tally(report).fail).toBe(2);
  });

  test('S3 gateway endpoint policy without the ECR layer bucket: 403 on layer pulls', () => {
    const stacks = fresh();
    one(stacks['dev-network'], 'aws_vpc_endpoint', /_s3_/).policy = JSON.stringify({
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Principal: '*', Action: 's3:GetObject', Resource: 'arn:aws:s3:::acme-assets/*' }],
    });
    const [s3] = checksOf(preflightOf(stacks, dev), 'dev-web', 's3-layers');
    expect(s3.verdict).toBe('fail');
    expect(s3.reason).toContain(`does not allow s3:GetObject on ${LAYER_BUCKET}`);
    expect(s3.awsError).toMatch(/^CannotPullContainerError: .*starport-layer-bucket.*: 403 Forbidden$/);
    expect(s3.fix?.[0]).toContain(`policy: allow s3:GetObject on ${LAYER_BUCKET}`);
  });

  test('private DNS off on the ECR API endpoint: registry auth times out', () => {
    const stacks = fresh();
    one(stacks['dev-network'], 'aws_vpc_endpoint', /ecr-api/).private_dns_enabled = false;
    const report = preflightOf(stacks, dev);
    const checks = checksOf(report, 'dev-web', 'ecr-api');
    expect(checks.map((c) => c.verdict)).toEqual(['fail', 'fail']);
    expect(checks[0].reason).toMatch(
      new RegExp(`has private_dns_enabled = false, so api\\.ecr\\.${REGION}\\.amazonaws\\.com resolves to public addresses, and there is no way to the internet: route table acme-dev-private-a has no 0\\.0\\.0\\.0/0 route`),
    );
    expect(checks[0].awsError).toBe(
      'ResourceInitializationError: unable to pull secrets or registry auth: execution resource retrieval failed: unable to retrieve ecr registry auth: service call has been retried 3 time(s): ' +
        `RequestError: send request failed caused by: Post "https://api.ecr.${REGION}.amazonaws.com/": dial tcp <ip>:443: i/o timeout. Please check your task network configuration.`,
    );
    expect(checks[0].fix).toEqual([expect.stringMatching(/aws_vpc_endpoint\.endpoints_ecr-api_\w+ \(dev-network\/endpoints\/ecr-api\): set private_dns_enabled = true$/)]);
    expect(verdicts(report, 'dev-web')['ecr-dkr']).toEqual(['pass', 'pass']);
  });

  test('no CloudWatch Logs endpoint: the awslogs driver cannot start', () => {
    const stacks = fresh();
    remove(stacks['dev-network'], 'aws_vpc_endpoint', /_logs_/);
    const logs = checksOf(preflightOf(stacks, dev), 'dev-web', 'logs');
    expect(logs.map((c) => c.verdict)).toEqual(['fail', 'fail']);
    expect(logs[0].reason).toMatch(new RegExp(`^there is no com\\.amazonaws\\.${REGION}\\.logs interface endpoint in aws_vpc\\.vpc_\\w+ \\(acme-dev\\)`));
    expect(logs[0].awsError).toMatch(/^ResourceInitializationError: failed to validate logger args: .*There is a connection issue between the task and Amazon CloudWatch/);
    expect(logs[0].awsError).toContain(`Post "https://logs.${REGION}.amazonaws.com/": dial tcp <ip>:443: i/o timeout`);
    expect(logs[0].fix?.[0]).toContain(`add an aws_vpc_endpoint for com.amazonaws.${REGION}.logs`);
    expect(logs[0].fix?.[0]).toContain('private_dns_enabled = true');
  });

  test('the endpoint security group does not admit 443: every interface path fails', () => {
    const stacks = fresh();
    Object.assign(one(stacks['dev-network'], 'aws_vpc_security_group_ingress_rule', /https-from-vpc/), { from_port: 80, to_port: 80 });
    const report = preflightOf(stacks, dev);
    expect(verdicts(report, 'dev-web')).toMatchObject({ 'ecr-api': ['fail', 'fail'], 'ecr-dkr': ['fail', 'fail'], logs: ['fail', 'fail'], 's3-layers': ['pass', 'pass'] });
    const [dkr] = checksOf(report, 'dev-web', 'ecr-dkr');
    expect(dkr.reason).toBe("the endpoint's security group acme-dev-vpc-endpoints admits no TCP 443 from acme-dev-private-a (10.10.0.0/18) or from the task security group");
    expect(dkr.awsError).toMatch(/^CannotPullContainerError: pull image manifest has been retried 5 time\(s\): failed to resolve ref <account>\.dkr\.ecr\.ap-northeast-2\.amazonaws\.com\/acme-dev-public\/nginx\/nginx-unprivileged:1\.27-alpine: .*i\/o timeout$/);
    expect(dkr.fix?.[0]).toMatch(/aws_security_group\.endpoints_sg_\w+ \(dev-network\/endpoints\/sg\): add an ingress rule TCP 443 from the task security group acme-dev-web-tasks/);
  });

  test('endpoints in only one zone: tasks in the other zone start, but depend on it (warning, not failure)', () => {
    const stacks = fresh();
    for (const [, endpoint] of named(stacks['dev-network'], 'aws_vpc_endpoint', /./)) {
      if (endpoint.subnet_ids) endpoint.subnet_ids = endpoint.subnet_ids.slice(0, 1);
    }
    const report = preflightOf(stacks, dev);
    expect(verdicts(report, 'dev-web')).toMatchObject({ 'ecr-api': ['pass', 'warn'], 'ecr-dkr': ['pass', 'warn'], logs: ['pass', 'warn'] });
    const warn = checksOf(report, 'dev-web', 'logs')[1];
    expect(warn.subnet?.label).toBe('acme-dev-private-b');
    expect(warn.reason).toMatch(
      /aws_vpc_endpoint\.endpoints_logs_\w+ has no network interface in ap-northeast-2b \(only in ap-northeast-2a\): tasks in acme-dev-private-b start, but reach it across zones \(cross-AZ data charges\) and fail when ap-northeast-2a is down/,
    );
    expect(warn.fix?.[0]).toContain('add a subnet of ap-northeast-2b (e.g. acme-dev-private-b) to subnet_ids');
    expect(tally(report).fail).toBe(0);
  });

  test('the task security group egress narrowed away from the endpoints: every interface path fails', () => {
    const stacks = fresh();
    const rule = one(stacks['dev-web'], 'aws_vpc_security_group_egress_rule', /https-to-endpoints/);
    delete rule.referenced_security_group_id;
    rule.cidr_ipv4 = '10.99.0.0/16';
    const report = preflightOf(stacks, dev);
    expect(verdicts(report, 'dev-web')).toMatchObject({ 'ecr-api': ['fail', 'fail'], logs: ['fail', 'fail'], 's3-layers': ['pass', 'pass'] });
    const [api] = checksOf(report, 'dev-web', 'ecr-api');
    expect(api.reason).toBe('the task security group acme-dev-web-tasks allows no TCP 443 to the endpoint security group acme-dev-vpc-endpoints');
    expect(api.fix?.[0]).toMatch(/dev-web aws_security_group\.security-group_sg_\w+ \(dev-web\/security-group\/sg\): add an egress rule TCP 443/);
  });

  test('the task security group loses its S3 prefix list rule: layer pulls time out', () => {
    const stacks = fresh();
    remove(stacks['dev-web'], 'aws_vpc_security_group_egress_rule', /https-to-s3/);
    const [s3] = checksOf(preflightOf(stacks, dev), 'dev-web', 's3-layers');
    expect(s3.verdict).toBe('fail');
    expect(s3.reason).toMatch(/allows no TCP 443 to the S3 prefix list \(aws_vpc_endpoint\.endpoints_s3_\w+\.prefix_list_id\) or 0\.0\.0\.0\/0/);
    expect(s3.awsError).toMatch(/^CannotPullContainerError: ref pull has been retried/);
  });

  test('the target group port differs from the container port: traffic still uses the container port (warning)', () => {
    const stacks = fresh();
    one(stacks['dev-web'], 'aws_lb_target_group').port = 9090;
    const [lb] = checksOf(preflightOf(stacks, dev), 'dev-web', 'load-balancer');
    expect(lb.verdict).toBe('warn');
    expect(lb.reason).toBe(
      'target group acme-dev-web has port 9090, but ECS registers each task on container port 8080: traffic and "traffic-port" health checks use 8080, and the target group\'s port only misleads readers',
    );
    expect(lb.fix?.[0]).toMatch(/aws_lb_target_group\.route_target-group_\w+ \(dev-web\/route\/target-group\): set port = 8080/);
  });

  test('health checks on a port the container does not listen on: targets never become healthy', () => {
    const stacks = fresh();
    one(stacks['dev-web'], 'aws_lb_target_group').health_check.port = '9090';
    const [lb] = checksOf(preflightOf(stacks, dev), 'dev-web', 'load-balancer');
    expect(lb.verdict).toBe('fail');
    expect(lb.reason).toContain('sends health checks to port 9090, where container web listens on nothing (it maps 8080)');
    expect(lb.awsError).toMatch(/^service web \(port 9090\) is unhealthy in target-group acme-dev-web due to \(reason Request timed out\)/);
  });

  test('the service names a container port the task does not map: the deploy fails', () => {
    const stacks = fresh();
    one(stacks['dev-web'], 'aws_ecs_service').load_balancer[0].container_port = 9090;
    const [lb] = checksOf(preflightOf(stacks, dev), 'dev-web', 'load-balancer');
    expect(lb.verdict).toBe('fail');
    expect(lb.awsError).toBe('InvalidParameterException: The container web did not have a container port 9090 defined. (terraform apply of the service fails)');
    expect(lb.reason).toContain('container web maps ports 8080, not 9090');
    // The security groups admit 8080 only, which the check also reports.
    expect(lb.reason).toContain('admits no TCP 9090 from the load balancer');
  });

  test('an instance target group, and a target group no listener forwards to', () => {
    const stacks = fresh();
    one(stacks['dev-web'], 'aws_lb_target_group').target_type = 'instance';
    remove(stacks['dev-web'], 'aws_lb_listener_rule', /./);
    const [lb] = checksOf(preflightOf(stacks, dev), 'dev-web', 'load-balancer');
    expect(lb.verdict).toBe('fail');
    expect(lb.reason).toMatch(/has target_type "instance"; Fargate tasks \(awsvpc\) register by IP; no listener or listener rule in the loaded stacks forwards to target group acme-dev-web/);
    expect(lb.awsError).toMatch(/^InvalidParameterException: The provided target group acme-dev-web has target type instance/);
  });

  test('the task security group does not admit the load balancer', () => {
    const stacks = fresh();
    remove(stacks['dev-web'], 'aws_vpc_security_group_ingress_rule', /from-alb/);
    const [lb] = checksOf(preflightOf(stacks, dev), 'dev-web', 'load-balancer');
    expect(lb.verdict).toBe('fail');
    expect(lb.reason).toBe("the task security group acme-dev-web-tasks admits no TCP 8080 from the load balancer's security group acme-dev-alb");
    expect(lb.awsError).toMatch(/Task failed ELB health checks/);
  });

  test('DNS hostnames off in the VPC: endpoints with private DNS cannot be created', () => {
    const stacks = fresh();
    one(stacks['dev-network'], 'aws_vpc').enable_dns_hostnames = false;
    const [dns] = checksOf(preflightOf(stacks, dev), 'dev-web', 'vpc-dns');
    expect(dns.verdict).toBe('fail');
    expect(dns.awsError).toMatch(/^InvalidParameter: Enabling private DNS requires both enableDnsSupport and enableDnsHostnames VPC attributes set to true/);
    expect(dns.fix?.[0]).toMatch(/aws_vpc\.vpc_\w+ \(dev-network\/vpc\/vpc\): set enable_dns_hostnames = true/);
  });

  test('an image from another registry without NAT: the pull times out', () => {
    const stacks = fresh();
    const task = one(stacks['dev-web'], 'aws_ecs_task_definition');
    const containers = JSON.parse(task.container_definitions);
    containers[0].image = 'docker.io/library/nginx:1.27';
    task.container_definitions = JSON.stringify(containers);
    const report = preflightOf(stacks, dev);
    const image = checksOf(report, 'dev-web', 'image-registry');
    expect(image.map((c) => c.verdict)).toEqual(['fail', 'fail']);
    expect(image[0].awsError).toBe(
      'CannotPullContainerError: pull image manifest has been retried 5 time(s): failed to resolve ref docker.io/library/nginx:1.27: failed to do request: Head "https://registry-1.docker.io/v2/library/nginx/manifests/1.27": dial tcp <ip>:443: i/o timeout',
    );
    expect(image[0].reason).toMatch(/^the image of container web \(registry docker\.io, not reachable through this VPC's endpoints\) needs the internet, but there is no way to the internet/);
    // The init-scratch container's busybox still comes through ECR: the ECR paths stay needed, and pass.
    expect(containers[1].name).toBe('init-scratch');
    expect(verdicts(report, 'dev-web')['ecr-api']).toEqual(['pass', 'pass']);
  });

  test('tasks routed to the internet gateway: fail without a public IP, pass with one', () => {
    const stacks = fresh();
    const network = stacks['dev-network'];
    const [igwName] = named(network, 'aws_internet_gateway', /./)[0];
    for (const [, table] of named(network, 'aws_route_table', /private/)) {
      table.route = [{ cidr_block: '0.0.0.0/0', gateway_id: `\${aws_internet_gateway.${igwName}.id}` }];
    }
    remove(network, 'aws_vpc_endpoint', /_logs_/);
    const failing = checksOf(preflightOf(stacks, dev), 'dev-web', 'logs');
    expect(failing[0].verdict).toBe('fail');
    expect(failing[0].reason).toContain('sends 0.0.0.0/0 to an internet gateway, but the tasks get no public IP (assign_public_ip = false)');

    one(stacks['dev-web'], 'aws_ecs_service').network_configuration.assign_public_ip = true;
    // ... and HTTPS out to the internet.
    stacks['dev-web'].resource.aws_vpc_security_group_egress_rule.internet = { security_group_id: one(stacks['dev-web'], 'aws_vpc_security_group_egress_rule', /https-to-s3/).security_group_id, ip_protocol: 'tcp', from_port: 443, to_port: 443, cidr_ipv4: '0.0.0.0/0' };
    const passing = checksOf(preflightOf(stacks, dev), 'dev-web', 'logs');
    expect(passing.map((c) => c.verdict)).toEqual(['pass', 'pass']);
    expect(passing[0].reason).toContain('over the internet: the task has a public IP and a route to the internet gateway');
  });

  test('Service Connect without its endpoints: the agent cannot reach ECS; with ecs-agent, ecs-telemetry and ecs it passes', () => {
    const stacks = fresh();
    one(stacks['dev-web'], 'aws_ecs_service').service_connect_configuration = { enabled: true, namespace: 'arn:aws:servicediscovery:ap-northeast-2:123456789012:namespace/ns-1' };
    const failing = preflightOf(stacks, dev);
    expect(verdicts(failing, 'dev-web')).toMatchObject({ 'service-connect-ecs-agent': ['fail', 'fail'], 'service-connect-ecs-telemetry': ['fail', 'fail'], 'service-connect-ecs': ['fail', 'fail'] });
    const [agent] = checksOf(failing, 'dev-web', 'service-connect-ecs-agent');
    expect(agent.awsError).toMatch(/^The Service Connect agent in each task cannot reach ecs-agent\.ap-northeast-2\.amazonaws\.com/);
    expect(agent.reason).toMatch(/^there is no com\.amazonaws\.ap-northeast-2\.ecs-agent interface endpoint/);

    const endpoints = stacks['dev-network'].resource.aws_vpc_endpoint;
    const [, logs] = named(stacks['dev-network'], 'aws_vpc_endpoint', /_logs_/)[0];
    for (const service of ['ecs-agent', 'ecs-telemetry', 'ecs']) endpoints[`sc-${service}`] = { ...logs, service_name: `com.amazonaws.${REGION}.${service}` };
    expect(tally(preflightOf(stacks, dev)).fail).toBe(0);
  });

  test('stacks that were not given make a path unknown, never a failure', () => {
    const report = preflightOf(fresh(), (name) => name === 'dev-web');
    expect(tally(report)).toEqual({ pass: 0, warn: 0, fail: 0, unknown: 2 });
    expect(checksOf(report, 'dev-web', 'network')[0].reason).toMatch(/output cross-stack-output-aws_subnetvpc_private-a_\w+id of dev-network, a stack that was not loaded/);
  });
});

describe('secrets and ECS Exec', () => {
  const synth = withDev((dev) => {
    dev.services = {
      api: { imageTag: 'v1', port: 3000, exec: true, secrets: { DB_PASSWORD: SECRET_ARN, API_KEY: PARAM_ARN } },
    };
  });
  const base = stacksOf(synth);
  const copy = (): Stacks => structuredClone(base);

  test('a service with secrets and exec passes with the endpoints the configuration adds', () => {
    const report = preflightOf(copy(), dev);
    expect(verdicts(report, 'dev-api')).toMatchObject({ secretsmanager: ['pass', 'pass'], ssm: ['pass', 'pass'], ssmmessages: ['pass', 'pass'], 'ecr-api': ['pass', 'pass'] });
    expect(tally(report).fail).toBe(0);
  });

  test('the Secrets Manager endpoint removed while a secret is referenced: the secret cannot be fetched', () => {
    const stacks = copy();
    remove(stacks['dev-network'], 'aws_vpc_endpoint', /secretsmanager/);
    const report = preflightOf(stacks, dev);
    const checks = checksOf(report, 'dev-api', 'secretsmanager');
    expect(checks.map((c) => c.verdict)).toEqual(['fail', 'fail']);
    expect(checks[0].awsError).toBe(
      'ResourceInitializationError: unable to pull secrets or registry auth: execution resource retrieval failed: unable to retrieve secret from asm: ' +
        'There is a connection issue between the task and AWS Secrets Manager. Check your task network configuration. ' +
        `failed to fetch secret ${SECRET_ARN} from secrets manager: RequestCanceled: request context canceled caused by: context deadline exceeded`,
    );
    expect(checks[0].reason).toMatch(new RegExp(`^there is no com\\.amazonaws\\.${REGION}\\.secretsmanager interface endpoint`));
    expect(verdicts(report, 'dev-api').ssm).toEqual(['pass', 'pass']);
  });

  test('the SSM endpoint removed while a parameter is referenced', () => {
    const stacks = copy();
    remove(stacks['dev-network'], 'aws_vpc_endpoint', /_ssm_/);
    const [ssm] = checksOf(preflightOf(stacks, dev), 'dev-api', 'ssm');
    expect(ssm.verdict).toBe('fail');
    expect(ssm.awsError).toMatch(new RegExp(`fetching secret data from SSM Parameter Store in ${REGION}: RequestError: send request failed caused by: Post "https://ssm\\.${REGION}\\.amazonaws\\.com/"`));
  });

  test('ECS Exec without the ssmmessages endpoint: tasks start, exec never connects (a warning: the synth is not refused)', () => {
    const stacks = copy();
    remove(stacks['dev-network'], 'aws_vpc_endpoint', /ssmmessages/);
    const [exec] = checksOf(preflightOf(stacks, dev), 'dev-api', 'ssmmessages');
    expect(exec.verdict).toBe('warn');
    expect(exec.awsError).toContain('TargetNotConnectedException');
  });
});

describe('NAT configurations', () => {
  test('NAT with the interface endpoints: the endpoints serve AWS, NAT the rest; everything passes', () => {
    const synth = withDev((dev) => {
      dev.network.egress = 'nat';
    });
    const report = preflightOf(stacksOf(synth), dev);
    expect(tally(report)).toMatchObject({ fail: 0, warn: 0, unknown: 0 });
    expect(checksOf(report, 'dev-web', 'ecr-api')[0].reason).toMatch(/^through aws_vpc_endpoint\.endpoints_ecr-api_\w+ \(private DNS/);
  });

  test('NAT without interface endpoints and an image from Docker Hub: every path goes through the NAT gateway', () => {
    const synth = withDev((dev) => {
      Object.assign(dev.network, { egress: 'nat', natGateways: 'per-az', interfaceEndpoints: false });
      dev.services.web.image = 'docker.io/library/httpd:2.4';
    });
    const report = preflightOf(stacksOf(synth), dev);
    expect(tally(report)).toMatchObject({ fail: 0, warn: 0, unknown: 0 });
    const [logs] = checksOf(report, 'dev-web', 'logs');
    expect(logs.reason).toMatch(/^there is no com\.amazonaws\.ap-northeast-2\.logs interface endpoint in .*; over the internet: 0\.0\.0\.0\/0 goes to NAT gateway aws_nat_gateway\.vpc_nat-a_\w+$/);
    expect(checksOf(report, 'dev-web', 'image-registry').map((c) => c.verdict)).toEqual(['pass', 'pass']);

    // A NAT gateway in a subnet without an internet gateway route gives no internet.
    const stacks = stacksOf(synth);
    const [privateA] = named(stacks['dev-network'], 'aws_subnet', /private-a/)[0];
    for (const [, nat] of named(stacks['dev-network'], 'aws_nat_gateway', /./)) nat.subnet_id = `\${aws_subnet.${privateA}.id}`;
    const broken = checksOf(preflightOf(stacks, dev), 'dev-web', 'logs');
    expect(broken[0].verdict).toBe('fail');
    expect(broken[0].reason).toMatch(/NAT gateway aws_nat_gateway\.vpc_nat-a_\w+ sits in acme-dev-private-a, whose route table has no 0\.0\.0\.0\/0 route to an internet gateway/);
  });
});

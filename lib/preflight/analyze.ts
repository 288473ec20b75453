/**
 * For every ECS service of the loaded stacks, decides each path its tasks need to start,
 * for each of its subnets (ECR and ECS guides on VPC endpoints): ECR API, ECR DKR and the S3 layer bucket for ECR
 * images; the internet for other registries and other regions; CloudWatch Logs for
 * `awslogs`; Secrets Manager / SSM Parameter Store for `secrets`; ssmmessages for ECS Exec;
 * ecs-agent, ecs-telemetry and ecs for Service Connect; plus the VPC's DNS and the load
 * balancer's path to the tasks.
 */
import { loadBalancerChecks } from './alb';
import * as aws from './aws-errors';
import { execAgentCheck, scratchCheck } from './containers';
import { execRoleCheck } from './exec-permissions';
import { executionRole, executionRoleChecks } from './execution-role';
import { pullThroughChecks } from './pull-through';
import { startRequests } from './task-requests';
import { classifyImage, ImageSource } from './images';
import { internetAccess } from './internet';
import { logGroupChecks } from './log-groups';
import { EcsService, Model, Subnet } from './model';
import { interfacePath, internetOnlyPath, PathContext, s3LayerPath } from './paths';
import { Resolver } from './refs';
import { roleTrustChecks } from './role-trust';
import { literalString, TfStack } from './tf';
import { fixOn, PathCheck, PreflightReport, ServiceReport } from './types';

export function analyze(stacks: readonly TfStack[], source: string): PreflightReport {
  const model = new Model(new Resolver(stacks));
  return { source, stacks: stacks.map((s) => s.name), services: model.services().map((service) => analyzeService(model, service)) };
}

export function analyzeService(model: Model, service: EcsService): ServiceReport {
  const checks: PathCheck[] = [];
  const notes: string[] = [];
  const region = service.region;
  if (!region) {
    return { service, notes, checks: [{ path: 'region', title: 'Region', verdict: 'unknown', via: [], reason: `the AWS provider region of ${service.stack.name} is not a literal` }] };
  }
  if (!service.awsvpc) {
    return { service, notes: ['no network_configuration: not an awsvpc (Fargate) service, whose network paths the preflight decides; not checked'], checks: [] };
  }
  const ctx: PathContext = { model, service, region };

  if (service.deleted.length > 0) {
    checks.push({
      path: 'network',
      title: 'Subnets and security groups',
      verdict: 'fail',
      via: [],
      reason: `the service is placed in ${service.deleted.join('; ')}: after apply it does not exist, so no task can be placed`,
      fix: [fixOn(service.resource, 'keep the subnets and security groups the service uses, or move the service to others in the same apply')],
    });
  }
  if (service.unresolved.length > 0) {
    checks.push({ path: 'network', title: 'Subnets and security groups', verdict: 'unknown', via: [], reason: `cannot follow ${service.unresolved.join('; ')}` });
  }
  if (service.subnets.length === 0) return { service, notes, checks: [...checks, ...loadBalancerChecks(model, service)] };

  const containers = service.taskDefinition?.containers;
  if (!containers) {
    checks.push({
      path: 'task-definition',
      title: 'Task definition',
      verdict: 'unknown',
      via: service.taskDefinition ? [{ resource: service.taskDefinition.resource, note: 'task definition' }] : [],
      reason: service.taskDefinition?.containersProblem ?? service.taskDefinitionProblem ?? 'unreadable',
    });
  }
  const images = (containers ?? []).map((c) => ({ container: c, source: classifyImage(model, service.taskDefinition!.resource, c.image) }));
  for (const { container, source } of images) notes.push(`image ${container.name ?? '?'}: ${describeImage(source, region)}`);
  notes.push(`subnets: ${service.subnets.map((s) => `${s.label} (${s.az ?? 'zone unknown'}, ${s.cidr ?? 'CIDR unknown'})`).join(', ')}; public IP: ${service.assignPublicIp === undefined ? 'unknown' : service.assignPublicIp ? 'yes' : 'no'}`);
  notes.push(`internet: ${describeInternet(model, service)}`);

  checks.push(vpcDnsCheck(model, service));

  const ecrHere = images.filter((i) => i.source.kind === 'ecr' && i.source.region === region);
  // One check per image: containers that share an image share its path.
  const elsewhere = images.filter((i, n) => ((i.source.kind === 'ecr' && i.source.region !== region) || i.source.kind === 'registry') && images.findIndex((o) => o.source.display === i.source.display) === n);
  const unknownImages = images.filter((i) => i.source.kind === 'unknown');
  const logRegions = [...new Set(containers?.filter((c) => c.logDriver === 'awslogs').map((c) => c.logOptions['awslogs-region'] ?? region) ?? [])];
  const secrets = (containers ?? []).flatMap((c) => [...c.secrets, ...(c.repositoryCredentials ? [c.repositoryCredentials] : [])]);
  const task = service.taskDefinition;
  const role = task ? executionRole(model, task.resource).role : undefined;
  const requests = task && containers ? startRequests({ model, taskDefinition: task.resource, region, roleArn: role ? model.symbols.attribute(role, 'arn') : undefined, roleName: role ? (literalString(role.values.name) ?? role.address) : undefined, account: service.stack.account }, images, containers) : [];
  const through = (endpoint: string) => requests.filter((r) => r.endpointService === endpoint);

  for (const subnet of service.subnets) {
    if (ecrHere.length > 0) {
      const image = ecrHere[0].source.display;
      checks.push(interfacePath(ctx, subnet, 'ecr.api', { path: 'ecr-api', title: 'ECR API (registry auth)', awsError: aws.ecrAuthTimeout(region), neededBy: 'ECR images', requests: through('ecr.api') }));
      checks.push(interfacePath(ctx, subnet, 'ecr.dkr', { path: 'ecr-dkr', title: 'ECR DKR (image manifest)', awsError: aws.manifestTimeout(image), neededBy: 'ECR images', requests: through('ecr.dkr') }));
      checks.push(s3LayerPath(ctx, subnet, { path: 's3-layers', title: 'S3 (ECR image layers)', awsError: aws.layerTimeout(region), neededBy: 'ECR image layers' }, aws.layerForbidden(region)));
    }
    for (const { container, source } of elsewhere) {
      const where = source.kind === 'ecr' ? `ECR in ${source.region}` : `registry ${source.kind === 'registry' ? source.host : ''}`;
      checks.push(internetOnlyPath(ctx, subnet, { path: 'image-registry', title: `Image (${where})`, awsError: aws.manifestTimeout(source.display), neededBy: `the image of container ${container.name ?? '?'} (${where}, not reachable through this VPC's endpoints)` }));
    }
    for (const { container, source } of unknownImages) {
      checks.push({ path: 'image', title: 'Image', subnet, verdict: 'unknown', via: [], reason: `the image of container ${container.name ?? '?'} is not known before apply (${source.kind === 'unknown' ? source.reason : ''})` });
    }
    for (const logRegion of logRegions) {
      const spec = { path: 'logs', title: 'CloudWatch Logs (awslogs)', awsError: aws.logsTimeout(logRegion), neededBy: 'the awslogs log driver', requests: through('logs') };
      checks.push(logRegion === region ? interfacePath(ctx, subnet, 'logs', spec) : internetOnlyPath(ctx, subnet, { ...spec, neededBy: `awslogs to ${logRegion}` }));
    }
    for (const source of ['secretsmanager', 'ssm'] as const) {
      const these = secrets.filter((s) => s.source === source);
      const local = these.filter((s) => s.region === undefined || s.region === region);
      const remote = these.filter((s) => s.region !== undefined && s.region !== region);
      const title = source === 'ssm' ? 'SSM Parameter Store (secrets)' : 'Secrets Manager (secrets)';
      const error = (arn: string, r: string) => (source === 'ssm' ? aws.ssmTimeout(r) : aws.secretsManagerTimeout(arn));
      if (local.length > 0) {
        checks.push(interfacePath(ctx, subnet, source, { path: source, title, awsError: error(local[0].valueFrom, region), neededBy: `secret ${local.map((s) => s.name).join(', ')}`, requests: through(source) }));
      }
      for (const secret of remote) {
        checks.push(internetOnlyPath(ctx, subnet, { path: source, title: `${title} in ${secret.region}`, awsError: error(secret.valueFrom, secret.region!), neededBy: `secret ${secret.name} (in ${secret.region})` }));
      }
    }
    const unknownSecrets = secrets.filter((s) => s.source === 'unknown');
    if (unknownSecrets.length > 0) {
      checks.push({ path: 'secrets', title: 'Secrets', subnet, verdict: 'unknown', via: [], reason: `cannot tell where ${unknownSecrets.map((s) => s.name).join(', ')} come from (valueFrom is an expression)` });
    }
    if (service.exec === true) {
      // Without the channel only ECS Exec fails; the tasks start: a warning, never a refused synth.
      const exec = interfacePath(ctx, subnet, 'ssmmessages', { path: 'ssmmessages', title: 'SSM Messages (ECS Exec)', awsError: aws.execUnreachable(), neededBy: 'ECS Exec' });
      checks.push(exec.verdict === 'fail' ? { ...exec, verdict: 'warn' } : exec);
    }
    if (service.serviceConnect === true) {
      for (const endpoint of ['ecs-agent', 'ecs-telemetry', 'ecs']) {
        checks.push(interfacePath(ctx, subnet, endpoint, { path: `service-connect-${endpoint}`, title: `Service Connect (${endpoint})`, awsError: aws.serviceConnectUnreachable(endpoint, region), neededBy: 'Service Connect' }));
      }
    }
  }
  if (containers && task) {
    checks.push(...pullThroughChecks(model, service, task.resource, images));
    checks.push(...executionRoleChecks(model, task.resource, requests));
    checks.push(...logGroupChecks(model, task.resource, containers, region));
    checks.push(...roleTrustChecks(model, task.resource, service.stack.account));
    checks.push(...scratchCheck(task, containers));
    checks.push(...execAgentCheck(service, task, containers));
    checks.push(...execRoleCheck(model, service, task.resource, region));
  }
  checks.push(...loadBalancerChecks(model, service));
  return { service, notes, checks };
}

function describeImage(source: ImageSource, region: string): string {
  if (source.kind === 'ecr') {
    const where = source.region === region ? 'ECR in this region' : `ECR in ${source.region} (another region: internet only)`;
    return `${source.display} (${where}${source.pullThrough ? `, through the pull-through cache ${source.pullThrough.address}` : ''})`;
  }
  if (source.kind === 'registry') return `${source.display} (registry ${source.host}: internet only)`;
  return `${source.display} (unknown: ${source.reason})`;
}

function describeInternet(model: Model, service: EcsService): string {
  const kinds = service.subnets.map((s: Subnet) => internetAccess(model, service, s));
  if (kinds.every((k) => k.verdict === 'no')) return 'none (no NAT route, no public IP): AWS services only through VPC endpoints';
  return kinds.map((k, i) => `${service.subnets[i].label}: ${k.verdict === 'yes' ? (k.kind === 'nat' ? 'NAT gateway' : 'public IP') : k.verdict === 'no' ? 'none' : 'unknown'}`).join(', ');
}

/** The VPC resolves names (enable_dns_support) and private DNS of its endpoints works (enable_dns_hostnames). */
function vpcDnsCheck(model: Model, service: EcsService): PathCheck {
  const base = { path: 'vpc-dns', title: 'VPC DNS' };
  const vpc = service.subnets[0].vpc;
  if (!vpc) return { ...base, verdict: 'unknown', via: [], reason: `the VPC of ${service.subnets[0].label} is not in the loaded stacks` };
  const via = [{ resource: vpc.resource, note: `enable_dns_support = ${vpc.dnsSupport ?? '?'}, enable_dns_hostnames = ${vpc.dnsHostnames ?? '?'}` }];
  if (vpc.dnsSupport === false) {
    return {
      ...base,
      verdict: 'fail',
      via,
      reason: `${vpc.resource.address} has enable_dns_support = false: the Amazon DNS server is off, so tasks cannot resolve any AWS endpoint`,
      awsError: aws.dnsResolutionFails(`api.ecr.${service.region}.amazonaws.com`),
      fix: [fixOn(vpc.resource, 'set enable_dns_support = true')],
    };
  }
  const privateDns = model.endpoints().filter((e) => e.vpc?.resource === vpc.resource && e.type === 'Interface' && e.privateDns === true);
  if (vpc.dnsHostnames === false && privateDns.length > 0) {
    return {
      ...base,
      verdict: 'fail',
      via: [...via, ...privateDns.map((e) => ({ resource: e.resource, note: 'interface endpoint with private DNS' }))],
      reason: `${vpc.resource.address} has enable_dns_hostnames = false, which private DNS of its interface endpoints requires`,
      awsError: aws.privateDnsNeedsVpcDns(vpc.resource.address),
      fix: [fixOn(vpc.resource, 'set enable_dns_hostnames = true')],
    };
  }
  if (vpc.dnsSupport === undefined || vpc.dnsHostnames === undefined) return { ...base, verdict: 'unknown', via, reason: 'the VPC DNS attributes are known only after apply' };
  return { ...base, verdict: 'pass', via, reason: 'DNS support and hostnames are on' };
}

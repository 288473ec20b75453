/**
 * The errors AWS reports when a Fargate task cannot reach what it needs at start, in the
 * form ECS shows them as the stopped task's reason (`aws ecs describe-tasks ... stoppedReason`).
 * `<ip>` stands for the address the task tried. Sources: the AWS knowledge-center articles
 * "ecs-unable-to-pull-secrets", "ecs-fargate-pull-container-error" and
 * "ecs-fargate-docker-timeout-error", and the ECS agent's messages; wording varies slightly
 * between Fargate platform versions.
 */

export function ecrAuthTimeout(region: string): string {
  return (
    'ResourceInitializationError: unable to pull secrets or registry auth: execution resource retrieval failed: ' +
    'unable to retrieve ecr registry auth: service call has been retried 3 time(s): RequestError: send request failed caused by: ' +
    `Post "https://api.ecr.${region}.amazonaws.com/": dial tcp <ip>:443: i/o timeout. Please check your task network configuration.`
  );
}

/** Manifest request to the registry (ECR's `dkr` endpoint, or any registry over the internet). */
export function manifestTimeout(image: string): string {
  const { host, repository, reference } = splitImage(image);
  return (
    `CannotPullContainerError: pull image manifest has been retried 5 time(s): failed to resolve ref ${image}: ` +
    `failed to do request: Head "https://${registryEndpoint(host)}/v2/${repository}/manifests/${reference}": dial tcp <ip>:443: i/o timeout`
  );
}

export function layerTimeout(region: string): string {
  return (
    'CannotPullContainerError: ref pull has been retried 5 time(s): failed to copy: httpReadSeeker: failed open: failed to do request: ' +
    `Get "https://prod-${region}-starport-layer-bucket.s3.${region}.amazonaws.com/...": dial tcp <ip>:443: i/o timeout`
  );
}

export function layerForbidden(region: string): string {
  return (
    'CannotPullContainerError: ref pull has been retried 5 time(s): failed to copy: httpReadSeeker: failed open: ' +
    `unexpected status code https://prod-${region}-starport-layer-bucket.s3.${region}.amazonaws.com/...: 403 Forbidden`
  );
}

export function logsTimeout(region: string): string {
  return (
    'ResourceInitializationError: failed to validate logger args: The task cannot find the Amazon CloudWatch log group defined in the task definition. ' +
    'There is a connection issue between the task and Amazon CloudWatch. Check your network configuration. : signal: killed ' +
    '(older platform versions: create stream has been retried 1 times: failed to create Cloudwatch log stream: RequestError: send request failed caused by: ' +
    `Post "https://logs.${region}.amazonaws.com/": dial tcp <ip>:443: i/o timeout)`
  );
}

/** The awslogs group does not exist and the driver is not told to create it. */
export function logGroupMissing(group: string): string {
  return (
    'ResourceInitializationError: failed to validate logger args: create stream has been retried 1 times: failed to create Cloudwatch log stream: ' +
    `ResourceNotFoundException: The specified log group does not exist. (${group})`
  );
}

export function secretsManagerTimeout(secretArn: string): string {
  return (
    'ResourceInitializationError: unable to pull secrets or registry auth: execution resource retrieval failed: unable to retrieve secret from asm: ' +
    'There is a connection issue between the task and AWS Secrets Manager. Check your task network configuration. ' +
    `failed to fetch secret ${secretArn} from secrets manager: RequestCanceled: request context canceled caused by: context deadline exceeded`
  );
}

export function ssmTimeout(region: string): string {
  return (
    'ResourceInitializationError: unable to pull secrets or registry auth: execution resource retrieval failed: ' +
    `fetching secret data from SSM Parameter Store in ${region}: RequestError: send request failed caused by: ` +
    `Post "https://ssm.${region}.amazonaws.com/": dial tcp <ip>:443: i/o timeout`
  );
}

export function execUnreachable(): string {
  return (
    'Tasks start, but ECS Exec never connects: the ExecuteCommandAgent stays PENDING and `aws ecs execute-command` fails with ' +
    '"An error occurred (TargetNotConnectedException) when calling the ExecuteCommand operation: The execute command failed due to an internal error. Try again later."'
  );
}

export function serviceConnectUnreachable(endpoint: string, region: string): string {
  return (
    `The Service Connect agent in each task cannot reach ${endpoint}.${region}.amazonaws.com (dial tcp <ip>:443: i/o timeout): ` +
    'the tasks never become healthy and ECS stops and replaces them (the exact stopped reason varies by platform version).'
  );
}

export function privateDnsNeedsVpcDns(vpc: string): string {
  return `InvalidParameter: Enabling private DNS requires both enableDnsSupport and enableDnsHostnames VPC attributes set to true for ${vpc} (terraform apply of the endpoint fails)`;
}

export function dnsResolutionFails(host: string): string {
  return `ResourceInitializationError: ... dial tcp: lookup ${host}: i/o timeout (the VPC resolver is off: enable_dns_support = false)`;
}

export function noLoadBalancer(targetGroup: string): string {
  return `InvalidParameterException: The target group with targetGroupArn ${targetGroup} does not have an associated load balancer. (terraform apply of the service fails)`;
}

export function instanceTargetType(targetGroup: string): string {
  return `InvalidParameterException: The provided target group ${targetGroup} has target type instance, which is incompatible with the awsvpc network mode specified in the task definition. (terraform apply of the service fails)`;
}

export function missingContainerPort(container: string, port: number | string): string {
  return `InvalidParameterException: The container ${container} did not have a container port ${port} defined. (terraform apply of the service fails)`;
}

export function unhealthyTargets(service: string, port: number | string, targetGroup: string): string {
  return (
    `service ${service} (port ${port}) is unhealthy in target-group ${targetGroup} due to (reason Request timed out). ` +
    `Tasks are then stopped: "Task failed ELB health checks in (target-group ${targetGroup})", and the deployment circuit breaker rolls the deployment back.`
  );
}

/** `host/repo:tag` -> parts; Docker Hub short names get their real host. */
export function splitImage(image: string): { host: string; repository: string; reference: string } {
  const slash = image.indexOf('/');
  const first = slash === -1 ? '' : image.slice(0, slash);
  const hasHost = first.includes('.') || first.includes(':') || first === 'localhost';
  const host = hasHost ? first : 'docker.io';
  let rest = hasHost ? image.slice(slash + 1) : image;
  if (host === 'docker.io' && !rest.includes('/')) rest = `library/${rest}`;
  const at = rest.indexOf('@');
  const colon = rest.lastIndexOf(':');
  if (at !== -1) return { host, repository: rest.slice(0, at), reference: rest.slice(at + 1) };
  if (colon !== -1) return { host, repository: rest.slice(0, colon), reference: rest.slice(colon + 1) };
  return { host, repository: rest, reference: 'latest' };
}

function registryEndpoint(host: string): string {
  return host === 'docker.io' ? 'registry-1.docker.io' : host;
}

/** The principal ECS uses at task start: the execution role's session (`<task id>` is the session name). */
function assumedRole(role: string): string {
  return `arn:aws:sts::<account>:assumed-role/${role}/<task id>`;
}

/** An AccessDeniedException as IAM words it; `by` says which policy type decided. */
export function accessDenied(role: string, action: string, resource: string, by: 'identity' | 'explicit-identity' | 'endpoint' | 'explicit-endpoint'): string {
  const because = {
    identity: `because no identity-based policy allows the ${action} action`,
    'explicit-identity': 'with an explicit deny in an identity-based policy',
    endpoint: `because no VPC endpoint policy allows the ${action} action`,
    'explicit-endpoint': 'with an explicit deny in a VPC endpoint policy',
  }[by];
  return `AccessDeniedException: User: ${assumedRole(role)} is not authorized to perform: ${action} on resource: ${resource} ${because}`;
}

/** What ECS reports when a start-time request of the execution role is denied. */
export function startDenied(kind: 'ecr-auth' | 'ecr-pull' | 'logs' | 'secretsmanager' | 'ssm' | 'kms', denial: string, detail: { image?: string; secret?: string; region?: string }): string {
  switch (kind) {
    case 'ecr-auth':
      return `ResourceInitializationError: unable to pull secrets or registry auth: execution resource retrieval failed: unable to retrieve ecr registry auth: service call has been retried 3 time(s): ${denial}`;
    case 'ecr-pull': {
      const { host, reference } = splitImage(detail.image ?? '');
      return `CannotPullContainerError: pull image manifest has been retried 5 time(s): failed to resolve ref ${detail.image}: pulling from host ${host} failed with status code [manifests ${reference}]: 403 Forbidden (${denial})`;
    }
    case 'logs':
      return `ResourceInitializationError: failed to validate logger args: create stream has been retried 1 times: failed to create Cloudwatch log stream: ${denial}`;
    case 'secretsmanager':
      return `ResourceInitializationError: unable to pull secrets or registry auth: execution resource retrieval failed: unable to retrieve secret from asm: service call has been retried 1 time(s): failed to fetch secret ${detail.secret} from secrets manager: ${denial}`;
    case 'ssm':
      return `ResourceInitializationError: unable to pull secrets or registry auth: execution resource retrieval failed: unable to retrieve secrets from ssm: service call has been retried 1 time(s): ${denial}`;
    case 'kms':
      return `ResourceInitializationError: unable to pull secrets or registry auth: execution resource retrieval failed: unable to retrieve secret from asm: service call has been retried 1 time(s): failed to fetch secret ${detail.secret} from secrets manager: AccessDeniedException: Access to KMS is not allowed (${denial})`;
  }
}

/** Fargate refuses to register a task definition that needs an execution role without one. */
export function noExecutionRole(what: string): string {
  return `ClientException: Fargate requires task definition to have execution role ARN to support ${what}. (terraform apply of the task definition fails)`;
}

/** An image under a pull-through cache prefix that no rule serves: ECR has no such repository. */
export function noPullThroughRule(image: string): string {
  const { host, repository, reference } = splitImage(image);
  return `CannotPullContainerError: pull image manifest has been retried 5 time(s): failed to resolve ref ${image}: ${host}/${repository}:${reference}: not found (ECR: repository ${repository} does not exist in the registry and no pull-through cache rule matches its prefix)`;
}

/** A non-root container that cannot write its root-owned scratch mount. */
export function scratchNotWritable(container: string, path: string): string {
  return (
    `the container exits at start, e.g. nginx: mkdir() "${path}/client_temp" failed (13: Permission denied); ` +
    `ECS: "Essential container in task exited" (container ${container}, exit code 1), and the deployment circuit breaker rolls the deployment back`
  );
}

/** ECS Exec's agent cannot write its state on a read-only root filesystem. */
export function execAgentNotWritable(): string {
  return (
    'Tasks start, but the ECS Exec agent inside the container cannot write /var/lib/amazon/ssm and /var/log/amazon/ssm and stops: the ExecuteCommandAgent is not RUNNING and ' +
    '`aws ecs execute-command` fails with "An error occurred (TargetNotConnectedException) when calling the ExecuteCommand operation: The execute command failed due to an internal error. Try again later."'
  );
}

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

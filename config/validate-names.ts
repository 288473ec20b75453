/**
 * Rules on the names the project derives from configuration keys: stack names (and the AWS
 * names made from them) must not collide across environments, derived AWS names must obey
 * AWS's naming rules, and tags must fit AWS's tag rules on every resource they reach.
 */
import { ecrRepositoryNameProblem, elbNameProblem, s3BucketNameProblem, securityGroupNameProblem, tagKeyProblem, TAGS_PER_RESOURCE, tagValueProblem } from './aws-rules';
import type { ConfigIssue } from './issues';
import { isProduction } from './validate-security';
import type { ParsedConfig } from './schema';
import { STATE_STACK_NAME } from '../modules/state-naming';

/** Tags the stacks add to every resource (BaseStack's provider default tags, the service stacks' Service tag). */
export const STACK_TAG_KEYS = ['Project', 'Environment', 'Stack', 'ManagedBy', 'Service'] as const;
/** Tags a construct sets on one resource (`Name` everywhere, `Tier` on subnets). */
export const RESOURCE_TAG_KEYS = ['Name', 'Tier'] as const;

/** `<project>-<env>`: the load balancer, cluster and other environment-wide AWS names. */
export function environmentResourceName(project: string, environment: string): string {
  return `${project}-${environment}`;
}

/** The ALB access log bucket of an environment (bucket names are global, hence the region). */
export function accessLogsBucketName(project: string, environment: string, region: string): string {
  return `${environmentResourceName(project, environment)}-alb-logs-${region}`;
}

/** The CloudFront standard log bucket of an environment (`cloudfront.accessLogs`). */
export function cloudfrontLogsBucketName(project: string, environment: string, region: string): string {
  return `${environmentResourceName(project, environment)}-cloudfront-logs-${region}`;
}

/** The ECR repository a service without `image` gets. */
export function serviceRepositoryName(project: string, environment: string, service: string): string {
  return `${environmentResourceName(project, environment)}/${service}`;
}

export function checkDerivedNames(parsed: ParsedConfig, reservedServiceNames: readonly string[], issues: ConfigIssue[]): void {
  checkStackNames(parsed, reservedServiceNames, issues);
  checkTags(parsed, issues);
  let albReported = false;
  for (const [env, environment] of Object.entries(parsed.environments)) {
    // Every security group of the environment is named `<project>-<env>-...` (the ALB's: `-alb`).
    const alb = elbNameProblem(environmentResourceName(parsed.project, env), 'load balancer') ?? securityGroupNameProblem(`${environmentResourceName(parsed.project, env)}-alb`);
    if (alb && !albReported) {
      issues.push({ path: 'project', message: `${alb}; choose another project name` });
      albReported = true;
    }
    // Production turns access logs on by default.
    if (environment.platform.accessLogs?.enabled ?? isProduction(env, environment.production)) {
      const bucket = s3BucketNameProblem(accessLogsBucketName(parsed.project, env, environment.region));
      if (bucket) issues.push({ path: `environments.${env}.platform.accessLogs`, message: `the access log bucket name is derived from project and environment: ${bucket}` });
    }
    for (const [service, svc] of Object.entries(environment.services)) {
      if (svc.image) continue;
      const repository = ecrRepositoryNameProblem(serviceRepositoryName(parsed.project, env, service));
      if (repository) issues.push({ path: `environments.${env}.services.${service}`, message: repository });
    }
  }
}

/**
 * Stack names are `<env>-network`, `<env>-platform` and `<env>-<service>`, and AWS names are
 * `<project>-<stack>`: environment `dev-a` with service `web` and environment `dev` with
 * service `a-web` would make the same stack, target group and roles.
 */
function checkStackNames(parsed: ParsedConfig, reservedServiceNames: readonly string[], issues: ConfigIssue[]): void {
  const owners = new Map<string, string>([[STATE_STACK_NAME, 'state']]);
  const claim = (stack: string, path: string) => {
    const owner = owners.get(stack);
    if (owner === undefined) owners.set(stack, path);
    else {
      issues.push({
        path,
        message: `its stack would be named "${stack}", as is the stack of ${owner} (the AWS names ${parsed.project}-${stack}... would collide too); rename one of them`,
      });
    }
  };
  for (const env of Object.keys(parsed.environments)) {
    claim(`${env}-network`, `environments.${env}`);
    claim(`${env}-platform`, `environments.${env}`);
  }
  for (const [env, environment] of Object.entries(parsed.environments)) {
    for (const service of Object.keys(environment.services)) {
      // A reserved name is reported with the service's other rules.
      if (!reservedServiceNames.includes(service)) claim(`${env}-${service}`, `environments.${env}.services.${service}`);
    }
  }
}

/** Tag keys and values, and the count on one resource: the stacks' tags, project, environment and resource tags. */
function checkTags(parsed: ParsedConfig, issues: ConfigIssue[]): void {
  const checkEach = (tags: Record<string, string>, path: string) => {
    for (const [key, value] of Object.entries(tags)) {
      const problem = tagKeyProblem(key) ?? tagValueProblem(value);
      if (problem) issues.push({ path: `${path}.${key}`, message: problem });
    }
  };
  checkEach(parsed.tags, 'tags');
  for (const [env, environment] of Object.entries(parsed.environments)) {
    checkEach(environment.tags, `environments.${env}.tags`);
    const keys = new Set<string>([...STACK_TAG_KEYS, ...RESOURCE_TAG_KEYS, ...Object.keys(parsed.tags), ...Object.keys(environment.tags)]);
    if (keys.size > TAGS_PER_RESOURCE) {
      const room = TAGS_PER_RESOURCE - STACK_TAG_KEYS.length - RESOURCE_TAG_KEYS.length;
      issues.push({
        path: `environments.${env}.tags`,
        message:
          `${keys.size} distinct tags would reach a resource (${[...STACK_TAG_KEYS, ...RESOURCE_TAG_KEYS].join(', ')}, plus the project's tags and these); ` +
          `AWS allows ${TAGS_PER_RESOURCE} per resource, so project and environment tags may have at most ${room} distinct keys besides those`,
      });
    }
  }
}

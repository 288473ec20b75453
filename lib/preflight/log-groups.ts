/**
 * The awslogs driver writes to an existing log group: it creates the task's log stream in
 * `awslogs-group`, and the container does not start when the group does not exist, unless
 * `awslogs-create-group` is `true` (then the driver creates it). A group is known to exist
 * when the option refers to an `aws_cloudwatch_log_group` or names one declared with that
 * literal name in the same region in the loaded stacks (a `data "aws_cloudwatch_log_group"`
 * lookup counts: the plan fails when the group is missing); when a loaded group's name is an
 * expression (or `name_prefix`), or the option itself is, it may be that one: unknown.
 */
import * as aws from './aws-errors';
import type { Container, Model } from './model';
import { literalString, TfResource } from './tf';
import { fixOn, PathCheck } from './types';

export function logGroupChecks(model: Model, taskDefinition: TfResource, containers: readonly Container[], region: string): PathCheck[] {
  const base = { path: 'log-group', title: 'CloudWatch log group (awslogs)' };
  const scope = model.scope(taskDefinition);
  const checks: PathCheck[] = [];
  for (const container of containers) {
    if (container.logDriver !== 'awslogs') continue;
    const option = container.logOptions['awslogs-group'];
    if (option === undefined || container.logOptions['awslogs-create-group'] === 'true') continue;
    const groupRegion = container.logOptions['awslogs-region'] ?? region;
    const [target] = model.resolver.resolve(scope, option);
    if (target?.kind === 'resource' && target.resource.type === 'aws_cloudwatch_log_group') continue;
    const name = model.resolver.literalText(scope, option);
    const groups = declaredGroups(model).filter((g) => (model.resolver.stack(g.stack)?.region ?? region) === groupRegion);
    if (name !== undefined && groups.some((g) => literalString(g.values.name) === name)) continue;
    const what = `container ${container.name ?? '?'} logs to ${name ?? option}`;
    if (name === undefined || groups.some((g) => literalString(g.values.name) === undefined)) {
      checks.push({ ...base, verdict: 'unknown', via: [], reason: `${what}: whether that log group exists is known only after apply` });
      continue;
    }
    checks.push({
      ...base,
      verdict: 'fail',
      via: [{ resource: taskDefinition, note: `awslogs-group = ${name}` }],
      reason: `${what} in ${groupRegion}, which no aws_cloudwatch_log_group of the loaded stacks declares, and awslogs-create-group is not "true": the driver cannot create the log stream`,
      awsError: aws.logGroupMissing(name),
      fix: [fixOn(taskDefinition, `point awslogs-group of container ${container.name ?? '?'} at the service's aws_cloudwatch_log_group (or declare an aws_cloudwatch_log_group named ${name})`)],
    });
  }
  return checks;
}

/** Log groups the loaded stacks create or look up (a data source fails the plan when the group is missing). */
function declaredGroups(model: Model): TfResource[] {
  const lookups = model.resolver.allStacks().flatMap((stack) => stack.resources.filter((r) => r.mode === 'data' && r.type === 'aws_cloudwatch_log_group'));
  return [...model.resolver.ofType('aws_cloudwatch_log_group'), ...lookups];
}

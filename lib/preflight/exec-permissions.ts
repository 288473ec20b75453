/**
 * ECS Exec opens its channels with the task role (not the execution role): the role must
 * allow the four ssmmessages actions (they have no resource-level permissions: `*`). Without
 * them the task starts and `aws ecs execute-command` fails: a warning.
 */
import * as aws from './aws-errors';
import type { EcsService, Model } from './model';
import { rolePolicies } from './policy-documents';
import { evaluatePolicies } from './policy-eval';
import { ACCOUNT } from './symbolic';
import { literalString, TfResource } from './tf';
import { fixOn, PathCheck } from './types';

const ACTIONS = ['ssmmessages:CreateControlChannel', 'ssmmessages:CreateDataChannel', 'ssmmessages:OpenControlChannel', 'ssmmessages:OpenDataChannel'];

export function execRoleCheck(model: Model, service: EcsService, taskDefinition: TfResource, region: string): PathCheck[] {
  if (service.exec !== true) return [];
  const base = { path: 'exec-role', title: 'ECS Exec: task role' };
  const value = taskDefinition.values.task_role_arn;
  if (value === undefined || value === null || value === '') {
    return [{ ...base, verdict: 'warn', via: [{ resource: taskDefinition, note: 'no task_role_arn' }], reason: 'ECS Exec opens its channels with the task role, and the task definition has none', awsError: aws.execUnreachable(), fix: [fixOn(taskDefinition, `set task_role_arn to a role allowing ${ACTIONS.join(', ')} on *`)] }];
  }
  const role = model.resolver.resource(model.scope(taskDefinition), value, 'aws_iam_role');
  if (!role) return [{ ...base, verdict: 'unknown', via: [], reason: `the task role ${String(value)} is not in the loaded stacks` }];
  const policies = rolePolicies(model, role);
  const name = literalString(role.values.name) ?? role.address;
  const context = { 'aws:securetransport': 'true', 'aws:requestedregion': region, 'aws:principalaccount': ACCOUNT };
  const missing: string[] = [];
  let unknown: string | undefined;
  for (const action of ACTIONS) {
    const decision = evaluatePolicies(policies.policies, { action, resource: '*', context, account: service.stack.account }, false);
    if (decision.outcome === 'allow') continue;
    if (decision.outcome === 'unknown' || (decision.outcome === 'implicit-deny' && policies.unknown.length > 0)) unknown ??= decision.why ?? `${policies.unknown.join(', ')} may allow ${action}`;
    else missing.push(action);
  }
  const via = [{ resource: role, note: `task role ${name}` }];
  if (missing.length > 0) {
    return [{ ...base, verdict: 'warn', via, reason: `task role ${name} does not allow ${missing.join(', ')}: the task starts, but ECS Exec cannot open its channels`, awsError: aws.execUnreachable(), fix: [fixOn(role, `allow ${missing.join(', ')} on * (an aws_iam_role_policy)`)] }];
  }
  if (unknown) return [{ ...base, verdict: 'unknown', via, reason: unknown }];
  return [{ ...base, verdict: 'pass', via, reason: `task role ${name} allows the ssmmessages channel actions` }];
}

/**
 * Does the task's execution role allow every request ECS makes with it at start? Its
 * identity policies (inline, attached, managed ones the preflight knows) and its permissions
 * boundary are evaluated for each request of task-requests.ts; an explicit Deny wins. What
 * cannot be read before apply (a policy from another stack, a condition on an unknown
 * value) leaves the path unknown, never failed. Service control policies and KMS key
 * policies are outside Terraform's view of the stack and not evaluated.
 */
import * as aws from './aws-errors';
import type { Model } from './model';
import { rolePolicies } from './policy-documents';
import { evaluatePolicies, Evaluation } from './policy-eval';
import type { RequestKind, StartRequest } from './task-requests';
import { blocks, list, literalString, TfResource } from './tf';
import { fixOn, PathCheck, Verdict, Via, worst } from './types';

const GROUPS: readonly { path: string; title: string; kinds: RequestKind[] }[] = [
  { path: 'iam-ecr', title: 'Execution role: image pull', kinds: ['ecr-auth', 'ecr-pull', 'ecr-cache'] },
  { path: 'iam-logs', title: 'Execution role: awslogs', kinds: ['logs'] },
  { path: 'iam-secrets', title: 'Execution role: secrets', kinds: ['secretsmanager', 'ssm', 'kms'] },
];

/** The execution role a task definition names, if it is in the loaded stacks. */
export function executionRole(model: Model, taskDefinition: TfResource): { role?: TfResource; absent: boolean; value: unknown } {
  const value = taskDefinition.values.execution_role_arn;
  if (value === undefined || value === null || value === '') return { absent: true, value };
  return { role: model.resolver.resource(model.scope(taskDefinition), value, 'aws_iam_role'), absent: false, value };
}

/** The task runs on Fargate: the task definition requires it, or a service launches it there. */
function onFargate(model: Model, taskDefinition: TfResource): boolean {
  if (list(taskDefinition.values.requires_compatibilities).includes('FARGATE')) return true;
  return model.resolver.ofType('aws_ecs_service').some((service) => {
    if (model.resolver.resource(model.scope(service), service.values.task_definition, 'aws_ecs_task_definition') !== taskDefinition) return false;
    return service.values.launch_type === 'FARGATE' || blocks(service.values.capacity_provider_strategy).some((s) => String(s.capacity_provider).startsWith('FARGATE'));
  });
}

export function executionRoleChecks(model: Model, taskDefinition: TfResource, requests: readonly StartRequest[]): PathCheck[] {
  const checks: PathCheck[] = [];
  const { role, absent, value } = executionRole(model, taskDefinition);
  for (const group of GROUPS) {
    const needed = requests.filter((r) => group.kinds.includes(r.kind));
    if (needed.length === 0) continue;
    const base = { path: group.path, title: group.title };
    if (absent && !onFargate(model, taskDefinition)) {
      checks.push({ ...base, verdict: 'unknown', via: [{ resource: taskDefinition, note: 'no execution_role_arn' }], reason: 'the task definition has no execution role and does not require FARGATE: on EC2 the container instance role makes these requests, and it is not part of the task' });
      continue;
    }
    if (absent) {
      const what = { 'iam-ecr': 'ECR images', 'iam-logs': 'log driver awslogs', 'iam-secrets': 'secrets' }[group.path] ?? group.path;
      checks.push({
        ...base,
        verdict: 'fail',
        via: [{ resource: taskDefinition, note: 'no execution_role_arn' }],
        reason: `the task definition has no execution role, which ECS needs for ${needed.map((r) => r.what).filter((w, i, all) => all.indexOf(w) === i).join(', ')}`,
        awsError: aws.noExecutionRole(what),
        fix: [fixOn(taskDefinition, 'set execution_role_arn to a role trusting ecs-tasks.amazonaws.com that allows the start-time actions')],
      });
      continue;
    }
    if (!role) {
      checks.push({ ...base, verdict: 'unknown', via: [], reason: `the execution role ${String(value)} is not in the loaded stacks` });
      continue;
    }
    checks.push(decide(model, role, needed, base));
  }
  return checks;
}

function decide(model: Model, role: TfResource, needed: readonly StartRequest[], base: { path: string; title: string }): PathCheck {
  const policies = rolePolicies(model, role);
  const roleName = literalString(role.values.name) ?? role.address;
  const results: { request: StartRequest; verdict: Verdict; text: string; error?: string }[] = [];
  for (const request of needed) {
    const resource = model.symbols.display(request.resource);
    const identity = evaluatePolicies(policies.policies, request, false);
    const outcome = combine(identity, policies.unknown, policies.boundary ? (policies.boundary.input ? evaluatePolicies([policies.boundary.input], request, false) : { outcome: 'unknown', why: policies.boundary.unknown }) : undefined);
    const label = `${request.action} on ${resource} (${request.what})`;
    if (outcome.verdict === 'pass') results.push({ request, verdict: 'pass', text: label });
    else if (outcome.verdict === 'unknown') results.push({ request, verdict: 'unknown', text: `${label}: ${outcome.why}` });
    else {
      const denial = aws.accessDenied(roleName, request.action, resource, outcome.explicit ? 'explicit-identity' : 'identity');
      results.push({ request, verdict: 'fail', text: `${label}: ${outcome.why}`, error: request.error(denial) });
    }
  }
  const verdict = worst(results.map((r) => r.verdict));
  const via: Via[] = [{ resource: role, note: `execution role ${roleName}` }];
  if (verdict === 'pass') return { ...base, verdict, via, reason: `execution role ${roleName} allows ${results.map((r) => r.request.action).filter((a, i, all) => all.indexOf(a) === i).join(', ')}` };
  const shown = results.filter((r) => r.verdict === verdict);
  const policy = model.resolver.ofType('aws_iam_role_policy').find((p) => model.resolver.resource(model.scope(p), p.values.role, 'aws_iam_role') === role);
  return {
    ...base,
    verdict,
    via,
    reason: `execution role ${roleName}: ${shown.map((r) => r.text).join('; ')}`,
    awsError: shown.find((r) => r.error)?.error,
    fix: verdict === 'fail' ? shown.map((r) => fixOn(policy ?? role, `allow ${r.request.action} on ${model.symbols.display(r.request.resource)}${r.request.kind === 'kms' ? ` (kms:ViaService ${r.request.context['kms:viaservice']})` : ''}, and no Deny of it`)) : undefined,
  };
}

function combine(identity: Evaluation, unreadable: readonly string[], boundary?: Evaluation | { outcome: 'unknown'; why?: string }): { verdict: Verdict; explicit?: boolean; why: string } {
  if (identity.outcome === 'deny') return { verdict: 'fail', explicit: true, why: `denied by statement ${identity.statement?.sid ?? '(no Sid)'}` };
  if (identity.outcome === 'unknown') return { verdict: 'unknown', why: identity.why ?? 'unknown' };
  if (identity.outcome === 'implicit-deny') {
    if (unreadable.length > 0) return { verdict: 'unknown', why: `no policy the preflight can read allows it, and ${unreadable.join(', ')} may` };
    return { verdict: 'fail', why: 'no policy of the role allows it' };
  }
  if (!boundary) return { verdict: 'pass', why: '' };
  if (boundary.outcome === 'allow') return { verdict: 'pass', why: '' };
  if (boundary.outcome === 'unknown') return { verdict: 'unknown', why: `the permissions boundary: ${boundary.why ?? 'unknown'}` };
  return { verdict: 'fail', explicit: boundary.outcome === 'deny', why: 'the role allows it, but its permissions boundary does not' };
}

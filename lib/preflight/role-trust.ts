/**
 * ECS assumes the task's execution role (to pull images, write logs, read secrets) and its
 * task role (for the application) through the service principal `ecs-tasks.amazonaws.com`.
 * A role whose trust policy (`assume_role_policy`) does not let that principal call
 * `sts:AssumeRole` stops the task at start. The trust policy is evaluated like the others
 * (an applying Deny wins, then an Allow; conditions on `aws:SourceAccount`, which ECS sets
 * to the task's account, are decided, other keys and values known only after apply make it
 * unknown). Only decisions that are not a pass are reported.
 */
import type { Statement } from './iam';
import type { Model } from './model';
import { readPolicy } from './policy-documents';
import { applies, Request } from './policy-eval';
import { ACCOUNT, hasTokens, Match } from './symbolic';
import { isRecord, literalString, TfResource } from './tf';
import { fixOn, PathCheck } from './types';

const ECS_TASKS = 'ecs-tasks.amazonaws.com';

export function roleTrustChecks(model: Model, taskDefinition: TfResource, account?: string): PathCheck[] {
  const checks: PathCheck[] = [];
  for (const [attribute, title] of [
    ['execution_role_arn', 'execution role'],
    ['task_role_arn', 'task role'],
  ] as const) {
    const value = taskDefinition.values[attribute];
    if (value === undefined || value === null || value === '') continue;
    const role = model.resolver.resource(model.scope(taskDefinition), value, 'aws_iam_role');
    if (!role) continue;
    const check = trust(model, role, title, account);
    if (check) checks.push(check);
  }
  return checks;
}

function trust(model: Model, role: TfResource, title: string, account?: string): PathCheck | undefined {
  const base = { path: 'iam-trust', title: `Trust: ECS assumes the ${title}` };
  const name = literalString(role.values.name) ?? role.address;
  const via = [{ resource: role, note: `${title} ${name}: assume_role_policy` }];
  const read = readPolicy(model, role, role.values.assume_role_policy);
  if (!read.input) return { ...base, verdict: 'unknown', via, reason: `the trust policy of ${title} ${name} cannot be read before apply (${read.unknown})` };
  const request: Request = { action: 'sts:AssumeRole', resource: model.symbols.attribute(role, 'arn'), context: { 'aws:sourceaccount': ACCOUNT }, account };
  let allow: Match = 'no';
  let deny: Match = 'no';
  for (const s of read.input.statements) {
    const m = and(principalIsEcsTasks(s, read.input.sym), applies(s, request, read.input.sym, false));
    if (s.effect === 'Deny') deny = or(deny, m);
    else allow = or(allow, m);
  }
  if (deny === 'no' && allow === 'yes') return undefined;
  if (deny === 'yes' || (deny === 'no' && allow === 'no')) {
    return {
      ...base,
      verdict: 'fail',
      via,
      reason: `the trust policy of ${title} ${name} ${deny === 'yes' ? 'denies' : 'does not allow'} sts:AssumeRole to the service principal ${ECS_TASKS}`,
      awsError: `ECS was unable to assume the role '${model.symbols.display(request.resource)}' that was provided for this task. Please verify that the role being passed has the proper trust relationship and permissions and that your IAM user has permissions to pass this role.`,
      fix: [fixOn(role, `assume_role_policy: allow sts:AssumeRole to Principal { Service = "${ECS_TASKS}" }`)],
    };
  }
  return { ...base, verdict: 'unknown', via, reason: `whether the trust policy of ${title} ${name} lets ${ECS_TASKS} assume it depends on a value or condition known only after apply` };
}

/** Does the statement's Principal (or NotPrincipal) name the ECS tasks service? */
function principalIsEcsTasks(s: Statement, sym: (t: string) => string): Match {
  const names = (p: unknown): Match => {
    if (p === '*') return 'yes';
    if (!isRecord(p)) return 'maybe';
    const values = Object.entries(p).flatMap(([kind, v]) => (Array.isArray(v) ? v : [v]).map((x) => [kind, sym(String(x))] as const));
    if (values.some(([kind, v]) => (kind === 'Service' && v === ECS_TASKS) || (kind === 'AWS' && v === '*'))) return 'yes';
    return values.some(([, v]) => hasTokens(v)) ? 'maybe' : 'no';
  };
  if (s.notPrincipal !== undefined) {
    const m = names(s.notPrincipal);
    return m === 'yes' ? 'no' : m === 'no' ? 'yes' : 'maybe';
  }
  return s.principal === undefined ? 'maybe' : names(s.principal);
}

const and = (a: Match, b: Match): Match => (a === 'no' || b === 'no' ? 'no' : a === 'maybe' || b === 'maybe' ? 'maybe' : 'yes');
const or = (a: Match, b: Match): Match => (a === 'yes' || b === 'yes' ? 'yes' : a === 'maybe' || b === 'maybe' ? 'maybe' : 'no');

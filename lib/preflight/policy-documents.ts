/**
 * Reads IAM policy documents wherever Terraform keeps them -- JSON text (with `${...}`
 * inside), an `aws_iam_policy_document` data source (`.json`, evaluated locally by
 * Terraform, so its statement blocks are read here), an `aws_iam_policy` -- and finds the
 * identity policies of a role: `inline_policy` blocks, `aws_iam_role_policy`,
 * `aws_iam_role_policy_attachment`, `aws_iam_policy_attachment`, `managed_policy_arns`.
 */
import { policyStatements, Statement } from './iam';
import type { Model } from './model';
import type { PolicyInput } from './policy-eval';
import { blocks, configuredValue, Json, list, literalString, TfResource, UNKNOWN } from './tf';

export interface ReadPolicy {
  readonly input?: PolicyInput;
  /** Why the document cannot be read before apply. */
  readonly unknown?: string;
}

/** AWS managed policies the task start depends on, with their documented statements. */
const AWS_MANAGED: Readonly<Record<string, Statement[]>> = {
  'arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy': [
    {
      effect: 'Allow',
      actions: ['ecr:GetAuthorizationToken', 'ecr:BatchCheckLayerAvailability', 'ecr:GetDownloadUrlForLayer', 'ecr:BatchGetImage', 'logs:CreateLogStream', 'logs:PutLogEvents'],
      resources: ['*'],
    },
  ],
  'arn:aws:iam::aws:policy/AdministratorAccess': [{ effect: 'Allow', actions: ['*'], resources: ['*'] }],
};

/** The policy document a value holds, as statements with their symbolic converter. */
export function readPolicy(model: Model, owner: TfResource, value: unknown): ReadPolicy {
  const scope = model.scope(owner);
  const sym = (text: string) => model.symbols.text(scope, text);
  if (value === undefined || value === null || value === '') return { unknown: 'no policy document' };
  if (value === UNKNOWN) return { unknown: `the policy of ${owner.address} is known only after apply` };
  if (typeof value === 'string' && /^\$\{[^{}]+\}$/.test(value.trim())) {
    const [target] = model.resolver.resolve(scope, value.trim());
    if (target?.kind === 'resource' && target.resource.type === 'aws_iam_policy_document') return policyDocumentData(model, target.resource);
    if (target?.kind === 'resource' && target.resource.type === 'aws_iam_policy' && target.attribute === 'policy') return readPolicy(model, target.resource, target.resource.values.policy);
    if (target?.kind === 'literal') return readPolicy(model, owner, String(target.value));
    return { unknown: `the policy of ${owner.address} is the expression ${value}` };
  }
  const statements = policyStatements(value);
  if (!statements) return { unknown: `the policy of ${owner.address} is not a JSON policy document the preflight can read` };
  return { input: { statements, sym } };
}

/** An `aws_iam_policy_document` data source: its `json` when a plan knows it, else its statement blocks. */
function policyDocumentData(model: Model, data: TfResource): ReadPolicy {
  const values = data.values;
  const json = literalString(values.json);
  if (json && json.trim().startsWith('{')) return readPolicy(model, data, json);
  if (['source_policy_documents', 'override_policy_documents', 'source_json', 'override_json'].some((k) => list(values[k]).length > 0)) {
    return { unknown: `${data.address} merges other documents` };
  }
  const statements: Statement[] = blocks(values.statement).map((s: Json) => ({
    sid: literalString(s.sid),
    effect: s.effect === 'Deny' ? 'Deny' : 'Allow',
    actions: s.actions !== undefined ? list(s.actions).map(String) : undefined,
    notActions: s.not_actions !== undefined ? list(s.not_actions).map(String) : undefined,
    resources: s.resources !== undefined ? list(s.resources).map(String) : undefined,
    notResources: s.not_resources !== undefined ? list(s.not_resources).map(String) : undefined,
    principal: principals(s.principals),
    notPrincipal: principals(s.not_principals),
    condition: conditions(s.condition),
  }));
  const scope = model.scope(data);
  return { input: { statements, sym: (text: string) => model.symbols.text(scope, text) } };
}

function principals(value: unknown): unknown {
  const all = blocks(value);
  if (all.length === 0) return undefined;
  const out: Record<string, string[]> = {};
  for (const p of all) {
    const type = String(p.type);
    const ids = list(p.identifiers).map(String);
    if (type === '*') return '*';
    out[type] = [...(out[type] ?? []), ...ids];
  }
  return out;
}

function conditions(value: unknown): unknown {
  const all = blocks(value);
  if (all.length === 0) return undefined;
  const out: Record<string, Record<string, string[]>> = {};
  for (const c of all) {
    const test = String(c.test);
    const variable = String(c.variable);
    (out[test] ??= {})[variable] = [...(out[test]?.[variable] ?? []), ...list(c.values).map(String)];
  }
  return out;
}

export interface RolePolicies {
  readonly policies: PolicyInput[];
  /** Policies that could not be read (they may allow, or deny, more). */
  readonly unknown: string[];
  /** The permissions boundary, when set: it caps what the policies allow. */
  readonly boundary?: ReadPolicy;
}

/** Every identity policy of a role in the loaded stacks. */
export function rolePolicies(model: Model, role: TfResource): RolePolicies {
  const policies: PolicyInput[] = [];
  const unknown: string[] = [];
  const add = (read: ReadPolicy) => {
    if (read.input) policies.push(read.input);
    else if (read.unknown) unknown.push(read.unknown);
  };
  const roleName = literalString(role.values.name);
  const isRole = (owner: TfResource, value: unknown) => {
    if (model.resolver.resource(model.scope(owner), value, 'aws_iam_role') === role) return true;
    return roleName !== undefined && (value === roleName || literalString(value)?.endsWith(`:role/${roleName}`) === true);
  };
  for (const inline of blocks(configuredValue(role, 'inline_policy'))) if (inline.policy !== undefined) add(readPolicy(model, role, inline.policy));
  for (const policy of model.resolver.ofType('aws_iam_role_policy')) if (isRole(policy, policy.values.role)) add(readPolicy(model, policy, policy.values.policy));
  const managed = (owner: TfResource, arn: unknown) => add(managedPolicy(model, owner, arn));
  for (const arn of list(configuredValue(role, 'managed_policy_arns'))) managed(role, arn);
  for (const attachment of model.resolver.ofType('aws_iam_role_policy_attachment')) if (isRole(attachment, attachment.values.role)) managed(attachment, attachment.values.policy_arn);
  for (const attachment of model.resolver.ofType('aws_iam_policy_attachment')) {
    if (list(attachment.values.roles).some((r) => isRole(attachment, r))) managed(attachment, attachment.values.policy_arn);
  }
  const boundaryArn = role.values.permissions_boundary;
  const boundary = boundaryArn !== undefined && boundaryArn !== null && boundaryArn !== '' ? managedPolicy(model, role, boundaryArn) : undefined;
  return { policies, unknown, boundary };
}

/** A managed policy by ARN: an `aws_iam_policy` of the loaded stacks, or an AWS managed policy the preflight knows. */
function managedPolicy(model: Model, owner: TfResource, arn: unknown): ReadPolicy {
  const scope = model.scope(owner);
  const policy = model.resolver.resource(scope, arn, 'aws_iam_policy');
  if (policy) return readPolicy(model, policy, policy.values.policy);
  const literal = literalString(arn);
  const known = literal ? AWS_MANAGED[literal] : undefined;
  if (known) return { input: { statements: known, sym: (t) => t } };
  return { unknown: `managed policy ${String(arn)} (its document is not in the loaded stacks)` };
}

/** The single `policy` of a VPC endpoint: its `policy` argument or an `aws_vpc_endpoint_policy`. */
export function endpointPolicy(model: Model, endpoint: TfResource): { owner: TfResource; value: unknown } | undefined {
  for (const separate of model.resolver.ofType('aws_vpc_endpoint_policy')) {
    if (model.resolver.resource(model.scope(separate), separate.values.vpc_endpoint_id, 'aws_vpc_endpoint') === endpoint) return { owner: separate, value: separate.values.policy };
  }
  const value = endpoint.values.policy;
  if (value === undefined || value === null || value === '') return undefined;
  // In a plan, an endpoint without a policy shows the provider's computed default (full access).
  if (value === UNKNOWN && endpoint.computed?.includes('policy')) return undefined;
  return { owner: endpoint, value };
}


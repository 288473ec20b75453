/**
 * Just enough IAM policy evaluation for the preflight (does the S3 gateway endpoint policy
 * let ECR's layer requests through?) and the guardrails (wildcard actions): statements,
 * wildcard matching as IAM does it (`*` any run of characters, `?` one character; actions
 * case-insensitively), explicit deny over allow.
 */
import { isRecord, Json, parseTemplateJson } from './tf';

export interface Statement {
  readonly sid?: string;
  readonly effect: 'Allow' | 'Deny';
  readonly actions?: string[];
  readonly notActions?: string[];
  readonly resources?: string[];
  readonly notResources?: string[];
  readonly principal?: unknown;
  readonly notPrincipal?: unknown;
  readonly condition?: unknown;
}

const strings = (value: unknown): string[] | undefined =>
  value === undefined ? undefined : (Array.isArray(value) ? value : [value]).filter((v): v is string => typeof v === 'string');

/** The statements of a policy document (JSON text or object); undefined when it is not one. */
export function policyStatements(policy: unknown): Statement[] | undefined {
  let doc: unknown = policy;
  if (typeof policy === 'string') {
    try {
      doc = parseTemplateJson(policy);
    } catch {
      return undefined;
    }
  }
  if (!isRecord(doc)) return undefined;
  const raw = Array.isArray(doc.Statement) ? doc.Statement : isRecord(doc.Statement) ? [doc.Statement] : undefined;
  if (!raw) return undefined;
  return raw.filter(isRecord).map((s: Json) => ({
    sid: typeof s.Sid === 'string' ? s.Sid : undefined,
    effect: s.Effect === 'Deny' ? 'Deny' : 'Allow',
    actions: strings(s.Action),
    notActions: strings(s.NotAction),
    resources: strings(s.Resource),
    notResources: strings(s.NotResource),
    principal: s.Principal,
    notPrincipal: s.NotPrincipal,
    condition: s.Condition,
  }));
}

/** IAM wildcard match: `*` matches any run, `?` one character. */
export function wildcardMatch(pattern: string, value: string, caseInsensitive = false): boolean {
  const escaped = pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${escaped}$`, caseInsensitive ? 'i' : '').test(value);
}

function matchesAny(patterns: string[] | undefined, value: string, caseInsensitive: boolean): boolean {
  return (patterns ?? []).some((p) => wildcardMatch(p, value, caseInsensitive));
}

function appliesTo(statement: Statement, action: string, resource: string): boolean {
  const actionOk = statement.actions ? matchesAny(statement.actions, action, true) : statement.notActions ? !matchesAny(statement.notActions, action, true) : false;
  const resourceOk = statement.resources ? matchesAny(statement.resources, resource, false) : statement.notResources ? !matchesAny(statement.notResources, resource, false) : true;
  return actionOk && resourceOk;
}

function everyone(principal: unknown): boolean {
  if (principal === undefined || principal === '*') return true;
  if (isRecord(principal)) return strings(principal.AWS)?.includes('*') ?? false;
  return false;
}

export interface Decision {
  readonly decision: 'allow' | 'deny' | 'implicit-deny';
  readonly statement?: Statement;
  /** An allowing statement carries conditions the preflight cannot evaluate. */
  readonly conditional?: boolean;
}

/**
 * Whether a resource policy (such as a VPC endpoint policy, where the principal is whoever
 * calls through the endpoint) lets `action` on `resource` through.
 */
export function evaluate(statements: Statement[], action: string, resource: string): Decision {
  const deny = statements.find((s) => s.effect === 'Deny' && appliesTo(s, action, resource) && everyone(s.principal) && !s.condition);
  if (deny) return { decision: 'deny', statement: deny };
  const allow = statements.find((s) => s.effect === 'Allow' && appliesTo(s, action, resource) && everyone(s.principal));
  if (allow) return { decision: 'allow', statement: allow, conditional: allow.condition !== undefined };
  return { decision: 'implicit-deny' };
}

/**
 * A wildcard action in the sense of the guardrail: `*`, a wildcard service (`*:*`, `s*:Get*`)
 * or every action of a service (`<service>:*`, `s3:**`, `s3:?*`). A prefix such as `s3:Get*` names a family of actions and is allowed.
 */
export function isWildcardAction(action: string): boolean {
  const text = action.trim();
  if (/^[*?]+$/.test(text)) return true;
  const colon = text.indexOf(':');
  if (colon < 0) return false;
  return /[*?]/.test(text.slice(0, colon)) || /^[*?]+$/.test(text.slice(colon + 1));
}

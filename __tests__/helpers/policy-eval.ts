/**
 * A tiny evaluator of resource-policy statements (bucket and key policies) for tests: does a
 * principal get `action` on `resource` with these request keys? Explicit deny beats allow;
 * nothing matching is an implicit deny. It covers what the synthesized policies use: Allow
 * and Deny, Principal "*" or {AWS: ...}, Action, Resource and NotResource with `*`/`?`
 * wildcards, and the condition operators StringEquals, StringLike, StringNotLike, Bool and
 * NumericLessThan (a missing key fails a positive operator and passes a negated one, as in IAM).
 */
export interface Statement {
  Sid?: string;
  Effect: 'Allow' | 'Deny';
  Principal?: '*' | { AWS?: string | string[]; Service?: string | string[] };
  Action: string | string[];
  Resource?: string | string[];
  NotResource?: string | string[];
  Condition?: Record<string, Record<string, unknown>>;
}

export interface Request {
  readonly principal: string;
  readonly action: string;
  readonly resource: string;
  /** Request context keys, e.g. `s3:prefix`, `kms:ViaService`. */
  readonly context?: Readonly<Record<string, string>>;
}

export type Decision = 'allow' | 'explicit-deny' | 'implicit-deny';

const list = (value: unknown): string[] => (value === undefined ? [] : Array.isArray(value) ? value.map(String) : [String(value)]);

export function wildcardMatch(pattern: string, value: string): boolean {
  const regex = pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${regex}$`, 'i').test(value);
}

function principalMatches(statement: Statement, principal: string): boolean {
  if (statement.Principal === '*') return true;
  return list(statement.Principal?.AWS).some((p) => p === '*' || p === principal || (p.endsWith(':root') && principal.split(':')[4] === p.split(':')[4]));
}

function conditionHolds(condition: Statement['Condition'], context: Readonly<Record<string, string>>): boolean {
  for (const [operator, keys] of Object.entries(condition ?? {})) {
    for (const [key, expected] of Object.entries(keys)) {
      const actual = context[key];
      const values = list(expected);
      const holds = (() => {
        switch (operator) {
          case 'StringEquals':
            return actual !== undefined && values.includes(actual);
          case 'StringLike':
            return actual !== undefined && values.some((v) => wildcardMatch(v, actual));
          case 'StringNotLike':
            return actual === undefined || !values.some((v) => wildcardMatch(v, actual));
          case 'Bool':
            return actual !== undefined && values.includes(actual);
          case 'NumericLessThan':
            return actual !== undefined && values.some((v) => Number(actual) < Number(v));
          default:
            throw new Error(`policy-eval: unsupported condition operator ${operator}`);
        }
      })();
      if (!holds) return false;
    }
  }
  return true;
}

function applies(statement: Statement, request: Request): boolean {
  if (!principalMatches(statement, request.principal)) return false;
  if (!list(statement.Action).some((a) => wildcardMatch(a, request.action))) return false;
  if (statement.Resource !== undefined && !list(statement.Resource).some((r) => wildcardMatch(r, request.resource))) return false;
  if (statement.NotResource !== undefined && list(statement.NotResource).some((r) => wildcardMatch(r, request.resource))) return false;
  return conditionHolds(statement.Condition, request.context ?? {});
}

export function evaluate(statements: readonly Statement[], request: Request): Decision {
  const matching = statements.filter((s) => applies(s, request));
  if (matching.some((s) => s.Effect === 'Deny')) return 'explicit-deny';
  return matching.some((s) => s.Effect === 'Allow') ? 'allow' : 'implicit-deny';
}

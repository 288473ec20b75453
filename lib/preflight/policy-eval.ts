/**
 * IAM policy evaluation for the requests a task makes at start (ECR auth and pull, log
 * stream, secret, key): identity policies of the execution role and VPC endpoint policies.
 * Allow/Deny, explicit deny first; Action/NotAction and Resource/NotResource with wildcards;
 * Principal (endpoint policies); and the condition keys whose value at start is known
 * (aws:SecureTransport, aws:RequestedRegion, aws:PrincipalAccount, aws:ResourceAccount,
 * kms:ViaService, ...). Whatever cannot be decided before apply -- a token, an unknown
 * condition key, an operator not modelled -- makes the statement "maybe" applies: a maybe
 * Allow never becomes a failure (the path is `unknown`), a maybe Deny never either.
 */
import type { Statement } from './iam';
import { ACCOUNT, globMatch, hasTokens, Match } from './symbolic';
import { isRecord } from './tf';

/** The value AWS-owned resources (the ECR layer bucket) have for aws:ResourceAccount: never the caller's. */
export const AWS_OWNED_ACCOUNT = 'aws-owned-account';

export interface Request {
  readonly action: string;
  /** Symbolic resource ARN. */
  readonly resource: string;
  /** Condition keys (lowercase) known at start, with symbolic values. */
  readonly context: Readonly<Record<string, string>>;
  /** The calling principal's ARN (symbolic), for endpoint policies that name principals. */
  readonly principalArn?: string;
  /** The account the stacks are pinned to (`allowed_account_ids`), when known: the value of ACCOUNT. */
  readonly account?: string;
}

export interface Evaluation {
  readonly outcome: 'allow' | 'deny' | 'implicit-deny' | 'unknown';
  /** The statement that decided (deny, allow, or the maybe that left it unknown). */
  readonly statement?: Statement;
  /** Why unknown, for messages. */
  readonly why?: string;
}

const and = (...ms: Match[]): Match => (ms.includes('no') ? 'no' : ms.includes('maybe') ? 'maybe' : 'yes');
const not = (m: Match): Match => (m === 'yes' ? 'no' : m === 'no' ? 'yes' : 'maybe');
const any = (ms: Match[]): Match => (ms.includes('yes') ? 'yes' : ms.includes('maybe') ? 'maybe' : 'no');

/** A statement's symbolic text converter: its policy's `${...}` in the policy's stack. */
export type Sym = (text: string) => string;

function actionMatch(s: Statement, action: string): Match {
  if (s.actions) return any(s.actions.map((a) => globMatch(a, action, true)));
  if (s.notActions) return not(any(s.notActions.map((a) => globMatch(a, action, true))));
  return 'no';
}

function resourceMatch(s: Statement, resource: string, sym: Sym): Match {
  if (s.resources) return any(s.resources.map((r) => globMatch(sym(r), resource)));
  if (s.notResources) return not(any(s.notResources.map((r) => globMatch(sym(r), resource))));
  // Resource policies (endpoint policies) may leave Resource out: every resource.
  return 'yes';
}

function principalMatch(s: Statement, request: Request, sym: Sym, resourcePolicy: boolean): Match {
  if (!resourcePolicy) return 'yes';
  const caller = request.principalArn;
  const callerAccount = caller && !hasTokens(caller) ? caller.split(':')[4] : undefined;
  const one = (principal: string): Match => {
    const value = sym(principal);
    if (value === '*') return 'yes';
    if (caller && globMatch(value, caller) === 'yes') return 'yes';
    // An account (root or bare id) delegates to that account's IAM policies.
    const account = /^arn:aws[a-z-]*:iam::([^:]+):root$/.exec(value)?.[1] ?? (/^\d{12}$/.test(value) ? value : undefined);
    if (account !== undefined) return callerAccount && !hasTokens(account) ? (account === callerAccount ? 'yes' : 'no') : 'maybe';
    return caller && !hasTokens(caller) && !hasTokens(value) ? 'no' : 'maybe';
  };
  const principalOf = (p: unknown): Match => {
    if (p === '*') return 'yes';
    if (!isRecord(p)) return 'maybe';
    const aws = (p.AWS === undefined ? [] : Array.isArray(p.AWS) ? p.AWS : [p.AWS]).filter((a): a is string => typeof a === 'string');
    // Service, federated or canonical-user principals are not the execution role.
    if (aws.length === 0) return 'no';
    return any(aws.map(one));
  };
  if (s.notPrincipal !== undefined) return not(principalOf(s.notPrincipal));
  if (s.principal === undefined) return 'yes';
  return principalOf(s.principal);
}

/** One value of a condition against the request's value of the key. */
function compareValue(operator: string, expected: string, actual: string): Match {
  const op = operator.toLowerCase();
  // An account id in a condition is taken as the account the stacks deploy to, unless it is pinned (then both are literals).
  const isAccountLiteral = (v: string) => /^\d{12}$/.test(v) || v === ACCOUNT;
  if (actual === ACCOUNT && isAccountLiteral(expected)) return 'yes';
  if (actual === AWS_OWNED_ACCOUNT && isAccountLiteral(expected)) return 'no';
  if (op.startsWith('bool')) return expected.toLowerCase() === actual.toLowerCase() ? 'yes' : hasTokens(expected + actual) ? 'maybe' : 'no';
  if (op.includes('like')) return globMatch(expected, actual, op.includes('ignorecase'));
  if (op.includes('equals')) {
    const ci = op.includes('ignorecase');
    const [e, a] = ci ? [expected.toLowerCase(), actual.toLowerCase()] : [expected, actual];
    if (e === a) return 'yes';
    return hasTokens(e + a) ? 'maybe' : 'no';
  }
  return 'maybe';
}

const STRING_OPS = /^(string(not)?(equals|like)(ignorecase)?|arn(not)?(equals|like)|bool)$/;

function conditionMatch(s: Statement, request: Request, sym: Sym): Match {
  if (!isRecord(s.condition)) return s.condition === undefined ? 'yes' : 'maybe';
  const results: Match[] = [];
  for (const [rawOperator, block] of Object.entries(s.condition)) {
    if (!isRecord(block)) {
      results.push('maybe');
      continue;
    }
    const operator = rawOperator.replace(/^for(any|all)value:/i, '').replace(/ifexists$/i, '');
    for (const [key, rawValues] of Object.entries(block)) {
      const values = (Array.isArray(rawValues) ? rawValues : [rawValues]).map((v) => sym(String(v)));
      const actual = request.context[key.toLowerCase()];
      if (operator.toLowerCase() === 'null') {
        // Null: true asks "is the key absent?"; only known keys are known to be present.
        results.push(actual === undefined ? 'maybe' : any(values.map((v) => (v.toLowerCase() === 'false' ? 'yes' : 'no'))));
        continue;
      }
      if (actual === undefined || !STRING_OPS.test(operator.toLowerCase())) {
        results.push('maybe');
        continue;
      }
      const negated = /not/i.test(operator);
      const positive = operator.replace(/not/i, '');
      const match = any(values.map((v) => compareValue(positive, v, actual)));
      results.push(negated ? not(match) : match);
    }
  }
  return and(...results);
}

/** Does the statement apply to the request? */
export function applies(s: Statement, request: Request, sym: Sym, resourcePolicy: boolean): Match {
  return and(actionMatch(s, request.action), resourceMatch(s, request.resource, sym), principalMatch(s, request, sym, resourcePolicy), conditionMatch(s, request, sym));
}

export interface PolicyInput {
  readonly statements: readonly Statement[];
  readonly sym: Sym;
}

/**
 * The decision of a set of policies (of one kind: the identity policies of a role, or one
 * endpoint policy) on a request: an applying Deny wins, then an applying Allow.
 */
export function evaluatePolicies(policies: readonly PolicyInput[], original: Request, resourcePolicy: boolean): Evaluation {
  // With the account pinned, the account is a literal on both sides.
  const pin = original.account;
  const fix = (text: string) => (pin ? text.split(ACCOUNT).join(pin) : text);
  const request: Request = pin
    ? { ...original, resource: fix(original.resource), principalArn: original.principalArn && fix(original.principalArn), context: Object.fromEntries(Object.entries(original.context).map(([k, v]) => [k, fix(v)])) }
    : original;
  const inputs = pin ? policies.map((p) => ({ statements: p.statements, sym: (t: string) => fix(p.sym(t)) })) : policies;
  let maybeDeny: Statement | undefined;
  let allow: Statement | undefined;
  let maybeAllow: Statement | undefined;
  for (const policy of inputs) {
    for (const s of policy.statements) {
      const m = applies(s, request, policy.sym, resourcePolicy);
      if (m === 'no') continue;
      if (s.effect === 'Deny') {
        if (m === 'yes') return { outcome: 'deny', statement: s };
        maybeDeny ??= s;
      } else if (m === 'yes') allow ??= s;
      else maybeAllow ??= s;
    }
  }
  if (maybeDeny) return { outcome: 'unknown', statement: maybeDeny, why: `statement ${maybeDeny.sid ?? '(no Sid)'} may deny it (a value or condition known only after apply)` };
  if (allow) return { outcome: 'allow', statement: allow };
  if (maybeAllow) return { outcome: 'unknown', statement: maybeAllow, why: `statement ${maybeAllow.sid ?? '(no Sid)'} may allow it (a value or condition known only after apply)` };
  return { outcome: 'implicit-deny' };
}

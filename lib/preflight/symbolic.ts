/**
 * Strings that are only partly known before apply (an ARN built from `${aws_iam_role.x.arn}`,
 * an account id), compared the way IAM compares them, with a third answer: "maybe".
 *
 * Every Terraform expression that cannot be read as a literal becomes one private-use
 * character (a token) standing for "this unknown value"; the same expression (or the same
 * resource attribute) always becomes the same token, so `${aws_ecr_repository.app.arn}` in a
 * policy matches the repository the image names, while a token compared with other text is
 * "maybe" (known only after apply: never a failure).
 */
import type { Resolver, Scope } from './refs';
import type { TfResource } from './tf';

export type Match = 'yes' | 'no' | 'maybe';

const FIRST_TOKEN = 0xe000;
/** One character known only after apply (the random suffix of a secret ARN). */
export const ANY_CHAR = '\uf8fe';
/** The account of the stacks (the caller's account), wherever it appears. */
export const ACCOUNT = '\uf8fd';

export function isToken(ch: string): boolean {
  const code = ch.charCodeAt(0);
  return code >= FIRST_TOKEN && code <= 0xf8fe;
}

export function hasTokens(text: string): boolean {
  return [...text].some(isToken);
}

/** Expressions that evaluate to the account id: the caller identity, or field 4 of an ARN of this account. */
const ACCOUNT_EXPRESSION = /^\$\{(?:data\.aws_caller_identity\.[^.]+\.account_id|element\(split\(":",\s*[a-z0-9_.-]+\.arn\),\s*4\)|local\.account[-_]?id)\}$/i;

/** Turns text with `${...}` into a symbolic string: literals resolved, the rest tokens. */
export class Symbols {
  private readonly tokens = new Map<string, string>();
  private readonly labels = new Map<string, string>();

  constructor(private readonly resolver: Resolver) {}

  /** The token of a key (`stack|address|attribute`, or `stack|expression`), labelled for reports. */
  token(key: string, label = key): string {
    let token = this.tokens.get(key);
    if (!token) {
      token = String.fromCharCode(FIRST_TOKEN + this.tokens.size);
      this.tokens.set(key, token);
      this.labels.set(token, label);
    }
    return token;
  }

  /** A resource attribute: its literal value, else its token. */
  attribute(resource: TfResource, attribute: string): string {
    const value = resource.values[attribute];
    if (typeof value === 'string' && value !== '' && !value.includes('${')) return value;
    const known = attribute === 'arn' ? this.knownArn(resource) : undefined;
    return known ?? this.token(`${resource.stack}|${resource.address}|${attribute}`, `<${resource.address}.${attribute}>`);
  }

  /**
   * The ARN AWS gives a resource whose name is literal, in its documented format, so a policy
   * naming the ARN literally and one referring to the attribute both match it.
   */
  private knownArn(resource: TfResource): string | undefined {
    const name = typeof resource.values.name === 'string' && !resource.values.name.includes('${') ? resource.values.name : undefined;
    const region = this.resolver.stack(resource.stack)?.region;
    if (!name || !region) return undefined;
    switch (resource.type) {
      case 'aws_iam_role': {
        const path = typeof resource.values.path === 'string' && !resource.values.path.includes('${') ? resource.values.path : '/';
        return `arn:aws:iam::${ACCOUNT}:role${path}${name}`;
      }
      case 'aws_cloudwatch_log_group':
        return `arn:aws:logs:${region}:${ACCOUNT}:log-group:${name}`;
      case 'aws_ecr_repository':
        return `arn:aws:ecr:${region}:${ACCOUNT}:repository/${name}`;
      case 'aws_secretsmanager_secret':
        // Secrets Manager appends `-` and six random characters.
        return `arn:aws:secretsmanager:${region}:${ACCOUNT}:secret:${name}-${ANY_CHAR.repeat(6)}`;
      case 'aws_ssm_parameter':
        return `arn:aws:ssm:${region}:${ACCOUNT}:parameter/${name.replace(/^\//, '')}`;
      default:
        return undefined;
    }
  }

  /** A symbolic string for people: tokens as `<address.attribute>`, the account as `<account>`. */
  display(symbolic: string): string {
    return [...symbolic].map((c) => (c === ACCOUNT ? '<account>' : c === ANY_CHAR ? '?' : isToken(c) ? (this.labels.get(c) ?? '<unknown>') : c)).join('');
  }

  /** The symbolic form of `text` as evaluated in `scope`. */
  text(scope: Scope, text: string): string {
    let out = '';
    for (const part of this.resolver.interpolate(scope, text)) {
      if ('text' in part) out += part.text;
      else if (part.target.kind === 'literal') out += String(part.target.value);
      else if (ACCOUNT_EXPRESSION.test(part.expression) || this.isAccountLocal(scope, part.expression)) out += ACCOUNT;
      else if (this.remoteValue(scope, part.expression) !== undefined) out += this.remoteValue(scope, part.expression);
      else if (part.target.kind === 'resource') {
        const { resource, attribute } = part.target;
        const value = attribute ? resource.values[attribute] : undefined;
        if (typeof value === 'string' && !value.includes('${')) out += value;
        else if (attribute === 'account_id' || (attribute === 'registry_id' && resource.type.startsWith('aws_ecr_'))) out += ACCOUNT;
        else out += this.attribute(resource, attribute ?? 'id');
      } else out += this.token(`${scope.stack}|${part.expression}`, part.expression);
    }
    return out;
  }

  /**
   * The value a stack read from another stack's state at plan time (a plan's remote state
   * outputs), when literal: what the consumer will really use, even while the producer's
   * own plan shows it as known only after apply.
   */
  private remoteValue(scope: Scope, expression: string): string | undefined {
    const match = /^\$\{data\.terraform_remote_state\.([^.[\]]+)\.outputs\.([^.[\]}]+)\}$/.exec(expression);
    const value = match ? this.resolver.stack(scope.stack)?.remoteStates[match[1]]?.outputs?.[match[2]] : undefined;
    return typeof value === 'string' && value !== '' && !value.includes('${') ? value : undefined;
  }

  private isAccountLocal(scope: Scope, expression: string): boolean {
    const local = /^\$\{local\.([^.}]+)\}$/.exec(expression);
    const value = local ? this.resolver.stack(scope.stack)?.locals[local[1]] : undefined;
    return typeof value === 'string' && ACCOUNT_EXPRESSION.test(value);
  }
}

type Element = { readonly kind: 'star' } | { readonly kind: 'seg' } | { readonly kind: 'one' } | { readonly kind: 'char'; readonly ch: string };

/** Characters an ARN segment (an account id) cannot contain. */
const SEPARATORS = new Set([':', '/']);

/** globMatch's answers so far, by flag, pattern and value; bounded, so a long-lived process stays small. */
const GLOB_MATCHES = new Map<string, Match>();
const GLOB_MATCHES_MAX = 100_000;

/**
 * IAM wildcard match (`*` any run, `?` one character) of a pattern against a value, both
 * possibly symbolic: `yes` when it matches whatever the tokens turn out to be, `no` when
 * it cannot match, `maybe` otherwise.
 */
export function globMatch(pattern: string, value: string, caseInsensitive = false): Match {
  // A pure function of its arguments (tokens are characters of the strings), asked the same
  // questions for every service's execution role and endpoint policies: answered once.
  const key = `${caseInsensitive ? 'i' : 's'}${pattern.length}:${pattern}${value}`;
  let match = GLOB_MATCHES.get(key);
  if (match === undefined) {
    if (GLOB_MATCHES.size >= GLOB_MATCHES_MAX) GLOB_MATCHES.clear();
    match = matchGlob(pattern, value, caseInsensitive);
    GLOB_MATCHES.set(key, match);
  }
  return match;
}

function matchGlob(pattern: string, value: string, caseInsensitive: boolean): Match {
  const fold = (s: string) => (caseInsensitive ? s.toLowerCase() : s);
  const p = [...fold(pattern)];
  const v = [...fold(value)];
  // Exact: tokens are literal characters (the same token is the same text on both sides), so an
  // unknown character of the value only matches `?`, `*` or the same unknown character.
  const exactP: Element[] = p.map((c) => (c === '*' ? { kind: 'star' } : c === '?' ? { kind: 'one' } : { kind: 'char', ch: c }));
  const exactV: Element[] = v.map((c) => ({ kind: 'char', ch: c }));
  if (intersects(exactP, exactV, (a, b) => a === b)) return 'yes';
  if (!p.some(isToken) && !v.some(isToken)) return 'no';
  // Maybe: a token on one side only may be any text (the account: one ARN segment); a token on both sides is the same text.
  const shared = new Set(p.filter((c) => isToken(c) && v.includes(c)));
  const loose = (c: string, side: 'p' | 'v'): Element =>
    shared.has(c) ? { kind: 'char', ch: c }
    : c === ANY_CHAR ? { kind: 'one' }
    : c === ACCOUNT ? { kind: 'seg' }
    : isToken(c) ? { kind: 'star' }
    : side === 'p' && c === '*' ? { kind: 'star' }
    : side === 'p' && c === '?' ? { kind: 'one' }
    : { kind: 'char', ch: c };
  return intersects(
    p.map((c) => loose(c, 'p')),
    v.map((c) => loose(c, 'v')),
    (a, b) => a === b,
  )
    ? 'maybe'
    : 'no';
}

function eatable(e: Element): boolean {
  return e.kind === 'one' || (e.kind === 'char' && !SEPARATORS.has(e.ch));
}

/** Whether two glob sequences can produce a common string. */
function intersects(p: Element[], v: Element[], same: (a: string, b: string) => boolean): boolean {
  const memo = new Map<number, boolean>();
  const go = (i: number, j: number): boolean => {
    const key = i * (v.length + 1) + j;
    const cached = memo.get(key);
    if (cached !== undefined) return cached;
    let result = false;
    if (i === p.length && j === v.length) result = true;
    else if (i < p.length && p[i].kind === 'star') result = go(i + 1, j) || (j < v.length && go(i, j + 1));
    else if (j < v.length && v[j].kind === 'star') result = go(i, j + 1) || (i < p.length && go(i + 1, j));
    else if (j < v.length && v[j].kind === 'seg') result = go(i, j + 1) || (i < p.length && eatable(p[i]) && go(i + 1, j));
    else if (i < p.length && p[i].kind === 'seg') result = go(i + 1, j) || (j < v.length && eatable(v[j]) && go(i, j + 1));
    else if (i < p.length && j < v.length) {
      const a = p[i];
      const b = v[j];
      const ok = a.kind === 'one' || b.kind === 'one' || (a.kind === 'char' && b.kind === 'char' && same(a.ch, b.ch));
      result = ok && go(i + 1, j + 1);
    }
    memo.set(key, result);
    return result;
  };
  return go(0, 0);
}

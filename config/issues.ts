/**
 * The unit of configuration feedback, shared by every validation module (kept apart from
 * them so that they need not import each other), and how values are quoted in messages.
 */
export interface ConfigIssue {
  /** Dotted path of the offending key, e.g. `environments.prod.network.cidr`. */
  readonly path: string;
  readonly message: string;
}

/** Longest part of a value (or a key) echoed in a message; a pasted blob stays readable. */
const QUOTE_MAX = 60;

/** A value quoted for a message: JSON text, cut after 60 characters with the full length noted. */
export function quote(value: unknown): string {
  const text = typeof value === 'string' ? value : String(JSON.stringify(value));
  if (text.length <= QUOTE_MAX) return typeof value === 'string' ? JSON.stringify(text) : text;
  return `${JSON.stringify(text.slice(0, QUOTE_MAX))}... (${text.length} characters)`;
}

/** A key path with any over-long segment cut, as {@link quote} cuts values. */
export function shortenPath(path: string): string {
  return path
    .split('.')
    .map((segment) => (segment.length <= QUOTE_MAX ? segment : `${segment.slice(0, QUOTE_MAX)}...(${segment.length} characters)`))
    .join('.');
}

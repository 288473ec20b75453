/**
 * The account a synthesized stack deploys into, read from its AWS provider
 * (`allowed_account_ids`, from `environments.<env>.account` or `state.account`), and how
 * reports show it.
 */

/** The account the stack's (first) AWS provider is pinned to; undefined when it is not. */
export function pinnedAccountOf(provider: unknown): string | undefined {
  const aws = (provider as { aws?: unknown } | undefined)?.aws;
  const first: unknown = Array.isArray(aws) ? aws[0] : aws;
  const ids = (first as { allowed_account_ids?: unknown } | undefined)?.allowed_account_ids;
  return Array.isArray(ids) && typeof ids[0] === 'string' ? ids[0] : undefined;
}

/** `account 111122223333`, or `account any (not pinned)`. */
export function accountLabel(account: string | undefined): string {
  return `account ${account ?? 'any (not pinned)'}`;
}

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

/**
 * What to tell a user whose plan or apply of a pinned stack failed. Terraform's own error
 * for credentials of the wrong account names only theirs ("AWS account ID not allowed:
 * <id>"); this names the stack's environment, the configuration key and the account it
 * expects. (A `check` block on `aws_caller_identity` cannot say it instead: the provider
 * refuses to configure itself before any data source is read.)
 */
export function pinnedAccountHint(stack: string, provider: unknown): string | undefined {
  const account = pinnedAccountOf(provider);
  if (!account) return undefined;
  const aws = (provider as { aws?: Array<{ default_tags?: Array<{ tags?: Record<string, string> }> }> }).aws;
  const environment = aws?.[0]?.default_tags?.[0]?.tags?.Environment;
  const key = environment ? `environments.${environment}.account` : 'state.account';
  const owner = environment ? `environment ${environment}` : 'the state bucket';
  return (
    `${stack} deploys into account ${account} (${key}, ${owner}). If Terraform said "AWS account ID not allowed: <id>", ` +
    `the credentials (or the role they assumed) are in account <id>: use credentials of ${account}` +
    (environment ? `, or set environments.${environment}.deployRoleArn to a role in it.` : '.')
  );
}

/**
 * Rules about AWS accounts: the deploy role belongs to the environment's account and
 * partition, an external id needs a role, two environments cannot claim the same network in
 * the same account and region, and (without `state.account`) the state roles share one account.
 */
import { parseRoleArn, partitionOf } from './account-schema';
import type { ParsedConfig, ParsedEnvironment } from './schema';
import type { ConfigIssue } from './issues';

/** How the AWS provider of an environment's stacks reaches its account. */
export interface ResolvedAccountAccess {
  /** The account every provider is pinned to; undefined: not pinned. */
  readonly account?: string;
  /** The role every provider assumes, in `account`. */
  readonly deployRole?: { readonly arn: string; readonly externalId?: string };
}

export function resolveAccountAccess(env: ParsedEnvironment, path: string, issues: ConfigIssue[]): ResolvedAccountAccess {
  if (env.deployRoleExternalId !== undefined && env.deployRoleArn === undefined) {
    issues.push({ path: `${path}.deployRoleExternalId`, message: `is only used to assume ${path}.deployRoleArn, which is not set` });
  }
  if (env.deployRoleArn === undefined) return { account: env.account };
  const role = parseRoleArn(env.deployRoleArn);
  if (!role) return { account: env.account }; // the schema has reported it
  if (env.account === undefined) {
    issues.push({
      path: `${path}.deployRoleArn`,
      message: `needs ${path}.account, the account the environment deploys into (the role is in ${role.account}; set account: "${role.account}" if that is the one)`,
    });
  } else if (role.account !== env.account) {
    issues.push({
      path: `${path}.deployRoleArn`,
      message: `is in account ${role.account}, but ${path}.account is ${env.account}; the deploy role must be in the account the environment deploys into`,
    });
  }
  const partition = partitionOf(env.region);
  if (role.partition !== partition) {
    issues.push({ path: `${path}.deployRoleArn`, message: `is in partition ${role.partition}, but region ${env.region} is in ${partition} (arn:${partition}:iam::...)` });
  }
  return { account: env.account, deployRole: { arn: env.deployRoleArn, externalId: env.deployRoleExternalId } };
}

/**
 * Two environments in the same account and region with the same VPC CIDR are almost always
 * a copied block whose `account` was not changed: one of them would deploy where the other is.
 */
export function checkAccountCollisions(parsed: ParsedConfig, issues: ConfigIssue[]): void {
  const seen = new Map<string, string>();
  for (const [name, env] of Object.entries(parsed.environments)) {
    if (env.account === undefined) continue;
    const key = JSON.stringify([env.account, env.region, env.network.cidr]);
    const first = seen.get(key);
    if (first === undefined) {
      seen.set(key, name);
    } else {
      issues.push({
        path: `environments.${name}.network.cidr`,
        message: `${env.network.cidr} in account ${env.account} (${env.region}) is already environments.${first}'s network: give environments.${name} its own account (environments.${name}.account) or another CIDR`,
      });
    }
  }
}

/**
 * Without `state.account` the state roles must share one account, the bucket's: the bucket
 * policy grants no other account, and the backends name the state key by an alias, which
 * KMS resolves in the caller's account. With it, the bootstrap grants each role its
 * environment's keys by name, from any account.
 */
export function checkStateRoleAccounts(parsed: ParsedConfig, issues: ConfigIssue[]): void {
  if (parsed.state.account !== undefined) return;
  const roleAccounts: { env: string; account: string }[] = [];
  for (const [name, env] of Object.entries(parsed.environments)) {
    const account = env.stateRoleArn?.split(':')[4];
    if (account) roleAccounts.push({ env: name, account });
  }
  const first = roleAccounts[0];
  for (const other of roleAccounts.slice(1)) {
    if (other.account !== first.account) {
      issues.push({
        path: `environments.${other.env}.stateRoleArn`,
        message: `is in account ${other.account}, but environments.${first.env}.stateRoleArn is in ${first.account}; the state bucket lives in one account and every backend role must be in it (or set state.account to grant roles in other accounts)`,
      });
    }
  }
}

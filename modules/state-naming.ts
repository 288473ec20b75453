/**
 * Names shared by the state bootstrap (`terraform-state/`) and the S3 backend of every
 * other stack, so both sides derive them from the same configuration values.
 */
import { partitionOf } from '../config/account-schema';

/** Name of the bootstrap stack that creates the state bucket (one per configuration). */
export const STATE_STACK_NAME = 'terraform-state';

/** Folder, relative to the repository root, holding the bootstrap's local state before migration. */
export const LOCAL_STATE_DIR = 'terraform-state';

/** File name of the bootstrap's local state inside {@link LOCAL_STATE_DIR} (gitignored). */
export const LOCAL_STATE_FILE = 'terraform.tfstate';

/** Prefix of the keys of stacks that belong to no environment (the bootstrap). */
export const GLOBAL_STATE_PREFIX = 'global';

/**
 * The object key of a stack's state: `<env>/<stack>.tfstate`, or `global/<stack>.tfstate`
 * for account-wide stacks. Unique per stack because stack names are unique in the app.
 */
export function stateKey(environment: string | undefined, stack: string): string {
  return `${environment ?? GLOBAL_STATE_PREFIX}/${stack}.tfstate`;
}

/**
 * The KMS alias of the state key: `alias/terraform-state/<bucket>`, with the dots a bucket
 * name may contain replaced (alias names allow only letters, digits, `/`, `_` and `-`).
 * The backends name the key by this alias because its ARN is unknown until the bootstrap
 * has run; S3 resolves an alias in the requester's account (the bucket's account, or the
 * state role's).
 */
export function stateKmsAlias(bucket: string): string {
  return `alias/terraform-state/${bucket.replace(/\./g, '-')}`;
}

/** What the backend needs to know about the state bucket to name its key and prefixes. */
export interface StateLocation {
  readonly bucket: string;
  readonly region: string;
  /** The bucket's account, when the configuration pins it (`state.account`). */
  readonly account?: string;
}

/**
 * The state key as the backends name it: the alias name, which S3 resolves in the caller's
 * account (the bucket's), or, with `state.account`, the alias ARN in the bucket's account, so
 * a state role in an environment's account still encrypts with the bootstrap's key.
 */
export function stateKmsKeyId(state: StateLocation): string {
  const alias = stateKmsAlias(state.bucket);
  return state.account ? `arn:${partitionOf(state.region)}:kms:${state.region}:${state.account}:${alias}` : alias;
}

/**
 * Where the backend keeps non-default workspaces. Terraform lists this prefix on every
 * init and plan; with per-environment grants (`state.account`) the bucket policy lets a
 * state role list only `<env>/`, so the prefix must be inside it. @default `env:` (Terraform's)
 */
export function stateWorkspaceKeyPrefix(state: StateLocation, environment: string | undefined): string | undefined {
  return state.account && environment ? `${environment}/workspaces` : undefined;
}

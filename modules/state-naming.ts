/**
 * Names shared by the state bootstrap (`terraform-state/`) and the S3 backend of every
 * other stack, so both sides derive them from the same configuration values.
 */

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

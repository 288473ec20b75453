/**
 * `terraform-state`: the bootstrap stack that creates the S3 bucket (and optional DynamoDB
 * lock table) every other stack keeps its state in. One per configuration: the
 * configuration names one bucket (`state.bucket` in `state.region`), not one per environment.
 *
 * The bucket cannot hold the state of the stack that creates it before it exists, so the
 * bootstrap starts with a local backend whose state file is `terraform-state/terraform.tfstate`
 * (gitignored), and moves into the bucket once it is there (docs/remote-state.md):
 *
 *   1. `state.bootstrapBackend: local` (the default): apply this stack once, locally;
 *   2. set `state.bootstrapBackend: s3`, then `npm run state:migrate`.
 */
import * as path from 'node:path';
import { Construct } from 'constructs';
import { App, LocalBackend, TerraformOutput } from 'cdktf';
import { IamPolicy } from '@cdktf/provider-aws/lib/iam-policy';
import type { ResolvedConfig } from '../config/validate';
import { ServerAccessLogs } from '../modules/access-log-bucket';
import { accountIdOf, policyDocument } from '../modules/iam-policy';
import { partitionOf } from '../config/account-schema';
import { stateAccessBucketStatements, stateAccessKeyStatements, StateAccessProps } from '../modules/state-access-policy';
import { stateBackendStatements } from '../modules/state-backend-policy';
import { StateBucket } from '../modules/state-bucket';
import { StateLockTable } from '../modules/state-lock-table';
import { LOCAL_STATE_DIR, LOCAL_STATE_FILE, STATE_STACK_NAME, stateKmsAlias } from '../modules/state-naming';
import { BaseStack } from '../stacks/base-stack';

/** The bootstrap's local state file (before migration), absolute. */
export const LOCAL_STATE_PATH = path.resolve(__dirname, '..', LOCAL_STATE_DIR, LOCAL_STATE_FILE);

/**
 * The local backend's `path`, relative to the synthesized stack folder
 * (`<outdir>/stacks/terraform-state`, where `terraform` and `cdktf deploy` run), so the
 * synthesized JSON holds no machine-specific absolute path for the default `cdktf.out`.
 */
export function localStatePathFrom(outdir: string, stateFile: string = LOCAL_STATE_PATH): string {
  const stackDir = path.resolve(outdir, 'stacks', STATE_STACK_NAME);
  return path.relative(stackDir, stateFile).split(path.sep).join('/');
}

export interface StateStackProps {
  readonly config: ResolvedConfig;
}

export class StateStack extends BaseStack {
  readonly stateBucket: StateBucket;
  readonly lockTable?: StateLockTable;
  readonly accessPolicy: IamPolicy;
  /** Server access logging of the state bucket (`state.accessLogs`). */
  readonly accessLogs?: ServerAccessLogs;

  constructor(scope: Construct, props: StateStackProps) {
    const { config } = props;
    const state = config.state;
    super(scope, STATE_STACK_NAME, {
      config,
      region: state.region,
      remoteState: state.bootstrapBackend === 's3',
      access: { account: state.account },
    });
    if (state.bootstrapBackend === 'local') {
      new LocalBackend(this, { path: localStatePathFrom(App.of(this).outdir) });
    }

    this.stateBucket = new StateBucket(this, 'state', {
      bucketName: state.bucket,
      encryption: state.encryption,
      kmsAlias: state.encryption === 'kms' ? stateKmsAlias(state.bucket) : undefined,
      noncurrentVersionDays: state.noncurrentVersionDays,
      ...crossAccountPolicies(config),
      // Used in the key policy the bucket makes when crossAccountPolicies gives none.
      keyUserRoleArns: config.environments.flatMap((e) => (e.stateRoleArn ? [e.stateRoleArn] : [])),
    });
    if (state.lockTable) {
      this.lockTable = new StateLockTable(this, 'lock', { name: state.lockTable });
    }

    const bucket = this.stateBucket.bucket;
    const kmsKeyArn = this.stateBucket.kmsKey?.arn;
    const lockTableName = this.lockTable?.table.name;

    this.accessPolicy = new IamPolicy(this, 'backend-access', {
      name: `${config.project}-terraform-state-backend`,
      description: `What Terraform's S3 backend needs on s3://${state.bucket}: attach it to CI and Atlantis roles`,
      policy: policyDocument(...stateBackendStatements({ bucketArn: bucket.arn, kmsKeyArn, lockTableArn: this.lockTable?.table.arn })),
    });

    if (state.accessLogging) {
      this.accessLogs = new ServerAccessLogs(this, 'state-access-logs', {
        logBucketName: state.accessLogging.bucket,
        sourceBucket: { id: bucket.id, arn: bucket.arn },
        // state.account, else the account id from an ARN the stack has (no aws_caller_identity look-up offline).
        accountId: state.account ?? accountIdOf(this, this.accessPolicy.arn),
        expirationDays: state.accessLogging.expirationDays,
        preventDestroy: true,
      });
    }

    const backendHcl = [
      '# -backend-config file for plain Terraform, CI and Atlantis (docs/remote-state.md).',
      '# Each stack sets its own key, "<env>/<stack>.tfstate"; keep bucket and region as synthesized.',
      `bucket       = "${bucket.bucket}"`,
      `region       = "${state.region}"`,
      'encrypt      = true',
      'use_lockfile = true',
      ...(kmsKeyArn ? [`kms_key_id   = "${kmsKeyArn}"`] : []),
      ...(lockTableName ? [`dynamodb_table = "${lockTableName}"`] : []),
      '',
    ].join('\n');

    const outputs: Record<string, { value: string; description: string }> = {
      state_bucket_name: { value: bucket.bucket, description: 'Name of the state bucket' },
      state_bucket_arn: { value: bucket.arn, description: 'ARN of the state bucket' },
      kms_key_arn: { value: kmsKeyArn ?? '', description: 'ARN of the KMS key encrypting state (empty with state.encryption "s3")' },
      lock_table_name: { value: lockTableName ?? '', description: 'DynamoDB lock table (empty without state.lockTable)' },
      backend_access_policy_arn: { value: this.accessPolicy.arn, description: 'Managed policy with the permissions the S3 backend needs' },
      access_log_bucket_name: { value: this.accessLogs?.logBucket.bucket.bucket ?? '', description: 'Bucket receiving the state bucket\'s server access logs (empty with state.accessLogs.enabled false)' },
      backend_hcl: { value: backendHcl, description: 'A backend.hcl for `terraform init -backend-config=backend.hcl`' },
    };
    for (const [id, output] of Object.entries(outputs)) new TerraformOutput(this, id, output);
  }
}

/**
 * With `state.account`: the bucket policy grants each environment's state role its own keys,
 * and the key policy names the account and the roles (state-access-policy.ts).
 */
function crossAccountPolicies(config: ResolvedConfig): { policyStatements?: ReturnType<typeof stateAccessBucketStatements>; kmsKeyPolicy?: string } {
  const state = config.state;
  if (!state.account) return {};
  const access: StateAccessProps = {
    bucketName: state.bucket,
    partition: partitionOf(state.region),
    region: state.region,
    account: state.account,
    grants: config.environments.filter((e) => e.stateRoleArn).map((e) => ({ environment: e.name, roleArn: e.stateRoleArn! })),
  };
  return {
    policyStatements: stateAccessBucketStatements(access),
    kmsKeyPolicy: state.encryption === 'kms' ? policyDocument(...stateAccessKeyStatements(access)) : undefined,
  };
}

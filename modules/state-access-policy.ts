/**
 * Cross-account access to the state bucket (`state.account`): each environment's state role
 * (`environments.<env>.stateRoleArn`), in whatever account, reaches its own environment's
 * state keys and nothing else. Kept apart from the bucket's own controls (state-bucket.ts)
 * so the per-environment grants read as one unit.
 *
 * The bucket policy carries the boundary (S3 authorizes the object key before KMS is
 * asked). The key policy only lets the roles use the key through S3 for this bucket: with S3
 * Bucket Keys on, the encryption context S3 sends is the bucket ARN, not the object's, so
 * KMS cannot tell one environment's objects from another's.
 */
import type { PolicyStatement } from './iam-policy';

export interface StateRoleGrant {
  /** The environment: its keys are `<environment>/...`. */
  readonly environment: string;
  /** The role its backends assume (`environments.<env>.stateRoleArn`). */
  readonly roleArn: string;
}

export interface StateAccessProps {
  /** Name of the state bucket. */
  readonly bucketName: string;
  /** Partition of the bucket's region (`aws`, `aws-cn`, `aws-us-gov`). */
  readonly partition: string;
  /** Region of the bucket (the KMS key is used through S3 there). */
  readonly region: string;
  /** The account of the bucket and the key (`state.account`): it administers the key. */
  readonly account: string;
  /** One grant per environment with a state role. */
  readonly grants: readonly StateRoleGrant[];
}

/** Object actions a backend uses (state: get, put; lock files: get, put, delete). */
const OBJECT_ACTIONS = ['s3:GetObject', 's3:PutObject', 's3:DeleteObject'];

/** A Sid-safe form of an environment name (Sids allow letters and digits only). */
function sidOf(environment: string): string {
  return environment
    .split('-')
    .map((part) => part.charAt(0).toUpperCase() + part.slice(1))
    .join('');
}

/**
 * Bucket policy statements, per environment with a state role:
 *  - allow listing the bucket only under `<env>/` (the backend lists its workspace prefix,
 *    `<env>/workspaces/`, see stateWorkspaceKeyPrefix),
 *  - allow reading and writing `<env>/*.tfstate`, and reading, writing and deleting the lock
 *    files `<env>/*.tfstate.tflock`,
 *  - deny the role every object action outside `<env>/`, so an identity policy in the
 *    bucket's account (the published backend policy covers every `*.tfstate`) cannot widen it.
 *    Listing has no such deny: S3 consults ListBucket to answer 404 rather than 403 for a
 *    missing key (a new stack's first plan), where the request has no prefix to match.
 */
export function stateAccessBucketStatements(props: StateAccessProps): PolicyStatement[] {
  const bucketArn = `arn:${props.partition}:s3:::${props.bucketName}`;
  return props.grants.flatMap(({ environment, roleArn }) => {
    const sid = sidOf(environment);
    const principal = { AWS: roleArn };
    const prefix = `${environment}/`;
    return [
      { Sid: `${sid}StateList`, Effect: 'Allow', Principal: principal, Action: 's3:ListBucket', Resource: bucketArn, Condition: { StringLike: { 's3:prefix': `${prefix}*` } } },
      { Sid: `${sid}StateReadWrite`, Effect: 'Allow', Principal: principal, Action: ['s3:GetObject', 's3:PutObject'], Resource: `${bucketArn}/${prefix}*.tfstate` },
      { Sid: `${sid}StateLockFiles`, Effect: 'Allow', Principal: principal, Action: OBJECT_ACTIONS, Resource: `${bucketArn}/${prefix}*.tfstate.tflock` },
      { Sid: `${sid}StateOnlyOwnKeys`, Effect: 'Deny', Principal: principal, Action: OBJECT_ACTIONS, NotResource: `${bucketArn}/${prefix}*` },
    ] satisfies PolicyStatement[];
  });
}

/**
 * The state key's policy: the bucket's account administers and uses the key (as the default
 * key policy lets it, through IAM), and each state role may Encrypt, Decrypt and
 * GenerateDataKey through S3 in the bucket's region, for this bucket only.
 */
export function stateAccessKeyStatements(props: StateAccessProps): PolicyStatement[] {
  const roles = props.grants.map((g) => g.roleArn);
  return [
    {
      Sid: 'AccountAdministersKey',
      Effect: 'Allow',
      Principal: { AWS: `arn:${props.partition}:iam::${props.account}:root` },
      // Named actions (no "kms:*"): every administrative and usage action the default key policy covers.
      Action: [
        'kms:Create*', 'kms:Describe*', 'kms:Enable*', 'kms:List*', 'kms:Put*', 'kms:Update*', 'kms:Revoke*', 'kms:Disable*', 'kms:Get*', 'kms:Delete*',
        'kms:TagResource', 'kms:UntagResource', 'kms:ScheduleKeyDeletion', 'kms:CancelKeyDeletion', 'kms:RotateKeyOnDemand',
        'kms:Encrypt', 'kms:Decrypt', 'kms:ReEncrypt*', 'kms:GenerateDataKey*',
      ],
      Resource: '*',
    },
    ...(roles.length === 0
      ? []
      : [
          {
            Sid: 'StateRolesUseKeyThroughS3',
            Effect: 'Allow',
            Principal: { AWS: roles },
            Action: ['kms:Encrypt', 'kms:Decrypt', 'kms:GenerateDataKey'],
            Resource: '*',
            Condition: {
              StringEquals: {
                'kms:ViaService': `s3.${props.region}.amazonaws.com`,
                'kms:EncryptionContext:aws:s3:arn': `arn:${props.partition}:s3:::${props.bucketName}`,
              },
            },
          } satisfies PolicyStatement,
        ]),
  ];
}

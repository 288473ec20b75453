import { Construct } from 'constructs';
import { KmsAlias } from '@cdktf/provider-aws/lib/kms-alias';
import { KmsKey } from '@cdktf/provider-aws/lib/kms-key';
import type { KmsKeyPolicy } from '@cdktf/provider-aws/lib/kms-key-policy';
import type { S3Bucket } from '@cdktf/provider-aws/lib/s3-bucket';
import type { S3BucketLifecycleConfiguration } from '@cdktf/provider-aws/lib/s3-bucket-lifecycle-configuration';
import type { S3BucketOwnershipControls } from '@cdktf/provider-aws/lib/s3-bucket-ownership-controls';
import type { S3BucketPolicy } from '@cdktf/provider-aws/lib/s3-bucket-policy';
import type { S3BucketPublicAccessBlock } from '@cdktf/provider-aws/lib/s3-bucket-public-access-block';
import type { S3BucketServerSideEncryptionConfigurationA } from '@cdktf/provider-aws/lib/s3-bucket-server-side-encryption-configuration';
import type { S3BucketVersioningA } from '@cdktf/provider-aws/lib/s3-bucket-versioning';
import type { PolicyStatement } from './iam-policy';
import { ExplicitKeyPolicy } from './kms-key-policy';
import { SecureBucket } from './secure-bucket';

export interface StateBucketProps {
  /** Name of the bucket. */
  readonly bucketName: string;
  /**
   * Default encryption: `kms` creates a customer managed key (rotation on) and uses SSE-KMS
   * with an S3 Bucket Key; `s3` uses SSE-S3 (AES256).
   * @default 'kms'
   */
  readonly encryption?: 'kms' | 's3';
  /** Alias of the created KMS key (with `encryption: 'kms'`), e.g. `alias/terraform-state/<bucket>`. */
  readonly kmsAlias?: string;
  /**
   * Days a noncurrent (overwritten or deleted) state version is kept before it expires.
   * @default 90
   */
  readonly noncurrentVersionDays?: number;
  /**
   * Days before an incomplete multipart upload is aborted.
   * @default 7
   */
  readonly abortIncompleteUploadDays?: number;
  /**
   * Statements added to the bucket policy after the TLS denies (cross-account state grants).
   * @default - none: access is delegated to IAM in the bucket's account
   */
  readonly policyStatements?: PolicyStatement[];
  /**
   * The key policy of the KMS key (with `encryption: 'kms'`), as JSON.
   * @default - the default key policy: the key's account may delegate use through IAM
   */
  readonly kmsKeyPolicy?: string;
  /**
   * Without `kmsKeyPolicy`: roles the S3 backend assumes (`stateRoleArn`), named in the
   * explicit key policy the bucket then gets, so they may use the key. Each must exist when
   * the policy is applied (KMS refuses unknown principals).
   * @default []
   */
  readonly keyUserRoleArns?: readonly string[];
}

/** Days a scheduled key deletion waits (the maximum KMS allows), so a mistake can be undone. */
export const STATE_KEY_DELETION_WINDOW_DAYS = 30;

/**
 * The Terraform state bucket: a SecureBucket (public access blocked, BucketOwnerEnforced,
 * TLS-only policy, default encryption) with every further control the Terraform S3 backend docs and Security Hub list:
 *  - versioning (S3.14): every state write is recoverable,
 *  - default encryption: SSE-KMS with a key created here (rotation on), or SSE-S3,
 *  - all four public-access blocks (S3.8) and `BucketOwnerEnforced`, so ACLs are off (S3.12),
 *  - a bucket policy denying requests without TLS (S3.5) and TLS older than 1.2,
 *  - a lifecycle rule expiring noncurrent versions, cleaning expired delete markers and
 *    aborting incomplete multipart uploads,
 *  - `prevent_destroy` on the bucket and the key, and no `force_destroy`: Terraform refuses
 *    to plan their destruction, and a non-empty bucket cannot be deleted by Terraform.
 *
 * The key always has an explicit key policy (Checkov CKV2_AWS_64): `kmsKeyPolicy` when given
 * (it names the account, `state.account`); otherwise one where the account administers the
 * key and delegates use through IAM, as the default policy does, and `keyUserRoleArns` may use
 * it. That one is a separate resource whose account id comes from the key's ARN, so no
 * `aws_caller_identity` look-up (which needs AWS at plan time) is needed.
 */
export class StateBucket extends Construct {
  readonly bucket: S3Bucket;
  readonly kmsKey?: KmsKey;
  readonly kmsAlias?: KmsAlias;
  /** The separate key policy resource (without `kmsKeyPolicy`, which is set inline on the key). */
  readonly kmsKeyPolicy?: KmsKeyPolicy;
  readonly versioning: S3BucketVersioningA;
  readonly encryption: S3BucketServerSideEncryptionConfigurationA;
  readonly publicAccessBlock: S3BucketPublicAccessBlock;
  readonly ownershipControls: S3BucketOwnershipControls;
  readonly policy: S3BucketPolicy;
  readonly lifecycle: S3BucketLifecycleConfiguration;

  constructor(scope: Construct, id: string, props: StateBucketProps) {
    super(scope, id);
    const encryption = props.encryption ?? 'kms';

    if (encryption === 'kms') {
      if (!props.kmsAlias) throw new Error('StateBucket: kmsAlias is required with encryption "kms"');
      this.kmsKey = new KmsKey(this, 'key', {
        description: `Encrypts the Terraform state in s3://${props.bucketName}`,
        enableKeyRotation: true,
        deletionWindowInDays: STATE_KEY_DELETION_WINDOW_DAYS,
        policy: props.kmsKeyPolicy,
        lifecycle: { preventDestroy: true },
      });
      this.kmsAlias = new KmsAlias(this, 'key-alias', { name: props.kmsAlias, targetKeyId: this.kmsKey.keyId });
      const roles = [...new Set(props.keyUserRoleArns ?? [])].sort();
      // Two sources of one key policy would fight: the inline one wins when given.
      if (!props.kmsKeyPolicy) this.kmsKeyPolicy = new ExplicitKeyPolicy(this, 'key-policy', {
        key: this.kmsKey,
        statements: () =>
          roles.length === 0
            ? []
            : [
                {
                  Sid: 'BackendRolesUseTheKey',
                  Effect: 'Allow',
                  Principal: { AWS: roles },
                  Action: ['kms:Encrypt', 'kms:Decrypt', 'kms:GenerateDataKey', 'kms:DescribeKey'],
                  Resource: '*',
                },
              ],
      }).policy;
    }

    const secure = new SecureBucket(this, 'bucket', {
      bucketName: props.bucketName,
      kmsKeyArn: this.kmsKey?.arn,
      versioned: true,
      preventDestroy: true,
      abortIncompleteUploadDays: props.abortIncompleteUploadDays,
      policyStatements: props.policyStatements ? () => props.policyStatements! : undefined,
      lifecycleRules: [
        {
          id: 'expire-noncurrent-state-versions',
          status: 'Enabled',
          filter: [{ prefix: '' }],
          noncurrentVersionExpiration: [{ noncurrentDays: props.noncurrentVersionDays ?? 90 }],
          expiration: [{ expiredObjectDeleteMarker: true }],
        },
      ],
    });
    this.bucket = secure.bucket;
    this.versioning = secure.versioning!;
    this.encryption = secure.encryption;
    this.publicAccessBlock = secure.publicAccessBlock;
    this.ownershipControls = secure.ownershipControls;
    this.policy = secure.policy;
    this.lifecycle = secure.lifecycle;
  }
}

import { Construct } from 'constructs';
import { KmsAlias } from '@cdktf/provider-aws/lib/kms-alias';
import { KmsKey } from '@cdktf/provider-aws/lib/kms-key';
import { S3Bucket } from '@cdktf/provider-aws/lib/s3-bucket';
import { S3BucketLifecycleConfiguration } from '@cdktf/provider-aws/lib/s3-bucket-lifecycle-configuration';
import { S3BucketOwnershipControls } from '@cdktf/provider-aws/lib/s3-bucket-ownership-controls';
import { S3BucketPolicy } from '@cdktf/provider-aws/lib/s3-bucket-policy';
import { S3BucketPublicAccessBlock } from '@cdktf/provider-aws/lib/s3-bucket-public-access-block';
import { S3BucketServerSideEncryptionConfigurationA } from '@cdktf/provider-aws/lib/s3-bucket-server-side-encryption-configuration';
import { S3BucketVersioningA } from '@cdktf/provider-aws/lib/s3-bucket-versioning';
import { policyDocument } from './iam-policy';

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
}

/** Days a scheduled key deletion waits (the maximum KMS allows), so a mistake can be undone. */
export const STATE_KEY_DELETION_WINDOW_DAYS = 30;

/**
 * The Terraform state bucket, with every control REFERENCE §4/§7 lists for it:
 *  - versioning (S3.14): every state write is recoverable,
 *  - default encryption: SSE-KMS with a key created here (rotation on), or SSE-S3,
 *  - all four public-access blocks (S3.8) and `BucketOwnerEnforced`, so ACLs are off (S3.12),
 *  - a bucket policy denying requests without TLS (S3.5) and TLS older than 1.2,
 *  - a lifecycle rule expiring noncurrent versions, cleaning expired delete markers and
 *    aborting incomplete multipart uploads,
 *  - `prevent_destroy` on the bucket and the key, and no `force_destroy`: Terraform refuses
 *    to plan their destruction, and a non-empty bucket cannot be deleted by Terraform.
 *
 * The key keeps the default key policy (the account may delegate use through IAM): naming
 * the account would need an `aws_caller_identity` lookup, which needs AWS at plan time.
 */
export class StateBucket extends Construct {
  readonly bucket: S3Bucket;
  readonly kmsKey?: KmsKey;
  readonly kmsAlias?: KmsAlias;
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
        lifecycle: { preventDestroy: true },
      });
      this.kmsAlias = new KmsAlias(this, 'key-alias', { name: props.kmsAlias, targetKeyId: this.kmsKey.keyId });
    }

    this.bucket = new S3Bucket(this, 'bucket', {
      bucket: props.bucketName,
      forceDestroy: false,
      lifecycle: { preventDestroy: true },
    });
    const bucket = this.bucket.id;

    this.versioning = new S3BucketVersioningA(this, 'versioning', {
      bucket,
      versioningConfiguration: { status: 'Enabled' },
    });

    this.encryption = new S3BucketServerSideEncryptionConfigurationA(this, 'encryption', {
      bucket,
      rule: [
        this.kmsKey
          ? { applyServerSideEncryptionByDefault: { sseAlgorithm: 'aws:kms', kmsMasterKeyId: this.kmsKey.arn }, bucketKeyEnabled: true }
          : { applyServerSideEncryptionByDefault: { sseAlgorithm: 'AES256' } },
      ],
    });

    this.publicAccessBlock = new S3BucketPublicAccessBlock(this, 'public-access-block', {
      bucket,
      blockPublicAcls: true,
      blockPublicPolicy: true,
      ignorePublicAcls: true,
      restrictPublicBuckets: true,
    });

    this.ownershipControls = new S3BucketOwnershipControls(this, 'ownership', {
      bucket,
      rule: { objectOwnership: 'BucketOwnerEnforced' },
    });

    const objects = [this.bucket.arn, `${this.bucket.arn}/*`];
    this.policy = new S3BucketPolicy(this, 'policy', {
      bucket,
      policy: policyDocument(
        {
          Sid: 'DenyInsecureTransport',
          Effect: 'Deny',
          Principal: '*',
          Action: 's3:*',
          Resource: objects,
          Condition: { Bool: { 'aws:SecureTransport': 'false' } },
        },
        {
          Sid: 'DenyOutdatedTls',
          Effect: 'Deny',
          Principal: '*',
          Action: 's3:*',
          Resource: objects,
          Condition: { NumericLessThan: { 's3:TlsVersion': '1.2' } },
        },
      ),
      // With the public-access block in place first, no policy is ever evaluated without it.
      dependsOn: [this.publicAccessBlock],
    });

    this.lifecycle = new S3BucketLifecycleConfiguration(this, 'lifecycle', {
      bucket,
      rule: [
        {
          id: 'expire-noncurrent-state-versions',
          status: 'Enabled',
          filter: [{ prefix: '' }],
          noncurrentVersionExpiration: [{ noncurrentDays: props.noncurrentVersionDays ?? 90 }],
          expiration: [{ expiredObjectDeleteMarker: true }],
          abortIncompleteMultipartUpload: [{ daysAfterInitiation: props.abortIncompleteUploadDays ?? 7 }],
        },
      ],
      // Lifecycle rules on noncurrent versions need versioning enabled first.
      dependsOn: [this.versioning],
    });
  }
}

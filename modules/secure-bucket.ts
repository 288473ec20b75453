import { Construct } from 'constructs';
import { S3Bucket } from '@cdktf/provider-aws/lib/s3-bucket';
import { S3BucketLifecycleConfiguration, S3BucketLifecycleConfigurationRule } from '@cdktf/provider-aws/lib/s3-bucket-lifecycle-configuration';
import { S3BucketOwnershipControls } from '@cdktf/provider-aws/lib/s3-bucket-ownership-controls';
import { S3BucketPolicy } from '@cdktf/provider-aws/lib/s3-bucket-policy';
import { S3BucketPublicAccessBlock } from '@cdktf/provider-aws/lib/s3-bucket-public-access-block';
import { S3BucketServerSideEncryptionConfigurationA } from '@cdktf/provider-aws/lib/s3-bucket-server-side-encryption-configuration';
import { S3BucketVersioningA } from '@cdktf/provider-aws/lib/s3-bucket-versioning';
import { policyDocument, PolicyStatement } from './iam-policy';

export interface SecureBucketProps {
  /** The bucket name. */
  readonly bucketName: string;
  /**
   * Default encryption: a KMS key ARN for SSE-KMS, or undefined for SSE-S3 (AES256).
   * @default SSE-S3
   */
  readonly kmsKeyArn?: string;
  /**
   * Keep every version of every object (Security Hub S3.14).
   * @default false
   */
  readonly versioned?: boolean;
  /**
   * Statements added to the bucket policy after the TLS-only deny. `BUCKET_ARN` is
   * available as `bucket.arn` on the construct after creation, so callers build them with a function.
   * @default none
   */
  readonly policyStatements?: (bucketArn: string) => PolicyStatement[];
  /**
   * Lifecycle rules. Every bucket gets `abort-incomplete-uploads` in addition.
   * @default []
   */
  readonly lifecycleRules?: S3BucketLifecycleConfigurationRule[];
  /**
   * Days before an incomplete multipart upload is aborted.
   * @default 7
   */
  readonly abortIncompleteUploadDays?: number;
  /**
   * Terraform refuses to plan the bucket's destruction (`prevent_destroy`).
   * @default false
   */
  readonly preventDestroy?: boolean;
  /**
   * Object ownership. `BucketOwnerPreferred` enables ACLs, only for a log bucket whose writer
   * delivers with ACLs (CloudFront standard logging); the public access block still refuses
   * any public ACL.
   * @default 'BucketOwnerEnforced' (ACLs off, S3.12)
   */
  readonly objectOwnership?: 'BucketOwnerEnforced' | 'BucketOwnerPreferred';
}

/** Days a replaced or expired log object is kept as a noncurrent version of a versioned log bucket. */
export const NONCURRENT_LOG_DAYS = 30;

/**
 * The lifecycle rule of a versioned log bucket: objects expire after `days`, and the
 * noncurrent versions that expiry (or an overwrite) leaves behind after NONCURRENT_LOG_DAYS,
 * so versioning (S3.14) does not keep logs forever.
 */
export function expiringLogsRule(days: number): S3BucketLifecycleConfigurationRule {
  return { id: 'expire-access-logs', status: 'Enabled', filter: [{ prefix: '' }], expiration: [{ days }], noncurrentVersionExpiration: [{ noncurrentDays: NONCURRENT_LOG_DAYS }] };
}

/**
 * An S3 bucket with the controls scanners expect (Security Hub S3.5/S3.8/S3.12/S3.14): all four public-access
 * blocks (S3.8), `BucketOwnerEnforced` ownership, so ACLs are off (S3.12; unless a log
 * delivery needs them, `objectOwnership`), default
 * encryption, a policy denying requests without TLS (S3.5) or with TLS older than 1.2, and
 * no `force_destroy`.
 */
export class SecureBucket extends Construct {
  readonly bucket: S3Bucket;
  readonly publicAccessBlock: S3BucketPublicAccessBlock;
  readonly ownershipControls: S3BucketOwnershipControls;
  readonly encryption: S3BucketServerSideEncryptionConfigurationA;
  readonly versioning?: S3BucketVersioningA;
  readonly lifecycle: S3BucketLifecycleConfiguration;
  readonly policy: S3BucketPolicy;

  constructor(scope: Construct, id: string, props: SecureBucketProps) {
    super(scope, id);
    this.bucket = new S3Bucket(this, 'bucket', {
      bucket: props.bucketName,
      forceDestroy: false,
      lifecycle: props.preventDestroy ? { preventDestroy: true } : undefined,
    });
    const bucketId = this.bucket.id;

    this.publicAccessBlock = new S3BucketPublicAccessBlock(this, 'public-access-block', {
      bucket: bucketId,
      blockPublicAcls: true,
      blockPublicPolicy: true,
      ignorePublicAcls: true,
      restrictPublicBuckets: true,
    });
    this.ownershipControls = new S3BucketOwnershipControls(this, 'ownership', { bucket: bucketId, rule: { objectOwnership: props.objectOwnership ?? 'BucketOwnerEnforced' } });
    this.encryption = new S3BucketServerSideEncryptionConfigurationA(this, 'encryption', {
      bucket: bucketId,
      rule: [
        {
          applyServerSideEncryptionByDefault: props.kmsKeyArn ? { sseAlgorithm: 'aws:kms', kmsMasterKeyId: props.kmsKeyArn } : { sseAlgorithm: 'AES256' },
          bucketKeyEnabled: props.kmsKeyArn ? true : undefined,
        },
      ],
    });
    if (props.versioned) {
      this.versioning = new S3BucketVersioningA(this, 'versioning', { bucket: bucketId, versioningConfiguration: { status: 'Enabled' } });
    }
    this.lifecycle = new S3BucketLifecycleConfiguration(this, 'lifecycle', {
      bucket: bucketId,
      rule: [
        {
          id: 'abort-incomplete-uploads',
          status: 'Enabled',
          filter: [{ prefix: '' }],
          abortIncompleteMultipartUpload: [{ daysAfterInitiation: props.abortIncompleteUploadDays ?? 7 }],
        },
        ...(props.lifecycleRules ?? []),
      ],
      // Rules on noncurrent versions need versioning enabled first.
      dependsOn: this.versioning ? [this.versioning] : undefined,
    });
    const objects = [this.bucket.arn, `${this.bucket.arn}/*`];
    this.policy = new S3BucketPolicy(this, 'policy', {
      bucket: bucketId,
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
        ...(props.policyStatements?.(this.bucket.arn) ?? []),
      ),
      // The public-access block must exist first, or a policy could briefly be evaluated without it.
      dependsOn: [this.publicAccessBlock],
    });
  }
}

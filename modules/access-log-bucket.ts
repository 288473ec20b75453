import { Construct } from 'constructs';
import { S3BucketLoggingA } from '@cdktf/provider-aws/lib/s3-bucket-logging';
import { expiringLogsRule, SecureBucket } from './secure-bucket';

export interface ServerAccessLogsProps {
  /** Name of the log bucket to create. */
  readonly logBucketName: string;
  /** The bucket whose requests are logged. */
  readonly sourceBucket: { readonly id: string; readonly arn: string };
  /** The account of both buckets (log delivery is admitted only on its behalf). */
  readonly accountId: string;
  /** Days before log objects expire. */
  readonly expirationDays: number;
  /** @default `<source bucket>/` */
  readonly prefix?: string;
  /** @default false */
  readonly preventDestroy?: boolean;
}

/**
 * S3 server access logging (Checkov CKV_AWS_18, Security Hub S3.9) of one bucket to a log
 * bucket made for it: a SecureBucket (public access blocked, ACLs off, TLS only,
 * versioned) encrypted with SSE-S3, because server access log delivery does not support
 * SSE-KMS target buckets, whose policy admits the logging service only for the source
 * bucket and account (`aws:SourceArn`, `aws:SourceAccount`), with expiring objects.
 */
export class ServerAccessLogs extends Construct {
  readonly logBucket: SecureBucket;
  readonly logging: S3BucketLoggingA;

  constructor(scope: Construct, id: string, props: ServerAccessLogsProps) {
    super(scope, id);
    const prefix = props.prefix ?? `${props.sourceBucket.id}/`;
    this.logBucket = new SecureBucket(this, 'bucket', {
      bucketName: props.logBucketName,
      versioned: true,
      preventDestroy: props.preventDestroy,
      lifecycleRules: [expiringLogsRule(props.expirationDays)],
      policyStatements: (bucketArn) => [
        {
          Sid: 'S3ServerAccessLogDelivery',
          Effect: 'Allow',
          Principal: { Service: 'logging.s3.amazonaws.com' },
          Action: 's3:PutObject',
          Resource: `${bucketArn}/${prefix}*`,
          Condition: { ArnLike: { 'aws:SourceArn': props.sourceBucket.arn }, StringEquals: { 'aws:SourceAccount': props.accountId } },
        },
      ],
    });
    this.logging = new S3BucketLoggingA(this, 'logging', {
      bucket: props.sourceBucket.id,
      targetBucket: this.logBucket.bucket.id,
      targetPrefix: prefix,
      // Delivery starts only once the policy admits it.
      dependsOn: [this.logBucket.policy],
    });
  }
}

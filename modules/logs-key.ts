import { Construct } from 'constructs';
import { KmsAlias } from '@cdktf/provider-aws/lib/kms-alias';
import { KmsKey } from '@cdktf/provider-aws/lib/kms-key';
import type { KmsKeyPolicy } from '@cdktf/provider-aws/lib/kms-key-policy';
import { ExplicitKeyPolicy } from './kms-key-policy';

export interface LogsKeyProps {
  /** Prefix of the alias, e.g. `acme-prod` (alias `alias/acme-prod/logs`). */
  readonly name: string;
  /**
   * Days a scheduled deletion waits; log data encrypted under the key is unreadable once it is gone.
   * @default 30 (the maximum)
   */
  readonly deletionWindowDays?: number;
}

/**
 * A customer managed KMS key for an environment's CloudWatch log groups (Checkov
 * CKV_AWS_158), rotation on, with a key policy granting CloudWatch Logs of the key's region
 * the actions it needs, only for log groups of the key's account and region
 * (`kms:EncryptionContext:aws:logs:arn`), as the CloudWatch Logs guide on KMS prescribes.
 * Log groups that use it must be created after `policy` exists.
 */
export class LogsKey extends Construct {
  readonly key: KmsKey;
  readonly alias: KmsAlias;
  readonly policy: KmsKeyPolicy;

  constructor(scope: Construct, id: string, props: LogsKeyProps) {
    super(scope, id);
    this.key = new KmsKey(this, 'key', {
      description: `Encrypts the CloudWatch log groups of ${props.name}`,
      enableKeyRotation: true,
      deletionWindowInDays: props.deletionWindowDays ?? 30,
    });
    this.alias = new KmsAlias(this, 'alias', { name: `alias/${props.name}/logs`, targetKeyId: this.key.keyId });
    this.policy = new ExplicitKeyPolicy(this, 'key-policy', {
      key: this.key,
      statements: ({ accountId, region }) => [
        {
          Sid: 'CloudWatchLogsUsesTheKey',
          Effect: 'Allow',
          Principal: { Service: `logs.${region}.amazonaws.com` },
          Action: ['kms:Encrypt*', 'kms:Decrypt*', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:Describe*'],
          Resource: '*',
          Condition: { ArnLike: { 'kms:EncryptionContext:aws:logs:arn': `arn:aws:logs:${region}:${accountId}:log-group:*` } },
        },
      ],
    }).policy;
  }
}

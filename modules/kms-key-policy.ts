/**
 * Explicit KMS key policies (Checkov CKV2_AWS_64) that work offline: the policy is a separate
 * `aws_kms_key_policy` whose account id comes from the key's own ARN, so no
 * `aws_caller_identity` look-up (which needs AWS credentials at plan time) is required.
 */
import { Construct } from 'constructs';
import { Fn, TerraformLocal } from 'cdktf';
import type { KmsKey } from '@cdktf/provider-aws/lib/kms-key';
import { KmsKeyPolicy } from '@cdktf/provider-aws/lib/kms-key-policy';
import { policyDocument, PolicyStatement } from './iam-policy';

/**
 * What the account (and through IAM, its administrators) may do with the key: what the
 * default key policy allows, with the actions named (the guardrails refuse `kms:*`), so
 * IAM policies keep delegating access and the key can never become unmanageable.
 */
export const ACCOUNT_KEY_ACTIONS = [
  'kms:Create*',
  'kms:Describe*',
  'kms:Enable*',
  'kms:List*',
  'kms:Put*',
  'kms:Update*',
  'kms:Revoke*',
  'kms:RetireGrant',
  'kms:Disable*',
  'kms:Get*',
  'kms:Delete*',
  'kms:TagResource',
  'kms:UntagResource',
  'kms:ScheduleKeyDeletion',
  'kms:CancelKeyDeletion',
  'kms:RotateKeyOnDemand',
  'kms:Encrypt',
  'kms:Decrypt',
  'kms:ReEncrypt*',
  'kms:GenerateDataKey*',
];

/** The key's account, region and the root principal, for the statements of its policy. */
export interface KeyContext {
  readonly accountId: string;
  readonly region: string;
}

export interface ExplicitKeyPolicyProps {
  readonly key: KmsKey;
  /** Statements after the account's administration statement. @default none */
  readonly statements?: (ctx: KeyContext) => PolicyStatement[];
}

/**
 * The key policy of `key`: the account root administers the key (and may delegate use
 * through IAM), plus `statements` (services or roles that use the key).
 */
export class ExplicitKeyPolicy extends Construct {
  readonly policy: KmsKeyPolicy;

  constructor(scope: Construct, id: string, props: ExplicitKeyPolicyProps) {
    super(scope, id);
    // arn:aws:kms:<region>:<account>:key/<id>; locals keep the policy JSON readable.
    const arnPart = (name: string, index: number) => new TerraformLocal(this, name, Fn.element(Fn.split(':', props.key.arn), index)).asString;
    const ctx: KeyContext = { region: arnPart('key-region', 3), accountId: arnPart('key-account', 4) };
    this.policy = new KmsKeyPolicy(this, 'policy', {
      keyId: props.key.keyId,
      policy: policyDocument(
        {
          Sid: 'AccountAdministersTheKey',
          Effect: 'Allow',
          Principal: { AWS: `arn:aws:iam::${ctx.accountId}:root` },
          Action: ACCOUNT_KEY_ACTIONS,
          Resource: '*',
        },
        ...(props.statements?.(ctx) ?? []),
      ),
    });
  }
}

/**
 * The least privilege Terraform's S3 backend needs (Terraform docs, "Backend Type: s3", permissions), as IAM statements: the
 * bootstrap publishes them as a managed policy for CI roles, and README lists them.
 */
import type { PolicyStatement } from './iam-policy';

export interface StateBackendAccess {
  /** ARN of the state bucket. */
  readonly bucketArn: string;
  /** ARN of the KMS key encrypting state, when the bucket uses SSE-KMS. @default none */
  readonly kmsKeyArn?: string;
  /** ARN of the DynamoDB lock table, when one is configured. @default none */
  readonly lockTableArn?: string;
}

/**
 * Statements allowing exactly what `terraform init/plan/apply` do with the backend:
 *  - list the bucket (workspaces and the state key),
 *  - read and write state objects (`*.tfstate`, any environment and workspace prefix),
 *  - create, read and delete lock files (`*.tfstate.tflock`, `use_lockfile`),
 *  - with a lock table: DescribeTable, GetItem, PutItem, DeleteItem on it,
 *  - with SSE-KMS: Encrypt, Decrypt, GenerateDataKey on the state key.
 * No wildcard actions; every resource is named.
 */
export function stateBackendStatements(access: StateBackendAccess): PolicyStatement[] {
  const statements: PolicyStatement[] = [
    { Sid: 'ListStateBucket', Effect: 'Allow', Action: 's3:ListBucket', Resource: access.bucketArn },
    { Sid: 'ReadWriteState', Effect: 'Allow', Action: ['s3:GetObject', 's3:PutObject'], Resource: `${access.bucketArn}/*.tfstate` },
    {
      Sid: 'ManageLockFiles',
      Effect: 'Allow',
      Action: ['s3:GetObject', 's3:PutObject', 's3:DeleteObject'],
      Resource: `${access.bucketArn}/*.tfstate.tflock`,
    },
  ];
  if (access.lockTableArn) {
    statements.push({
      Sid: 'LockTable',
      Effect: 'Allow',
      Action: ['dynamodb:DescribeTable', 'dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:DeleteItem'],
      Resource: access.lockTableArn,
    });
  }
  if (access.kmsKeyArn) {
    statements.push({
      Sid: 'StateEncryptionKey',
      Effect: 'Allow',
      Action: ['kms:Encrypt', 'kms:Decrypt', 'kms:GenerateDataKey'],
      Resource: access.kmsKeyArn,
    });
  }
  return statements;
}

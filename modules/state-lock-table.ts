import { Construct } from 'constructs';
import { DynamodbTable } from '@cdktf/provider-aws/lib/dynamodb-table';

export interface StateLockTableProps {
  /** Name of the table (the S3 backend's `dynamodb_table`). */
  readonly name: string;
}

/**
 * The DynamoDB table Terraform's S3 backend locks state in (`dynamodb_table`), for teams
 * still on Terraform older than 1.10; newer versions lock with S3 lock files
 * (`use_lockfile`), and both may be on during a migration (Terraform docs, "Backend Type: s3", state locking).
 *
 * The backend requires a string partition key named `LockID`. On-demand billing (a lock is a
 * handful of requests per run), point-in-time recovery (DynamoDB.2), deletion protection and
 * `prevent_destroy`. Encrypted at rest with the AWS owned key: the table holds lock metadata
 * and state digests, never state.
 */
export class StateLockTable extends Construct {
  readonly table: DynamodbTable;

  constructor(scope: Construct, id: string, props: StateLockTableProps) {
    super(scope, id);
    this.table = new DynamodbTable(this, 'table', {
      name: props.name,
      billingMode: 'PAY_PER_REQUEST',
      hashKey: 'LockID',
      attribute: [{ name: 'LockID', type: 'S' }],
      pointInTimeRecovery: { enabled: true },
      deletionProtectionEnabled: true,
      lifecycle: { preventDestroy: true },
    });
  }
}

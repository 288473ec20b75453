import { Construct } from 'constructs';
import type { ITerraformDependable } from 'cdktf';
import { CloudwatchLogGroup } from '@cdktf/provider-aws/lib/cloudwatch-log-group';
import { FlowLog } from '@cdktf/provider-aws/lib/flow-log';
import { IamRole } from '@cdktf/provider-aws/lib/iam-role';
import { IamRolePolicy } from '@cdktf/provider-aws/lib/iam-role-policy';
import { accountIdOf, policyDocument, serviceTrustPolicy } from './iam-policy';

export interface VpcFlowLogsProps {
  /** Prefix of resource names, e.g. `acme-dev`. */
  readonly name: string;
  readonly vpcId: string;
  /**
   * Days CloudWatch Logs keeps the records.
   * @default 90
   */
  readonly retentionDays?: number;
  /**
   * Which traffic to record.
   * @default 'ALL'
   */
  readonly trafficType?: 'ALL' | 'ACCEPT' | 'REJECT';
  /**
   * Customer managed key encrypting the log group, with what must exist before the log group
   * (its key policy admitting CloudWatch Logs).
   * @default - CloudWatch Logs' own encryption
   */
  readonly kmsKey?: { readonly arn: string; readonly ready: ITerraformDependable };
}

/**
 * VPC flow logs to a CloudWatch log group with a retention period (Security Hub EC2.6),
 * delivered by a role that may write only to that log group.
 */
export class VpcFlowLogs extends Construct {
  readonly logGroup: CloudwatchLogGroup;
  readonly role: IamRole;
  readonly flowLog: FlowLog;

  constructor(scope: Construct, id: string, props: VpcFlowLogsProps) {
    super(scope, id);
    this.logGroup = new CloudwatchLogGroup(this, 'log-group', {
      name: `/vpc/${props.name}/flow-logs`,
      retentionInDays: props.retentionDays ?? 90,
      kmsKeyId: props.kmsKey?.arn,
      dependsOn: props.kmsKey ? [props.kmsKey.ready] : undefined,
    });
    this.role = new IamRole(this, 'role', {
      name: `${props.name}-vpc-flow-logs`,
      assumeRolePolicy: serviceTrustPolicy('vpc-flow-logs.amazonaws.com', accountIdOf(this, this.logGroup.arn)),
    });
    new IamRolePolicy(this, 'policy', {
      role: this.role.id,
      name: 'write-flow-logs',
      policy: policyDocument({
        Effect: 'Allow',
        Action: ['logs:CreateLogStream', 'logs:PutLogEvents', 'logs:DescribeLogStreams'],
        Resource: `${this.logGroup.arn}:*`,
      }),
    });
    this.flowLog = new FlowLog(this, 'flow-log', {
      vpcId: props.vpcId,
      trafficType: props.trafficType ?? 'ALL',
      logDestinationType: 'cloud-watch-logs',
      logDestination: this.logGroup.arn,
      iamRoleArn: this.role.arn,
      tags: { Name: props.name },
    });
  }
}

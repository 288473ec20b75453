import { Construct } from 'constructs';
import { IamRole } from '@cdktf/provider-aws/lib/iam-role';
import { IamRolePolicy } from '@cdktf/provider-aws/lib/iam-role-policy';
import { policyDocument, PolicyStatement, serviceTrustPolicy } from './iam-policy';

export interface TaskRolesProps {
  /** Prefix of the role names (`<name>-execution`, `<name>-task`). */
  readonly name: string;
  /** Account id (a Terraform expression is fine), for the `aws:SourceAccount` trust condition. */
  readonly accountId: string;
  /** ECR repository ARNs (or ARN patterns) the execution role may pull from. @default [] */
  readonly pullRepositoryArns?: string[];
  /**
   * Repository ARN pattern of an ECR pull-through cache: the first pull creates the
   * repository and imports the image, which needs two more actions.
   * @default - no pull-through cache
   */
  readonly pullThroughRepositoryArn?: string;
  /** The log group the awslogs driver writes to. */
  readonly logGroupArn: string;
  /** Secrets Manager secret ARNs the execution role may read. @default [] */
  readonly secretsManagerArns?: string[];
  /** SSM parameter ARNs the execution role may read. @default [] */
  readonly ssmParameterArns?: string[];
  /**
   * Customer-managed KMS keys (key ARNs) of those secrets: the execution role may decrypt
   * with them, only on behalf of Secrets Manager or SSM in the key's region.
   * @default [] - secrets under AWS-managed keys need no grant
   */
  readonly secretsKmsKeyArns?: string[];
  /** Grant the task role the ECS Exec channel actions. @default false */
  readonly exec?: boolean;
}

/**
 * The two roles of a task, both trusting `ecs-tasks.amazonaws.com` for this account only:
 * the execution role (used by ECS to start the task: pull the image, write logs, read the
 * referenced secrets, nothing else) and the task role (the application's own identity,
 * empty by default). No wildcard actions; `Resource: "*"` only where the action has no
 * resource-level permissions (ecr:GetAuthorizationToken, the ssmmessages channel actions).
 */
export class TaskRoles extends Construct {
  readonly executionRole: IamRole;
  readonly taskRole: IamRole;

  constructor(scope: Construct, id: string, props: TaskRolesProps) {
    super(scope, id);
    const trust = serviceTrustPolicy('ecs-tasks.amazonaws.com', props.accountId);
    this.executionRole = new IamRole(this, 'execution', { name: `${props.name}-execution`, assumeRolePolicy: trust });
    this.taskRole = new IamRole(this, 'task', { name: `${props.name}-task`, assumeRolePolicy: trust });

    const pullActions = ['ecr:BatchCheckLayerAvailability', 'ecr:GetDownloadUrlForLayer', 'ecr:BatchGetImage'];
    const repositories = [...(props.pullRepositoryArns ?? []), ...(props.pullThroughRepositoryArn ? [props.pullThroughRepositoryArn] : [])];
    const statements: PolicyStatement[] = [];
    if (repositories.length > 0) {
      statements.push({ Sid: 'EcrAuthToken', Effect: 'Allow', Action: 'ecr:GetAuthorizationToken', Resource: '*' });
      statements.push({ Sid: 'EcrPull', Effect: 'Allow', Action: pullActions, Resource: repositories });
    }
    if (props.pullThroughRepositoryArn) {
      statements.push({ Sid: 'EcrPullThroughCache', Effect: 'Allow', Action: ['ecr:BatchImportUpstreamImage', 'ecr:CreateRepository'], Resource: props.pullThroughRepositoryArn });
    }
    statements.push({ Sid: 'WriteLogs', Effect: 'Allow', Action: ['logs:CreateLogStream', 'logs:PutLogEvents'], Resource: `${props.logGroupArn}:*` });
    if (props.secretsManagerArns?.length) {
      statements.push({ Sid: 'ReadSecrets', Effect: 'Allow', Action: 'secretsmanager:GetSecretValue', Resource: props.secretsManagerArns });
    }
    if (props.ssmParameterArns?.length) {
      statements.push({ Sid: 'ReadParameters', Effect: 'Allow', Action: 'ssm:GetParameters', Resource: props.ssmParameterArns });
    }
    if (props.secretsKmsKeyArns?.length) {
      const regions = [...new Set(props.secretsKmsKeyArns.map((arn) => arn.split(':')[3]))].sort();
      statements.push({
        Sid: 'DecryptSecrets',
        Effect: 'Allow',
        Action: 'kms:Decrypt',
        Resource: props.secretsKmsKeyArns,
        Condition: { StringEquals: { 'kms:ViaService': regions.flatMap((r) => [`secretsmanager.${r}.amazonaws.com`, `ssm.${r}.amazonaws.com`]) } },
      });
    }
    new IamRolePolicy(this, 'execution-policy', { role: this.executionRole.id, name: 'start-task', policy: policyDocument(...statements) });

    if (props.exec) {
      new IamRolePolicy(this, 'exec-policy', {
        role: this.taskRole.id,
        name: 'ecs-exec',
        policy: policyDocument({
          Sid: 'EcsExecChannels',
          Effect: 'Allow',
          Action: ['ssmmessages:CreateControlChannel', 'ssmmessages:CreateDataChannel', 'ssmmessages:OpenControlChannel', 'ssmmessages:OpenDataChannel'],
          Resource: '*',
        }),
      });
    }
  }
}

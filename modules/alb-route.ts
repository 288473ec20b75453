import { Construct } from 'constructs';
import { LbListenerRule, LbListenerRuleCondition } from '@cdktf/provider-aws/lib/lb-listener-rule';
import { LbTargetGroup } from '@cdktf/provider-aws/lib/lb-target-group';

export interface AlbRouteProps {
  /** Target group name (<= 32 characters). */
  readonly name: string;
  readonly vpcId: string;
  readonly listenerArn: string;
  readonly port: number;
  readonly priority: number;
  /** @default [] */
  readonly pathPatterns?: readonly string[];
  /** @default [] */
  readonly hostHeaders?: readonly string[];
  /** @default '/' */
  readonly healthCheckPath?: string;
  /** @default '200-399' */
  readonly healthCheckMatcher?: string;
  /** Seconds the load balancer drains a task before deregistering it. @default 30 */
  readonly deregistrationDelay?: number;
  /**
   * Forward only requests carrying this header with one of these values (CloudFront's
   * secret origin header).
   * @default - no header condition
   */
  readonly requiredHeader?: { readonly name: string; readonly values: string[] };
}

/** An `ip` target group for Fargate tasks and the listener rule that sends matching requests to it. */
export class AlbRoute extends Construct {
  readonly targetGroup: LbTargetGroup;
  readonly rule: LbListenerRule;

  constructor(scope: Construct, id: string, props: AlbRouteProps) {
    super(scope, id);
    this.targetGroup = new LbTargetGroup(this, 'target-group', {
      name: props.name,
      targetType: 'ip',
      protocol: 'HTTP',
      port: props.port,
      vpcId: props.vpcId,
      deregistrationDelay: String(props.deregistrationDelay ?? 30),
      healthCheck: {
        enabled: true,
        path: props.healthCheckPath ?? '/',
        matcher: props.healthCheckMatcher ?? '200-399',
        protocol: 'HTTP',
        port: 'traffic-port',
        interval: 15,
        timeout: 5,
        healthyThreshold: 2,
        unhealthyThreshold: 3,
      },
      tags: { Name: props.name },
    });
    const condition: LbListenerRuleCondition[] = [];
    if (props.pathPatterns?.length) condition.push({ pathPattern: { values: [...props.pathPatterns] } });
    if (props.hostHeaders?.length) condition.push({ hostHeader: { values: [...props.hostHeaders] } });
    if (props.requiredHeader) condition.push({ httpHeader: { httpHeaderName: props.requiredHeader.name, values: props.requiredHeader.values } });
    this.rule = new LbListenerRule(this, 'rule', {
      listenerArn: props.listenerArn,
      priority: props.priority,
      action: [{ type: 'forward', targetGroupArn: this.targetGroup.arn }],
      condition,
      tags: { Name: props.name },
    });
  }
}

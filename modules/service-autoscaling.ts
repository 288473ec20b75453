import { Construct } from 'constructs';
import { AppautoscalingPolicy } from '@cdktf/provider-aws/lib/appautoscaling-policy';
import { AppautoscalingTarget } from '@cdktf/provider-aws/lib/appautoscaling-target';

export interface ServiceAutoscalingProps {
  readonly name: string;
  readonly clusterName: string;
  readonly serviceName: string;
  readonly minCapacity: number;
  readonly maxCapacity: number;
  /** Target average CPU utilization, percent. @default - no CPU policy */
  readonly cpuTarget?: number;
  /** Target average memory utilization, percent. @default - no memory policy */
  readonly memoryTarget?: number;
  /**
   * Target ALB requests per task per minute, with the `<alb arn_suffix>/<target group arn_suffix>`
   * resource label.
   * @default - no request-count policy
   */
  readonly requestsPerTarget?: { readonly target: number; readonly resourceLabel: string };
}

/** Application Auto Scaling of an ECS service: a scalable target and target-tracking policies. */
export class ServiceAutoscaling extends Construct {
  readonly target: AppautoscalingTarget;

  constructor(scope: Construct, id: string, props: ServiceAutoscalingProps) {
    super(scope, id);
    this.target = new AppautoscalingTarget(this, 'target', {
      serviceNamespace: 'ecs',
      scalableDimension: 'ecs:service:DesiredCount',
      resourceId: `service/${props.clusterName}/${props.serviceName}`,
      minCapacity: props.minCapacity,
      maxCapacity: props.maxCapacity,
    });
    const policy = (id: string, metric: string, target: number, resourceLabel?: string) =>
      new AppautoscalingPolicy(this, id, {
        name: `${props.name}-${id}`,
        policyType: 'TargetTrackingScaling',
        serviceNamespace: this.target.serviceNamespace,
        scalableDimension: this.target.scalableDimension,
        resourceId: this.target.resourceId,
        targetTrackingScalingPolicyConfiguration: {
          targetValue: target,
          predefinedMetricSpecification: { predefinedMetricType: metric, resourceLabel },
          scaleInCooldown: 300,
          scaleOutCooldown: 60,
        },
      });
    if (props.cpuTarget !== undefined) policy('cpu', 'ECSServiceAverageCPUUtilization', props.cpuTarget);
    if (props.memoryTarget !== undefined) policy('memory', 'ECSServiceAverageMemoryUtilization', props.memoryTarget);
    if (props.requestsPerTarget) policy('requests', 'ALBRequestCountPerTarget', props.requestsPerTarget.target, props.requestsPerTarget.resourceLabel);
  }
}

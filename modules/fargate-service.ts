import { Construct } from 'constructs';
import { ITerraformDependable } from 'cdktf';
import { EcsService } from '@cdktf/provider-aws/lib/ecs-service';

export interface PrivateFargateServiceProps {
  readonly name: string;
  readonly clusterArn: string;
  readonly taskDefinitionArn: string;
  /** Private subnets: the tasks get no public IP (Security Hub ECS.2). */
  readonly subnetIds: string[];
  readonly securityGroupIds: string[];
  /** Register tasks in this target group. @default - no load balancer (an internal service) */
  readonly targetGroupArn?: string;
  readonly containerName: string;
  readonly containerPort: number;
  /**
   * ECS Service Connect: `server` publishes the service in the namespace under its name (its
   * port mapping must be named `portName`); `client` only lets the tasks call such services.
   * @default - no Service Connect
   */
  readonly serviceConnect?: { readonly namespaceArn: string; readonly server?: { readonly portName: string; readonly dnsName: string } };
  /** @default 2 */
  readonly desiredCount?: number;
  /**
   * Autoscaling owns the task count: Terraform then ignores `desired_count` after creation,
   * so an apply never resets a scaled-out service.
   * @default false
   */
  readonly autoscaled?: boolean;
  /** Percent of tasks on Fargate Spot. @default 0 */
  readonly spotPercent?: number;
  /** @default 60 */
  readonly healthCheckGracePeriodSeconds?: number;
  /** @default 100 */
  readonly minimumHealthyPercent?: number;
  /** @default 200 */
  readonly maximumPercent?: number;
  /** ECS Exec. @default false */
  readonly enableExecuteCommand?: boolean;
  /** Resources that must exist first (the listener rule: a target group must be attached to a load balancer). */
  readonly dependsOn?: ITerraformDependable[];
}

/**
 * An ECS service on Fargate in private subnets: no public IP, the latest platform version
 * (ECS.10), a deployment circuit breaker that rolls back failed deployments, and tags
 * propagated from the service to its tasks.
 *
 * A change of the Fargate Spot share updates the service in place: hashicorp/aws 5.x forces
 * a new service for any change of `capacity_provider_strategy` unless `force_new_deployment`
 * is set (and neither the old nor the new strategy is empty, which ours never is). The price:
 * every apply that updates the service (anything but its tags) also starts a new deployment,
 * a rolling replacement of its tasks within the deployment limits; an apply with no change
 * to the service does nothing.
 */
export class PrivateFargateService extends Construct {
  readonly service: EcsService;

  constructor(scope: Construct, id: string, props: PrivateFargateServiceProps) {
    super(scope, id);
    const spot = props.spotPercent ?? 0;
    this.service = new EcsService(this, 'service', {
      name: props.name,
      cluster: props.clusterArn,
      taskDefinition: props.taskDefinitionArn,
      desiredCount: props.desiredCount ?? 2,
      capacityProviderStrategy: [
        ...(spot < 100 ? [{ capacityProvider: 'FARGATE', weight: 100 - spot, base: 1 }] : []),
        ...(spot > 0 ? [{ capacityProvider: 'FARGATE_SPOT', weight: spot, base: spot === 100 ? 1 : 0 }] : []),
      ],
      // Lets a capacity provider strategy change update the service instead of replacing it.
      forceNewDeployment: true,
      platformVersion: 'LATEST',
      networkConfiguration: { subnets: props.subnetIds, securityGroups: props.securityGroupIds, assignPublicIp: false },
      loadBalancer: props.targetGroupArn ? [{ targetGroupArn: props.targetGroupArn, containerName: props.containerName, containerPort: props.containerPort }] : undefined,
      // Only valid with a load balancer: it delays the target group's health checks.
      healthCheckGracePeriodSeconds: props.targetGroupArn ? (props.healthCheckGracePeriodSeconds ?? 60) : undefined,
      serviceConnectConfiguration: props.serviceConnect
        ? {
            enabled: true,
            namespace: props.serviceConnect.namespaceArn,
            service: props.serviceConnect.server
              ? [
                  {
                    portName: props.serviceConnect.server.portName,
                    discoveryName: props.serviceConnect.server.dnsName,
                    clientAlias: { port: props.containerPort, dnsName: props.serviceConnect.server.dnsName },
                  },
                ]
              : undefined,
          }
        : undefined,
      deploymentCircuitBreaker: { enable: true, rollback: true },
      deploymentMinimumHealthyPercent: props.minimumHealthyPercent ?? 100,
      deploymentMaximumPercent: props.maximumPercent ?? 200,
      enableExecuteCommand: props.enableExecuteCommand ?? false,
      enableEcsManagedTags: true,
      propagateTags: 'SERVICE',
      waitForSteadyState: false,
      lifecycle: props.autoscaled ? { ignoreChanges: ['desired_count'] } : undefined,
      dependsOn: props.dependsOn,
    });
  }
}

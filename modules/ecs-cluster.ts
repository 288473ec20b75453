import { Construct } from 'constructs';
import { EcsCluster } from '@cdktf/provider-aws/lib/ecs-cluster';
import { EcsClusterCapacityProviders } from '@cdktf/provider-aws/lib/ecs-cluster-capacity-providers';

export interface FargateClusterProps {
  readonly name: string;
  /**
   * Container Insights: `enabled`, or `enhanced` (more metrics, higher cost).
   * @default 'enabled' (Security Hub ECS.12)
   */
  readonly containerInsights?: 'enabled' | 'enhanced';
  /** Default Service Connect namespace of the cluster's services. @default - none */
  readonly serviceConnectNamespaceArn?: string;
}

/** An ECS cluster for Fargate tasks, with Container Insights and both Fargate capacity providers. */
export class FargateCluster extends Construct {
  readonly cluster: EcsCluster;

  constructor(scope: Construct, id: string, props: FargateClusterProps) {
    super(scope, id);
    this.cluster = new EcsCluster(this, 'cluster', {
      name: props.name,
      setting: [{ name: 'containerInsights', value: props.containerInsights ?? 'enabled' }],
      serviceConnectDefaults: props.serviceConnectNamespaceArn ? { namespace: props.serviceConnectNamespaceArn } : undefined,
    });
    new EcsClusterCapacityProviders(this, 'capacity-providers', {
      clusterName: this.cluster.name,
      capacityProviders: ['FARGATE', 'FARGATE_SPOT'],
      defaultCapacityProviderStrategy: [{ capacityProvider: 'FARGATE', weight: 1, base: 0 }],
    });
  }
}

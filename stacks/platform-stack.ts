import { Construct } from 'constructs';
import { TerraformOutput } from 'cdktf';
import { EcrPullThroughCacheRule } from '@cdktf/provider-aws/lib/ecr-pull-through-cache-rule';
import type { ResolvedConfig, ResolvedEnvironment } from '../config/validate';
import { FargateCluster } from '../modules/ecs-cluster';
import { PublicAlb } from '../modules/public-alb';
import { BaseStack } from './base-stack';
import type { NetworkStack } from './network-stack';

export interface PlatformStackProps {
  readonly config: ResolvedConfig;
  readonly environment: ResolvedEnvironment;
  readonly network: NetworkStack;
}

/**
 * `<env>-platform`: what the environment's services share: the ECS cluster, the
 * internet-facing load balancer and its listeners, and (when a service runs a
 * public.ecr.aws image) the ECR pull-through cache rule that lets tasks without NAT pull it
 * through the private ECR endpoints.
 */
export class PlatformStack extends BaseStack {
  readonly cluster: FargateCluster;
  readonly loadBalancer: PublicAlb;
  readonly pullThroughCache?: EcrPullThroughCacheRule;

  constructor(scope: Construct, props: PlatformStackProps) {
    const env = props.environment;
    super(scope, `${env.name}-platform`, {
      config: props.config,
      environment: env.name,
      region: env.region,
      stateRoleArn: env.stateRoleArn,
      tags: env.tags,
    });
    const name = `${props.config.project}-${env.name}`;
    const platform = env.platform;

    this.cluster = new FargateCluster(this, 'cluster', { name });
    this.loadBalancer = new PublicAlb(this, 'alb', {
      name,
      region: env.region,
      vpcId: props.network.vpc.vpc.id,
      subnetIds: props.network.vpc.publicSubnets.map((s) => s.id),
      certificateArn: platform.certificateArn,
      deletionProtection: platform.deletionProtection,
      idleTimeout: platform.idleTimeout,
      accessLogs: platform.accessLogs ? { bucketName: `${name}-alb-logs-${env.region}`, expirationDays: platform.accessLogs.expirationDays } : undefined,
    });

    if (env.services.some((s) => s.image.kind === 'pull-through')) {
      this.pullThroughCache = new EcrPullThroughCacheRule(this, 'ecr-public-cache', {
        ecrRepositoryPrefix: pullThroughPrefix(props.config.project, env.name),
        upstreamRegistryUrl: 'public.ecr.aws',
      });
    }

    const alb = this.loadBalancer.alb;
    const scheme = platform.certificateArn ? 'https' : 'http';
    new TerraformOutput(this, 'alb_dns_name', { value: alb.dnsName, description: 'DNS name of the load balancer' });
    new TerraformOutput(this, 'alb_url', { value: `${scheme}://${alb.dnsName}`, description: 'URL of the environment' });
    new TerraformOutput(this, 'alb_arn', { value: alb.arn });
    new TerraformOutput(this, 'alb_security_group_id', { value: this.loadBalancer.securityGroup.id });
    new TerraformOutput(this, 'listener_arn', { value: this.loadBalancer.listener.arn, description: 'The listener services add rules to' });
    new TerraformOutput(this, 'cluster_name', { value: this.cluster.cluster.name });
    new TerraformOutput(this, 'cluster_arn', { value: this.cluster.cluster.arn });
  }
}

/** Repository prefix of the environment's pull-through cache (2-30 characters; unique per environment). */
export function pullThroughPrefix(project: string, environment: string): string {
  return `${project}-${environment}-public`;
}

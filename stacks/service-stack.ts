import { Construct } from 'constructs';
import { TerraformOutput } from 'cdktf';
import { CloudwatchLogGroup } from '@cdktf/provider-aws/lib/cloudwatch-log-group';
import type { ResolvedConfig, ResolvedEnvironment } from '../config/validate';
import { serviceRepositoryName } from '../config/validate-names';
import type { ExternalImageSource, ResolvedService } from '../config/validate-services';
import { AlbRoute } from '../modules/alb-route';
import { ORIGIN_VERIFY_HEADER } from '../modules/cloudfront-edge';
import { ServiceConnectAccess } from '../modules/service-connect-access';
import { ServiceRepository } from '../modules/ecr-repository';
import { PrivateFargateService } from '../modules/fargate-service';
import { FargateTaskDefinition } from '../modules/fargate-task-definition';
import { accountIdOf } from '../modules/iam-policy';
import { ServiceAutoscaling } from '../modules/service-autoscaling';
import { TaskRoles } from '../modules/task-roles';
import { TaskSecurityGroup } from '../modules/task-security-group';
import { BaseStack, environmentStackProps } from './base-stack';
import type { NetworkStack } from './network-stack';
import { PlatformStack, pullThroughPrefix } from './platform-stack';

export interface ServiceStackProps {
  readonly config: ResolvedConfig;
  readonly environment: ResolvedEnvironment;
  readonly service: ResolvedService;
  readonly network: NetworkStack;
  readonly platform: PlatformStack;
  /** Stacks of the internal services this one calls (made before this one). @default [] */
  readonly callees?: readonly ServiceStack[];
}

/**
 * `<env>-<service>`: one Fargate service with everything only it uses (image repository,
 * log group, roles, task definition, security group, target group and listener rule,
 * autoscaling), so a change to one service plans only that service's stack.
 */
export class ServiceStack extends BaseStack {
  readonly repository?: ServiceRepository;
  readonly logGroup: CloudwatchLogGroup;
  readonly roles: TaskRoles;
  readonly taskDefinition: FargateTaskDefinition;
  readonly securityGroup: TaskSecurityGroup;
  /** The load balancer route; undefined for an internal service. */
  readonly route?: AlbRoute;
  readonly port: number;
  /** The service's name in its environment (the stack name is `<env>-<service>`). */
  readonly serviceName: string;
  readonly service: PrivateFargateService;
  readonly autoscaling?: ServiceAutoscaling;

  constructor(scope: Construct, props: ServiceStackProps) {
    const { config, environment: env, service: svc, network, platform } = props;
    super(scope, svc.stackName, environmentStackProps(config, env, { Service: svc.name }));
    const name = svc.resourceName;
    this.port = svc.port;
    this.serviceName = svc.name;

    this.logGroup = new CloudwatchLogGroup(this, 'log-group', {
      name: `/ecs/${config.project}-${env.name}/${svc.name}`,
      retentionInDays: svc.logRetentionDays,
      // The network stack (applied first) creates the key with its policy.
      kmsKeyId: network.logsKey?.key.arn,
    });
    const accountId = accountIdOf(this, this.logGroup.arn);

    let app: ImagePull;
    if (svc.image.kind === 'created-repository') {
      this.repository = new ServiceRepository(this, 'repository', { name: serviceRepositoryName(config.project, env.name, svc.name), keepImages: svc.keepImages, tag: svc.image.tag });
      app = { image: `${this.repository.repository.repositoryUrl}:${svc.image.tag}`, repositoryArns: [this.repository.repository.arn] };
    } else {
      app = externalImagePull(svc.image, platform, config.project, env.name, env.region, svc.name);
    }
    const init = externalImagePull(svc.initImage, platform, config.project, env.name, env.region, svc.name);
    const image = app.image;

    this.roles = new TaskRoles(this, 'roles', {
      name,
      accountId,
      pullRepositoryArns: [...new Set([...app.repositoryArns, ...init.repositoryArns])],
      pullThroughRepositoryArn: app.pullThroughRepositoryArn ?? init.pullThroughRepositoryArn,
      logGroupArn: this.logGroup.arn,
      secretsManagerArns: svc.secrets.filter((s) => s.source === 'secretsmanager').flatMap((s) => s.resourceArns),
      ssmParameterArns: svc.secrets.filter((s) => s.source === 'ssm').flatMap((s) => s.resourceArns),
      secretsKmsKeyArns: svc.secretsKmsKeyArns,
      exec: svc.exec,
    });

    this.taskDefinition = new FargateTaskDefinition(this, 'task', {
      family: name,
      containerName: svc.name,
      image,
      initImage: init.image,
      cpu: svc.cpu,
      memory: svc.memory,
      architecture: svc.architecture,
      port: svc.port,
      executionRoleArn: this.roles.executionRole.arn,
      taskRoleArn: this.roles.taskRole.arn,
      logGroupName: this.logGroup.name,
      region: env.region,
      command: svc.command,
      user: svc.user,
      environment: svc.environment,
      secrets: svc.secrets,
      healthCheckCommand: svc.healthCheck.command,
      initProcessEnabled: svc.exec,
      // AWS supports ECS Exec only on a writable root filesystem (its agent writes under /var/lib/amazon/ssm and /var/log/amazon/ssm).
      readonlyRootFilesystem: !svc.exec,
      // The task definition names the tag; ECS must not start tasks before it is pushed.
      dependsOn: this.repository?.pushedImage ? [this.repository.pushedImage] : undefined,
      portName: svc.exposure === 'internal' ? svc.name : undefined,
    });

    this.securityGroup = new TaskSecurityGroup(this, 'security-group', {
      name,
      vpcId: network.vpc.vpc.id,
      port: svc.port,
      albSecurityGroupId: svc.routing ? platform.loadBalancer.securityGroup.id : undefined,
      endpointSecurityGroupId: network.endpoints.securityGroup.id,
      s3PrefixListId: network.endpoints.s3GatewayEndpoint.prefixListId,
      internetHttps: env.network.egress === 'nat',
    });

    if (svc.routing) {
      this.route = new AlbRoute(this, 'route', {
        name,
        vpcId: network.vpc.vpc.id,
        listenerArn: platform.loadBalancer.listener.arn,
        port: svc.port,
        priority: svc.routing.priority,
        pathPatterns: svc.routing.pathPatterns,
        hostHeaders: svc.routing.hostHeaders,
        healthCheckPath: svc.healthCheck.path,
        healthCheckMatcher: svc.healthCheck.matcher,
        deregistrationDelay: svc.deregistrationDelay,
        requiredHeader: platform.originVerifyValues ? { name: ORIGIN_VERIFY_HEADER, values: platform.originVerifyValues } : undefined,
      });
    }

    for (const callee of props.callees ?? []) {
      new ServiceConnectAccess(this, `calls-${callee.serviceName}`, {
        callerName: svc.name,
        callerSecurityGroupId: this.securityGroup.securityGroup.id,
        calleeName: callee.serviceName,
        calleeSecurityGroupId: callee.securityGroup.securityGroup.id,
        port: callee.port,
      });
    }

    this.service = new PrivateFargateService(this, 'service', {
      name: svc.name,
      clusterArn: platform.cluster.cluster.arn,
      taskDefinitionArn: this.taskDefinition.taskDefinition.arn,
      subnetIds: network.vpc.privateSubnets.map((s) => s.id),
      securityGroupIds: [this.securityGroup.securityGroup.id],
      targetGroupArn: this.route?.targetGroup.arn,
      containerName: svc.name,
      containerPort: svc.port,
      desiredCount: svc.desiredCount,
      autoscaled: svc.autoscaling !== undefined,
      spotPercent: svc.capacity.spot,
      healthCheckGracePeriodSeconds: svc.healthCheck.gracePeriodSeconds,
      minimumHealthyPercent: svc.deployment.minimumHealthyPercent,
      maximumPercent: svc.deployment.maximumPercent,
      enableExecuteCommand: svc.exec,
      serviceConnect: svc.serviceConnect ? this.serviceConnect(platform, svc) : undefined,
      dependsOn: this.route ? [this.route.rule] : undefined,
    });


    if (svc.autoscaling) {
      const scaling = svc.autoscaling;
      this.autoscaling = new ServiceAutoscaling(this, 'autoscaling', {
        name,
        clusterName: platform.cluster.cluster.name,
        serviceName: this.service.service.name,
        minCapacity: scaling.min,
        maxCapacity: scaling.max,
        cpuTarget: scaling.cpuTarget,
        memoryTarget: scaling.memoryTarget,
        requestsPerTarget:
          scaling.requestsPerTarget === undefined || !this.route
            ? undefined
            : { target: scaling.requestsPerTarget, resourceLabel: `${platform.loadBalancer.alb.arnSuffix}/${this.route.targetGroup.arnSuffix}` },
      });
    }

    new TerraformOutput(this, 'service_name', { value: this.service.service.name });
    if (svc.exposure === 'internal') {
      new TerraformOutput(this, 'service_connect_endpoint', { value: `http://${svc.name}:${svc.port}`, description: 'How the calling services reach this one' });
    }
    new TerraformOutput(this, 'cluster_name', { value: platform.cluster.cluster.name });
    new TerraformOutput(this, 'task_definition_arn', { value: this.taskDefinition.taskDefinition.arn });
    new TerraformOutput(this, 'log_group_name', { value: this.logGroup.name });
    new TerraformOutput(this, 'image', { value: image, description: 'The image the task definition runs' });
    if (this.repository) new TerraformOutput(this, 'repository_url', { value: this.repository.repository.repositoryUrl, description: 'Push images here (tags are immutable)' });
  }

  private serviceConnect(platform: PlatformStack, svc: ResolvedService) {
    const namespace = platform.serviceConnectNamespace;
    if (!namespace) throw new Error(`${svc.stackName}: the platform has no Service Connect namespace`);
    return {
      namespaceArn: namespace.arn,
      server: svc.exposure === 'internal' ? { portName: svc.name, dnsName: svc.name } : undefined,
    };
  }
}

/** How a task pulls one image: its reference and what the execution role needs for it. */
interface ImagePull {
  readonly image: string;
  readonly repositoryArns: string[];
  /** ARN pattern of the pull-through cache's repositories, when pulled through it. */
  readonly pullThroughRepositoryArn?: string;
}

/** An image from outside the service's own repository: private ECR, public.ecr.aws through the pull-through cache, or the internet (NAT). */
function externalImagePull(source: ExternalImageSource, platform: PlatformStack, project: string, env: string, region: string, service: string): ImagePull {
  switch (source.kind) {
    case 'ecr':
      return { image: source.uri, repositoryArns: [source.repositoryArn] };
    case 'pull-through': {
      const rule = platform.pullThroughCache;
      if (!rule) throw new Error(`${env}-platform has no pull-through cache rule for service ${service}`);
      const prefix = pullThroughPrefix(project, env);
      return {
        image: `${rule.registryId}.dkr.ecr.${region}.amazonaws.com/${prefix}/${source.path}`,
        repositoryArns: [],
        pullThroughRepositoryArn: `arn:aws:ecr:${region}:${rule.registryId}:repository/${prefix}/*`,
      };
    }
    case 'internet':
      return { image: source.uri, repositoryArns: [] };
  }
}

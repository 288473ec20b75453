import { Construct } from 'constructs';
import { Fn, TerraformOutput, TerraformVariable } from 'cdktf';
import { DataAwsEc2ManagedPrefixList } from '@cdktf/provider-aws/lib/data-aws-ec2-managed-prefix-list';
import { DataAwsSecretsmanagerSecretVersion } from '@cdktf/provider-aws/lib/data-aws-secretsmanager-secret-version';
import { DataAwsSecurityGroup } from '@cdktf/provider-aws/lib/data-aws-security-group';
import { EcrPullThroughCacheRule } from '@cdktf/provider-aws/lib/ecr-pull-through-cache-rule';
import { AwsProvider } from '@cdktf/provider-aws/lib/provider';
import { ServiceDiscoveryHttpNamespace } from '@cdktf/provider-aws/lib/service-discovery-http-namespace';
import { Wafv2WebAclAssociation } from '@cdktf/provider-aws/lib/wafv2-web-acl-association';
import type { ResolvedConfig, ResolvedEnvironment } from '../config/validate';
import type { ResolvedCloudfront } from '../config/validate-cloudfront';
import { accessLogsBucketName, cloudfrontLogsBucketName } from '../config/validate-names';
import { AlbIngress, ApplicationLoadBalancer } from '../modules/application-load-balancer';
import { CloudfrontEdge } from '../modules/cloudfront-edge';
import { FargateCluster } from '../modules/ecs-cluster';
import { ManagedRulesWebAcl } from '../modules/web-acl';
import { BaseStack, environmentStackProps } from './base-stack';
import type { NetworkStack } from './network-stack';

export interface PlatformStackProps {
  readonly config: ResolvedConfig;
  readonly environment: ResolvedEnvironment;
  readonly network: NetworkStack;
}

/** The managed prefix list of CloudFront's origin-facing addresses (CloudFront guide, "Restrict access to Application Load Balancers"). */
const CLOUDFRONT_ORIGIN_FACING = 'com.amazonaws.global.cloudfront.origin-facing';
/** The security group CloudFront creates in the VPC for its VPC origins. */
const VPC_ORIGIN_SECURITY_GROUP = 'CloudFront-VPCOrigins-Service-SG';

/**
 * `<env>-platform`: what the environment's services share: the ECS cluster, the load
 * balancer and its listener, CloudFront in front of it when configured, the Service Connect
 * namespace when a service is internal, the ECR pull-through cache rule that lets tasks
 * without NAT pull public.ecr.aws images through the private ECR endpoints, and AWS WAF on
 * the internet-facing entry point (CloudFront, else the ALB) when configured.
 */
export class PlatformStack extends BaseStack {
  readonly cluster: FargateCluster;
  readonly loadBalancer: ApplicationLoadBalancer;
  readonly pullThroughCache?: EcrPullThroughCacheRule;
  readonly serviceConnectNamespace?: ServiceDiscoveryHttpNamespace;
  readonly cloudfront?: CloudfrontEdge;
  /** The web ACL the stack created (`waf` without `webAclArn`). */
  readonly webAcl?: ManagedRulesWebAcl;
  /**
   * prefix-list mode: the values of the secret origin header a listener rule must accept
   * (one, or two while a new value is being rolled out).
   */
  readonly originVerifyValues?: string[];

  constructor(scope: Construct, props: PlatformStackProps) {
    const env = props.environment;
    super(scope, `${env.name}-platform`, environmentStackProps(props.config, env));
    const name = `${props.config.project}-${env.name}`;
    const platform = env.platform;
    const cf = env.cloudfront;
    const vpc = props.network.vpc;

    const serviceConnect = env.services.some((s) => s.serviceConnect);
    if (serviceConnect) {
      this.serviceConnectNamespace = new ServiceDiscoveryHttpNamespace(this, 'service-connect', {
        name,
        description: `Service Connect namespace of ${name}: internal services by name`,
      });
    }
    this.cluster = new FargateCluster(this, 'cluster', { name, serviceConnectNamespaceArn: this.serviceConnectNamespace?.arn });

    let originSecret: string | undefined;
    if (cf?.originSecret) ({ originSecret, acceptedValues: this.originVerifyValues } = this.originVerifySecret(cf));

    const internal = cf?.originProtection === 'vpc-origin';
    this.loadBalancer = new ApplicationLoadBalancer(this, 'alb', {
      name,
      region: env.region,
      vpcId: vpc.vpc.id,
      // Behind a VPC origin the ALB is internal: it lives with the tasks, in the private subnets.
      subnetIds: (internal ? vpc.privateSubnets : vpc.publicSubnets).map((s) => s.id),
      internal,
      // Behind CloudFront the ALB admits only CloudFront (the VPC origin's group is added below).
      ingress: cf ? (internal ? [] : [this.prefixListIngress(cf)]) : undefined,
      defaultStatusCode: cf?.originProtection === 'prefix-list' ? '403' : '404',
      certificateArn: platform.certificateArn,
      deletionProtection: platform.deletionProtection,
      idleTimeout: platform.idleTimeout,
      accessLogs: platform.accessLogs ? { bucketName: accessLogsBucketName(props.config.project, env.name, env.region), expirationDays: platform.accessLogs.expirationDays } : undefined,
    });

    // The same account and role as the stack's main provider: CloudFront (and its web ACL) is part of the environment.
    const usEast1 = cf ? new AwsProvider(this, 'aws-us-east-1', { alias: 'us_east_1', region: 'us-east-1', ...this.providerAccount }) : undefined;
    const waf = env.waf;
    if (waf && !waf.webAclArn) {
      // A CloudFront web ACL is global: created in us-east-1 through the aliased provider.
      this.webAcl = new ManagedRulesWebAcl(this, 'waf', { name, scope: waf.scope, managedRuleGroups: waf.managedRuleGroups, provider: waf.scope === 'CLOUDFRONT' ? usEast1 : undefined });
    }
    const webAclArn = waf ? (waf.webAclArn ?? this.webAcl!.webAcl.arn) : undefined;
    if (webAclArn && waf?.scope === 'REGIONAL') {
      new Wafv2WebAclAssociation(this, 'waf-alb', { resourceArn: this.loadBalancer.alb.arn, webAclArn });
    }

    if (cf && usEast1) {
      this.cloudfront = new CloudfrontEdge(this, 'cloudfront', {
        name,
        usEast1,
        albArn: this.loadBalancer.alb.arn,
        albDnsName: this.loadBalancer.alb.dnsName,
        vpcOrigin: internal,
        origin: cf.origin,
        originSecret,
        aliases: cf.aliases,
        certificateArn: cf.certificateArn,
        hostedZoneId: cf.hostedZoneId,
        webAclArn: cf.webAclArn ?? webAclArn,
        loggingBucket: cf.loggingBucket,
        accessLogs: cf.accessLogs ? { bucketName: cloudfrontLogsBucketName(props.config.project, env.name, env.region), expirationDays: cf.accessLogs.expirationDays } : undefined,
        priceClass: cf.priceClass,
      });
      if (internal) this.admitVpcOrigin(cf, this.cloudfront, vpc.vpc.id);
    }

    // Services' images and their init containers' (busybox by default) come from public.ecr.aws.
    if (env.services.some((s) => s.image.kind === 'pull-through' || s.initImage.kind === 'pull-through')) {
      this.pullThroughCache = new EcrPullThroughCacheRule(this, 'ecr-public-cache', {
        ecrRepositoryPrefix: pullThroughPrefix(props.config.project, env.name),
        upstreamRegistryUrl: 'public.ecr.aws',
      });
    }

    const alb = this.loadBalancer.alb;
    const scheme = platform.certificateArn ? 'https' : 'http';
    new TerraformOutput(this, 'alb_dns_name', { value: alb.dnsName, description: 'DNS name of the load balancer' });
    new TerraformOutput(this, 'alb_url', {
      value: this.cloudfront ? `https://${cf?.aliases[0] ?? this.cloudfront.distribution.domainName}` : `${scheme}://${alb.dnsName}`,
      description: 'URL of the environment',
    });
    new TerraformOutput(this, 'alb_arn', { value: alb.arn });
    new TerraformOutput(this, 'alb_security_group_id', { value: this.loadBalancer.securityGroup.id });
    new TerraformOutput(this, 'listener_arn', { value: this.loadBalancer.listener.arn, description: 'The listener services add rules to' });
    new TerraformOutput(this, 'cluster_name', { value: this.cluster.cluster.name });
    new TerraformOutput(this, 'cluster_arn', { value: this.cluster.cluster.arn });
    if (this.cloudfront) {
      new TerraformOutput(this, 'cloudfront_domain_name', { value: this.cloudfront.distribution.domainName, description: 'Point the aliases here (CNAME or alias record)' });
      new TerraformOutput(this, 'cloudfront_distribution_id', { value: this.cloudfront.distribution.id });
      if (this.cloudfront.certificate && !cf?.hostedZoneId) {
        new TerraformOutput(this, 'certificate_validation_records', {
          value: this.cloudfront.certificate.domainValidationOptions,
          description: 'Create these DNS records to validate the requested certificate',
        });
      }
    }
  }

  /**
   * The secret header value CloudFront sends (from a variable or Secrets Manager, so it is
   * never in the synthesized JSON) and the values listener rules accept: that one plus
   * `origin_verify_secret_next` while a rotation is under way (README: "Rotating the origin secret").
   */
  private originVerifySecret(cf: ResolvedCloudfront): { originSecret: string; acceptedValues: string[] } {
    const next = new TerraformVariable(this, 'origin_verify_secret_next', {
      type: 'string',
      sensitive: true,
      default: '',
      description: 'Rotation: a new origin header value the load balancer accepts before CloudFront sends it',
    });
    let current: string;
    if (cf.originSecret?.source === 'secretsmanager') {
      current = new DataAwsSecretsmanagerSecretVersion(this, 'origin-verify-secret', { secretId: cf.originSecret.secretArn }).secretString;
    } else {
      current = new TerraformVariable(this, 'origin_verify_secret', {
        type: 'string',
        sensitive: true,
        description: 'Secret value of the X-Origin-Verify header CloudFront sends and the load balancer requires (TF_VAR_origin_verify_secret)',
        validation: [{ condition: '${length(var.origin_verify_secret) >= 32}', errorMessage: 'origin_verify_secret must be at least 32 characters (e.g. openssl rand -hex 32).' }],
      }).stringValue;
    }
    return { originSecret: current, acceptedValues: Fn.compact([current, next.stringValue]) };
  }

  /** prefix-list mode: one rule admitting CloudFront's origin-facing prefix list (it weighs 55 of 60 rules). */
  private prefixListIngress(cf: ResolvedCloudfront): AlbIngress {
    const prefixListId =
      cf.prefixListId ??
      // Needs AWS credentials at plan time; give cloudfront.prefixListId to plan offline.
      new DataAwsEc2ManagedPrefixList(this, 'cloudfront-origin-facing', { name: CLOUDFRONT_ORIGIN_FACING }).id;
    return { port: cf.origin.port, prefixListId, description: 'CloudFront origin-facing addresses only' };
  }

  /**
   * vpc-origin mode: the ALB admits only the security group CloudFront creates for its VPC
   * origins. Reading it waits for the VPC origin (depends_on), so a first plan defers the
   * look-up to apply time instead of calling AWS.
   */
  private admitVpcOrigin(cf: ResolvedCloudfront, edge: CloudfrontEdge, vpcId: string): void {
    const group = new DataAwsSecurityGroup(this, 'vpc-origin-sg', {
      name: VPC_ORIGIN_SECURITY_GROUP,
      vpcId,
      dependsOn: edge.vpcOrigin ? [edge.vpcOrigin] : undefined,
    });
    this.loadBalancer.addIngress({ port: cf.origin.port, securityGroupId: group.id, description: 'CloudFront VPC origin only' });
  }
}

/** Repository prefix of the environment's pull-through cache (2-30 characters; unique per environment). */
export function pullThroughPrefix(project: string, environment: string): string {
  return `${project}-${environment}-public`;
}

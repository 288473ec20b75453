import { Construct } from 'constructs';
import { SecurityGroup } from '@cdktf/provider-aws/lib/security-group';
import { VpcEndpoint } from '@cdktf/provider-aws/lib/vpc-endpoint';
import { VpcSecurityGroupIngressRule } from '@cdktf/provider-aws/lib/vpc-security-group-ingress-rule';
import { ecrLayerBucketArn } from '../config/aws-facts';
import { policyDocument } from './iam-policy';

export interface VpcEndpointsProps {
  /** Prefix of the Name tags, e.g. `acme-dev`. */
  readonly name: string;
  readonly region: string;
  readonly vpcId: string;
  /** The VPC CIDR: the endpoint security group admits HTTPS from it. */
  readonly vpcCidr: string;
  /** Subnets that get an endpoint network interface: one per zone the tasks run in. */
  readonly subnetIds: readonly string[];
  /** Route tables of the task subnets: the S3 gateway endpoint is associated with every one. */
  readonly routeTableIds: readonly string[];
  /**
   * Interface endpoint services (`com.amazonaws.<region>.<service>`). Private DNS is always
   * on, so the SDKs and the ECS agent reach them under the public service names.
   * @default - none (the network stack passes ecr.api, ecr.dkr, logs and what features need)
   */
  readonly interfaceServices?: readonly string[];
  /**
   * Buckets tasks may read through the S3 gateway endpoint besides the region's ECR layer
   * bucket, which is always allowed. Every other S3 request through the endpoint is denied.
   * @default []
   */
  readonly extraS3Buckets?: readonly string[];
}

/**
 * The private paths Fargate tasks need in a VPC without NAT (Amazon ECR guide, "Amazon ECR interface VPC endpoints"): interface
 * endpoints with private DNS (the provider defaults `private_dns_enabled` to false, which
 * makes `api.ecr.<region>.amazonaws.com` resolve to public addresses and tasks fail with
 * `ResourceInitializationError`), one security group admitting 443 from the VPC, and the
 * S3 gateway endpoint on the task route tables, where ECR keeps image layers.
 */
export class VpcEndpoints extends Construct {
  readonly securityGroup: SecurityGroup;
  readonly interfaceEndpoints: Record<string, VpcEndpoint> = {};
  readonly s3GatewayEndpoint: VpcEndpoint;

  constructor(scope: Construct, id: string, props: VpcEndpointsProps) {
    super(scope, id);
    const services = props.interfaceServices ?? [];

    this.securityGroup = new SecurityGroup(this, 'sg', {
      name: `${props.name}-vpc-endpoints`,
      description: 'Interface VPC endpoints: HTTPS from inside the VPC only',
      vpcId: props.vpcId,
      tags: { Name: `${props.name}-vpc-endpoints` },
    });
    new VpcSecurityGroupIngressRule(this, 'https-from-vpc', {
      securityGroupId: this.securityGroup.id,
      description: 'HTTPS from the VPC (tasks calling AWS APIs)',
      ipProtocol: 'tcp',
      fromPort: 443,
      toPort: 443,
      cidrIpv4: props.vpcCidr,
    });
    // No egress rule: endpoint interfaces only answer, and Terraform removes the default
    // allow-all egress rule of security groups it creates.

    for (const service of services) {
      this.interfaceEndpoints[service] = new VpcEndpoint(this, service.replace(/\./g, '-'), {
        vpcId: props.vpcId,
        serviceName: `com.amazonaws.${props.region}.${service}`,
        vpcEndpointType: 'Interface',
        privateDnsEnabled: true,
        subnetIds: [...props.subnetIds],
        securityGroupIds: [this.securityGroup.id],
        tags: { Name: `${props.name}-${service}` },
      });
    }

    const buckets = props.extraS3Buckets ?? [];
    this.s3GatewayEndpoint = new VpcEndpoint(this, 's3', {
      vpcId: props.vpcId,
      serviceName: `com.amazonaws.${props.region}.s3`,
      vpcEndpointType: 'Gateway',
      routeTableIds: [...props.routeTableIds],
      policy: policyDocument(
        {
          Sid: 'EcrImageLayers',
          Effect: 'Allow',
          Principal: '*',
          Action: 's3:GetObject',
          Resource: ecrLayerBucketArn(props.region),
        },
        ...(buckets.length > 0
          ? [
              {
                Sid: 'ConfiguredBuckets',
                Effect: 'Allow' as const,
                Principal: '*' as const,
                Action: ['s3:GetObject', 's3:ListBucket'],
                Resource: buckets.flatMap((b) => [`arn:aws:s3:::${b}`, `arn:aws:s3:::${b}/*`]),
              },
            ]
          : []),
      ),
      tags: { Name: `${props.name}-s3` },
    });
  }
}

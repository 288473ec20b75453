import { Construct } from 'constructs';
import { SecurityGroup } from '@cdktf/provider-aws/lib/security-group';
import { VpcSecurityGroupEgressRule } from '@cdktf/provider-aws/lib/vpc-security-group-egress-rule';
import { VpcSecurityGroupIngressRule } from '@cdktf/provider-aws/lib/vpc-security-group-ingress-rule';

export interface TaskSecurityGroupProps {
  readonly name: string;
  readonly vpcId: string;
  /** The container port the load balancer reaches. */
  readonly port: number;
  /**
   * The load balancer's security group: admitted on the container port, and given an egress
   * rule to the tasks.
   * @default - not behind the load balancer (an internal service: its callers add their own rules)
   */
  readonly albSecurityGroupId?: string;
  /** The interface endpoints' security group: tasks may send HTTPS to it. */
  readonly endpointSecurityGroupId: string;
  /** The S3 gateway endpoint's prefix list: tasks may send HTTPS to it (image layers). */
  readonly s3PrefixListId: string;
  /**
   * Allow HTTPS to the internet (only meaningful with a NAT route).
   * @default false
   */
  readonly internetHttps?: boolean;
}

/**
 * The task security group: ingress only from the load balancer on the container port (for
 * an internal service, only from the services that call it, whose stacks add those rules);
 * egress only HTTPS to the VPC endpoints and the S3 prefix list (plus the internet with NAT).
 * The rule letting the load balancer reach the tasks is made here, on the load balancer's
 * group, so the platform stack never depends on a service.
 */
export class TaskSecurityGroup extends Construct {
  readonly securityGroup: SecurityGroup;

  constructor(scope: Construct, id: string, props: TaskSecurityGroupProps) {
    super(scope, id);
    this.securityGroup = new SecurityGroup(this, 'sg', {
      name: `${props.name}-tasks`,
      description: `Tasks of ${props.name}: from the ALB only; HTTPS to AWS endpoints`,
      vpcId: props.vpcId,
      tags: { Name: `${props.name}-tasks` },
    });
    const sg = this.securityGroup.id;
    if (props.albSecurityGroupId) {
      new VpcSecurityGroupIngressRule(this, 'from-alb', {
        securityGroupId: sg,
        description: 'Container port from the load balancer',
        ipProtocol: 'tcp',
        fromPort: props.port,
        toPort: props.port,
        referencedSecurityGroupId: props.albSecurityGroupId,
      });
      new VpcSecurityGroupEgressRule(this, 'alb-to-tasks', {
        securityGroupId: props.albSecurityGroupId,
        description: `To the tasks of ${props.name}`,
        ipProtocol: 'tcp',
        fromPort: props.port,
        toPort: props.port,
        referencedSecurityGroupId: sg,
      });
    }
    new VpcSecurityGroupEgressRule(this, 'https-to-endpoints', {
      securityGroupId: sg,
      description: 'HTTPS to the interface VPC endpoints (ECR, logs, secrets)',
      ipProtocol: 'tcp',
      fromPort: 443,
      toPort: 443,
      referencedSecurityGroupId: props.endpointSecurityGroupId,
    });
    new VpcSecurityGroupEgressRule(this, 'https-to-s3', {
      securityGroupId: sg,
      description: 'HTTPS to S3 through the gateway endpoint (ECR image layers)',
      ipProtocol: 'tcp',
      fromPort: 443,
      toPort: 443,
      prefixListId: props.s3PrefixListId,
    });
    if (props.internetHttps) {
      new VpcSecurityGroupEgressRule(this, 'https-to-internet', {
        securityGroupId: sg,
        description: 'HTTPS to the internet through the NAT gateway',
        ipProtocol: 'tcp',
        fromPort: 443,
        toPort: 443,
        cidrIpv4: '0.0.0.0/0',
      });
    }
  }
}

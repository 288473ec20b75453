import { Construct } from 'constructs';
import { Lb } from '@cdktf/provider-aws/lib/lb';
import { LbListener, LbListenerDefaultAction } from '@cdktf/provider-aws/lib/lb-listener';
import { SecurityGroup } from '@cdktf/provider-aws/lib/security-group';
import { VpcSecurityGroupIngressRule } from '@cdktf/provider-aws/lib/vpc-security-group-ingress-rule';
import { ALB_TLS_POLICY, ELB_LOG_DELIVERY_ACCOUNTS } from '../config/aws-facts';
import { SecureBucket } from './secure-bucket';

export interface PublicAlbProps {
  /** The load balancer name (<= 32 characters); also prefixes its security group and bucket. */
  readonly name: string;
  readonly region: string;
  readonly vpcId: string;
  /** Public subnets, at least two zones. */
  readonly subnetIds: string[];
  /**
   * ACM certificate for an HTTPS listener. With it, port 80 only redirects to 443 (301).
   * @default - HTTP listener only
   */
  readonly certificateArn?: string;
  /** @default false */
  readonly deletionProtection?: boolean;
  /**
   * Access logs to a bucket made for them (SSE-S3: ALB log delivery does not support SSE-KMS),
   * objects expiring after `expirationDays`.
   * @default - no access logs
   */
  readonly accessLogs?: { readonly bucketName: string; readonly expirationDays: number };
  /** @default 60 */
  readonly idleTimeout?: number;
}

/**
 * The internet-facing Application Load Balancer: the only way into the environment.
 *
 * Exceptions to the secure defaults, on purpose: it is internet-facing (that is its job) and
 * its security group admits 80/443 from anywhere; with a certificate, port 80 only
 * redirects (Security Hub ELB.1). Its security group has no egress here: each service stack
 * adds an egress rule to its own task security group, so the platform never depends on a
 * service. Listeners answer 404 until services add rules.
 */
export class PublicAlb extends Construct {
  readonly securityGroup: SecurityGroup;
  readonly alb: Lb;
  /** The listener services attach their rules to: HTTPS with a certificate, else HTTP. */
  readonly listener: LbListener;
  readonly accessLogsBucket?: SecureBucket;

  constructor(scope: Construct, id: string, props: PublicAlbProps) {
    super(scope, id);
    const https = props.certificateArn !== undefined;

    this.securityGroup = new SecurityGroup(this, 'sg', {
      name: `${props.name}-alb`,
      description: 'Internet-facing ALB: HTTP/HTTPS from anywhere; egress added per service',
      vpcId: props.vpcId,
      tags: { Name: `${props.name}-alb` },
    });
    for (const port of https ? [80, 443] : [80]) {
      new VpcSecurityGroupIngressRule(this, `ingress-${port}`, {
        securityGroupId: this.securityGroup.id,
        description: port === 80 && https ? 'HTTP from the internet (redirected to HTTPS)' : `Port ${port} from the internet (internet-facing by design)`,
        ipProtocol: 'tcp',
        fromPort: port,
        toPort: port,
        cidrIpv4: '0.0.0.0/0',
      });
    }

    if (props.accessLogs) {
      const region = props.region;
      const deliveryAccount = ELB_LOG_DELIVERY_ACCOUNTS[region];
      this.accessLogsBucket = new SecureBucket(this, 'access-logs', {
        bucketName: props.accessLogs.bucketName,
        lifecycleRules: [{ id: 'expire-access-logs', status: 'Enabled', filter: [{ prefix: '' }], expiration: [{ days: props.accessLogs.expirationDays }] }],
        policyStatements: (bucketArn) => [
          {
            Sid: 'ElbLogDelivery',
            Effect: 'Allow',
            Principal: (deliveryAccount
              ? { AWS: `arn:aws:iam::${deliveryAccount}:root` }
              : { Service: 'logdelivery.elasticloadbalancing.amazonaws.com' }) as Record<string, string>,
            Action: 's3:PutObject',
            Resource: `${bucketArn}/alb/AWSLogs/*`,
          },
        ],
      });
    }

    this.alb = new Lb(this, 'alb', {
      name: props.name,
      loadBalancerType: 'application',
      internal: false,
      subnets: props.subnetIds,
      securityGroups: [this.securityGroup.id],
      dropInvalidHeaderFields: true,
      desyncMitigationMode: 'defensive',
      enableDeletionProtection: props.deletionProtection ?? false,
      idleTimeout: props.idleTimeout ?? 60,
      accessLogs: this.accessLogsBucket ? { bucket: this.accessLogsBucket.bucket.id, prefix: 'alb', enabled: true } : undefined,
      dependsOn: this.accessLogsBucket ? [this.accessLogsBucket.policy] : undefined,
      tags: { Name: props.name },
    });

    const notFound: LbListenerDefaultAction = {
      type: 'fixed-response',
      fixedResponse: { contentType: 'text/plain', statusCode: '404', messageBody: 'Not Found' },
    };
    if (https) {
      this.listener = new LbListener(this, 'https', {
        loadBalancerArn: this.alb.arn,
        port: 443,
        protocol: 'HTTPS',
        sslPolicy: ALB_TLS_POLICY,
        certificateArn: props.certificateArn,
        defaultAction: [notFound],
      });
      new LbListener(this, 'http-redirect', {
        loadBalancerArn: this.alb.arn,
        port: 80,
        protocol: 'HTTP',
        defaultAction: [{ type: 'redirect', redirect: { port: '443', protocol: 'HTTPS', statusCode: 'HTTP_301' } }],
      });
    } else {
      this.listener = new LbListener(this, 'http', {
        loadBalancerArn: this.alb.arn,
        port: 80,
        protocol: 'HTTP',
        defaultAction: [notFound],
      });
    }
  }
}

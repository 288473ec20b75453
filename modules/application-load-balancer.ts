import { Construct } from 'constructs';
import { Lb } from '@cdktf/provider-aws/lib/lb';
import { LbListener, LbListenerDefaultAction } from '@cdktf/provider-aws/lib/lb-listener';
import { SecurityGroup } from '@cdktf/provider-aws/lib/security-group';
import { VpcSecurityGroupIngressRule } from '@cdktf/provider-aws/lib/vpc-security-group-ingress-rule';
import { ALB_TLS_POLICY, ELB_LOG_DELIVERY_ACCOUNTS } from '../config/aws-facts';
import { expiringLogsRule, SecureBucket } from './secure-bucket';

/** Where the load balancer accepts connections from, on one port. */
export type AlbIngress =
  | { readonly port: number; readonly cidrIpv4: string; readonly description: string }
  | { readonly port: number; readonly prefixListId: string; readonly description: string }
  | { readonly port: number; readonly securityGroupId: string; readonly description: string };

export interface ApplicationLoadBalancerProps {
  /** The load balancer name (<= 32 characters); also prefixes its security group and bucket. */
  readonly name: string;
  readonly region: string;
  readonly vpcId: string;
  /** Subnets in at least two zones: public ones for an internet-facing ALB, private ones for an internal ALB. */
  readonly subnetIds: string[];
  /**
   * An internal load balancer (no public addresses), e.g. behind a CloudFront VPC origin.
   * @default false (internet-facing)
   */
  readonly internal?: boolean;
  /**
   * Ingress rules of the load balancer's security group.
   * @default - 80 (and 443 with a certificate) from 0.0.0.0/0
   */
  readonly ingress?: readonly AlbIngress[];
  /**
   * Status code of the listener's default action (requests no service rule matches).
   * @default '404'
   */
  readonly defaultStatusCode?: '403' | '404';
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
 * The environment's Application Load Balancer: the only way into the services.
 *
 * By default it is internet-facing and its security group admits 80/443 from anywhere: an
 * exception to the secure defaults on purpose (that is its job); with a certificate, port 80
 * only redirects (Security Hub ELB.1). Behind CloudFront it admits only CloudFront (`ingress`),
 * or becomes internal. Its security group has no egress here: each service stack adds an
 * egress rule to its own task security group, so the platform never depends on a service.
 * Listeners answer 404 (or 403) until services add rules.
 */
export class ApplicationLoadBalancer extends Construct {
  readonly securityGroup: SecurityGroup;
  readonly alb: Lb;
  /** The listener services attach their rules to: HTTPS with a certificate, else HTTP. */
  readonly listener: LbListener;
  readonly accessLogsBucket?: SecureBucket;

  constructor(scope: Construct, id: string, props: ApplicationLoadBalancerProps) {
    super(scope, id);
    const https = props.certificateArn !== undefined;
    const ingress: readonly AlbIngress[] = props.ingress ?? [
      { port: 80, cidrIpv4: '0.0.0.0/0', description: https ? 'HTTP from the internet (redirected to HTTPS)' : 'HTTP from the internet (internet-facing by design)' },
      ...(https ? [{ port: 443, cidrIpv4: '0.0.0.0/0', description: 'HTTPS from the internet (internet-facing by design)' }] : []),
    ];

    this.securityGroup = new SecurityGroup(this, 'sg', {
      name: `${props.name}-alb`,
      description: 'Application load balancer: ingress per configuration; egress added per service',
      vpcId: props.vpcId,
      tags: { Name: `${props.name}-alb` },
    });
    for (const rule of ingress) this.addIngress(rule);

    if (props.accessLogs) {
      const region = props.region;
      const deliveryAccount = ELB_LOG_DELIVERY_ACCOUNTS[region];
      this.accessLogsBucket = new SecureBucket(this, 'access-logs', {
        bucketName: props.accessLogs.bucketName,
        // Versioned (S3.14); noncurrent versions expire too.
        versioned: true,
        lifecycleRules: [expiringLogsRule(props.accessLogs.expirationDays)],
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
      internal: props.internal ?? false,
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
      fixedResponse: props.defaultStatusCode === '403' ? { contentType: 'text/plain', statusCode: '403', messageBody: 'Forbidden' } : { contentType: 'text/plain', statusCode: '404', messageBody: 'Not Found' },
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

  /** Admits `rule`'s source on its port. */
  addIngress(rule: AlbIngress): void {
    const { port, description, ...source } = rule;
    const kind = 'cidrIpv4' in source ? 'cidr' : 'prefixListId' in source ? 'prefix-list' : 'sg';
    new VpcSecurityGroupIngressRule(this, `ingress-${port}-${kind}`, {
      securityGroupId: this.securityGroup.id,
      description,
      ipProtocol: 'tcp',
      fromPort: port,
      toPort: port,
      cidrIpv4: 'cidrIpv4' in source ? source.cidrIpv4 : undefined,
      prefixListId: 'prefixListId' in source ? source.prefixListId : undefined,
      referencedSecurityGroupId: 'securityGroupId' in source ? source.securityGroupId : undefined,
    });
  }
}

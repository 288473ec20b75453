import { Construct } from 'constructs';
import { TerraformIterator, TerraformProvider, Token } from 'cdktf';
import { AcmCertificate } from '@cdktf/provider-aws/lib/acm-certificate';
import { AcmCertificateValidation } from '@cdktf/provider-aws/lib/acm-certificate-validation';
import { CloudfrontDistribution, CloudfrontDistributionOrigin } from '@cdktf/provider-aws/lib/cloudfront-distribution';
import { CloudfrontResponseHeadersPolicy } from '@cdktf/provider-aws/lib/cloudfront-response-headers-policy';
import { CloudfrontVpcOrigin } from '@cdktf/provider-aws/lib/cloudfront-vpc-origin';
import { Route53Record } from '@cdktf/provider-aws/lib/route53-record';
import { expiringLogsRule, SecureBucket } from './secure-bucket';

/** AWS-managed CloudFront policies (ids are global constants; no look-up needed). */
export const MANAGED_POLICIES = {
  /** Managed-CachingDisabled: dynamic application responses are not cached. */
  cachingDisabled: '4135ea2d-6df8-44a3-9df3-4b5a84be39ad',
  /** Managed-AllViewerExceptHostHeader: forwards headers, cookies and query strings, but not Host (the ALB's name is the origin). */
  allViewerExceptHostHeader: 'b689b0a8-53d0-40ab-baf2-68738e2966ac',
} as const;

/** The header carrying the shared secret from CloudFront to the load balancer (prefix-list mode). */
export const ORIGIN_VERIFY_HEADER = 'X-Origin-Verify';

export interface CloudfrontEdgeProps {
  readonly name: string;
  /** Provider for us-east-1, where CloudFront certificates must live. */
  readonly usEast1: TerraformProvider;
  readonly albArn: string;
  readonly albDnsName: string;
  /**
   * Reach an internal ALB through a CloudFront VPC origin; otherwise connect to the ALB's public name.
   */
  readonly vpcOrigin: boolean;
  /** How CloudFront connects to the ALB. */
  readonly origin: { readonly protocol: 'http-only' | 'https-only'; readonly port: number; readonly domain?: string };
  /** Value of the secret origin header (a Terraform expression; never a literal). @default - no header */
  readonly originSecret?: string;
  /** @default [] */
  readonly aliases?: readonly string[];
  /** Existing us-east-1 certificate for the aliases. @default - requested (DNS validation) when there are aliases */
  readonly certificateArn?: string;
  /** Route 53 zone for the requested certificate's validation records. @default - validated by hand */
  readonly hostedZoneId?: string;
  /** WAFv2 web ACL (CLOUDFRONT scope, in us-east-1). @default - none */
  readonly webAclArn?: string;
  /** An existing bucket for standard logging (ACLs enabled). @default - no logging, or `accessLogs` */
  readonly loggingBucket?: string;
  /**
   * Standard logging to a bucket made for it, in the stack's region: SSE-S3, public access
   * blocked, ACLs enabled (`BucketOwnerPreferred`: CloudFront standard logging writes with
   * ACLs), objects expiring after `expirationDays`.
   * @default - no logging, or `loggingBucket`
   */
  readonly accessLogs?: { readonly bucketName: string; readonly expirationDays: number };
  /** @default 'PriceClass_100' */
  readonly priceClass?: string;
  /**
   * HSTS max-age of the security headers policy, in seconds.
   * @default 63072000 (two years, what the HSTS preload list asks)
   */
  readonly hstsMaxAgeSeconds?: number;
}

/** Two years: at least the one year Checkov and the HSTS preload list require. */
export const HSTS_MAX_AGE_SECONDS = 63_072_000;

/**
 * A CloudFront distribution in front of the environment's load balancer: HTTPS to viewers
 * (`redirect-to-https`; with aliases, an SNI certificate from us-east-1 and TLSv1.2_2021 as
 * the minimum), no caching of dynamic responses by default, viewer headers/cookies/queries
 * forwarded to the origin, security headers on every response (HSTS with subdomains,
 * nosniff, DENY framing, strict-origin-when-cross-origin referrers, XSS filter blocking:
 * Checkov CKV2_AWS_32), optional WAF and standard logging.
 */
export class CloudfrontEdge extends Construct {
  readonly distribution: CloudfrontDistribution;
  readonly vpcOrigin?: CloudfrontVpcOrigin;
  readonly certificate?: AcmCertificate;
  readonly securityHeaders: CloudfrontResponseHeadersPolicy;
  readonly accessLogsBucket?: SecureBucket;

  constructor(scope: Construct, id: string, props: CloudfrontEdgeProps) {
    super(scope, id);
    const aliases = [...(props.aliases ?? [])];

    let certificateArn = props.certificateArn;
    let validation: AcmCertificateValidation | undefined;
    if (aliases.length > 0 && !certificateArn) {
      this.certificate = new AcmCertificate(this, 'certificate', {
        provider: props.usEast1,
        domainName: aliases[0],
        subjectAlternativeNames: aliases.slice(1),
        validationMethod: 'DNS',
        lifecycle: { createBeforeDestroy: true },
      });
      certificateArn = this.certificate.arn;
      if (props.hostedZoneId) {
        const options = TerraformIterator.fromComplexList(this.certificate.domainValidationOptions, 'domain_name');
        const records = new Route53Record(this, 'certificate-validation', {
          forEach: options,
          zoneId: props.hostedZoneId,
          name: options.getString('resource_record_name'),
          type: options.getString('resource_record_type'),
          records: [options.getString('resource_record_value')],
          ttl: 60,
          allowOverwrite: true,
        });
        validation = new AcmCertificateValidation(this, 'certificate-issued', {
          provider: props.usEast1,
          certificateArn: this.certificate.arn,
          validationRecordFqdns: Token.asList(TerraformIterator.fromResources(records).pluckProperty('fqdn')),
        });
        certificateArn = validation.certificateArn;
      }
    }

    if (props.vpcOrigin) {
      this.vpcOrigin = new CloudfrontVpcOrigin(this, 'vpc-origin', {
        vpcOriginEndpointConfig: [
          {
            name: props.name,
            arn: props.albArn,
            httpPort: 80,
            httpsPort: 443,
            originProtocolPolicy: props.origin.protocol,
            originSslProtocols: [{ items: ['TLSv1.2'], quantity: 1 }],
          },
        ],
      });
    }

    const origin: CloudfrontDistributionOrigin = {
      originId: 'alb',
      domainName: props.origin.domain ?? props.albDnsName,
      ...(this.vpcOrigin
        ? { vpcOriginConfig: { vpcOriginId: this.vpcOrigin.id } }
        : {
            customOriginConfig: {
              originProtocolPolicy: props.origin.protocol,
              httpPort: 80,
              httpsPort: 443,
              originSslProtocols: ['TLSv1.2'],
            },
          }),
      customHeader: props.originSecret ? [{ name: ORIGIN_VERIFY_HEADER, value: props.originSecret }] : undefined,
    };

    this.securityHeaders = new CloudfrontResponseHeadersPolicy(this, 'security-headers', {
      name: `${props.name}-security-headers`,
      comment: `${props.name}: security headers on every response`,
      // `override: true`: the edge's values win over whatever the application sends.
      securityHeadersConfig: {
        strictTransportSecurity: { accessControlMaxAgeSec: props.hstsMaxAgeSeconds ?? HSTS_MAX_AGE_SECONDS, includeSubdomains: true, preload: false, override: true },
        contentTypeOptions: { override: true },
        frameOptions: { frameOption: 'DENY', override: true },
        referrerPolicy: { referrerPolicy: 'strict-origin-when-cross-origin', override: true },
        xssProtection: { protection: true, modeBlock: true, override: true },
      },
    });

    let loggingBucket = props.loggingBucket && `${props.loggingBucket}.s3.amazonaws.com`;
    if (props.accessLogs) {
      this.accessLogsBucket = new SecureBucket(this, 'access-logs', {
        bucketName: props.accessLogs.bucketName,
        objectOwnership: 'BucketOwnerPreferred',
        // Versioned (S3.14); noncurrent versions expire too.
        versioned: true,
        lifecycleRules: [expiringLogsRule(props.accessLogs.expirationDays)],
      });
      loggingBucket = this.accessLogsBucket.bucket.bucketDomainName;
    }

    const dependsOn = [...(validation ? [validation] : []), ...(this.accessLogsBucket ? [this.accessLogsBucket.ownershipControls] : [])];
    this.distribution = new CloudfrontDistribution(this, 'distribution', {
      enabled: true,
      comment: `${props.name}: CloudFront in front of the load balancer`,
      aliases: aliases.length > 0 ? aliases : undefined,
      priceClass: props.priceClass ?? 'PriceClass_100',
      httpVersion: 'http2and3',
      isIpv6Enabled: true,
      webAclId: props.webAclArn,
      origin: [origin],
      defaultCacheBehavior: {
        targetOriginId: 'alb',
        viewerProtocolPolicy: 'redirect-to-https',
        allowedMethods: ['GET', 'HEAD', 'OPTIONS', 'PUT', 'POST', 'PATCH', 'DELETE'],
        cachedMethods: ['GET', 'HEAD'],
        compress: true,
        cachePolicyId: MANAGED_POLICIES.cachingDisabled,
        originRequestPolicyId: MANAGED_POLICIES.allViewerExceptHostHeader,
        responseHeadersPolicyId: this.securityHeaders.id,
      },
      restrictions: { geoRestriction: { restrictionType: 'none' } },
      viewerCertificate: certificateArn
        ? { acmCertificateArn: certificateArn, sslSupportMethod: 'sni-only', minimumProtocolVersion: 'TLSv1.2_2021' }
        : // The *.cloudfront.net certificate cannot set a minimum TLS version; configure aliases for TLSv1.2_2021.
          { cloudfrontDefaultCertificate: true },
      loggingConfig: loggingBucket ? { bucket: loggingBucket, prefix: `${props.name}/`, includeCookies: false } : undefined,
      // CloudFront grants its log delivery through the bucket ACL: ACLs must be on first.
      dependsOn: dependsOn.length > 0 ? dependsOn : undefined,
    });
  }
}

/** Cross-field rules of the `cloudfront` section and its resolved form. */
import type { ParsedCloudfront } from './cloudfront-schema';
import { ACM_FIRST_DOMAIN_MAX } from './aws-rules';
import { ConfigIssue, quote } from './issues';
import { defaultLogDays, type ResolvedPlatform } from './validate-services';

export interface ResolvedCloudfront {
  readonly originProtection: 'vpc-origin' | 'prefix-list';
  readonly aliases: readonly string[];
  /** An existing us-east-1 certificate, or undefined: one is requested when there are aliases. */
  readonly certificateArn?: string;
  readonly hostedZoneId?: string;
  readonly webAclArn?: string;
  readonly loggingBucket?: string;
  /** Standard logging to a bucket the platform stack creates (ACLs on, as CloudFront requires). */
  readonly accessLogs?: { readonly expirationDays: number };
  readonly priceClass: string;
  /** prefix-list mode: an explicit prefix list id; undefined means a data source look-up. */
  readonly prefixListId?: string;
  /** How CloudFront connects to the load balancer. */
  readonly origin: { readonly protocol: 'http-only' | 'https-only'; readonly port: number; readonly domain?: string };
  /** prefix-list mode: where the secret header value comes from. */
  readonly originSecret?: { readonly source: 'variable' } | { readonly source: 'secretsmanager'; readonly secretArn: string };
}

/**
 * The price class whose edge locations include the region's part of the world, so viewers
 * near the environment are served nearby: PriceClass_100 covers North America, Europe and
 * Israel; PriceClass_200 adds Asia, the Middle East and Africa; only PriceClass_All has
 * South America and Australia/New Zealand.
 */
export function defaultPriceClass(region: string): 'PriceClass_100' | 'PriceClass_200' | 'PriceClass_All' {
  if (/^(us|ca|eu|il|mx)-/.test(region)) return 'PriceClass_100';
  if (/^sa-/.test(region) || ['ap-southeast-2', 'ap-southeast-4', 'ap-southeast-6'].includes(region)) return 'PriceClass_All';
  return 'PriceClass_200';
}

export interface CloudfrontContext {
  readonly region: string;
  /** Production turns standard logging on by default. */
  readonly production: boolean;
}

/** `envPath` is the environment's key path; the section is at `<envPath>.cloudfront`. */
export function resolveCloudfront(cf: ParsedCloudfront | undefined, platform: ResolvedPlatform, ctx: CloudfrontContext, envPath: string, issues: ConfigIssue[]): ResolvedCloudfront | undefined {
  if (!cf?.enabled) return undefined;
  const before = issues.length;
  const path = `${envPath}.cloudfront`;
  const report = (key: string, message: string) => issues.push({ path: `${path}.${key}`, message });
  const prefixList = cf.originProtection === 'prefix-list';

  if (!prefixList) {
    if (cf.prefixListId) report('prefixListId', 'is only used with originProtection: "prefix-list"');
    if (cf.originDomain) report('originDomain', 'is only used with originProtection: "prefix-list" (a VPC origin reaches the internal ALB directly)');
    if (cf.originSecret.source !== 'variable' || cf.originSecret.secretArn) report('originSecret', 'is only used with originProtection: "prefix-list"');
  }
  if (prefixList && platform.certificateArn && !cf.originDomain) {
    report(
      'originDomain',
      'is required with originProtection: "prefix-list" when platform.certificateArn is set: CloudFront connects over HTTPS and needs a name the ALB certificate covers (port 80 only redirects)',
    );
  }
  if (!prefixList && platform.certificateArn) {
    // The VPC origin speaks HTTP to the internal ALB, whose port 80 then only redirects to
    // https://<internal name>: viewers would be sent to a name they cannot reach.
    issues.push({
      path: `${envPath}.platform.certificateArn`,
      message:
        'cannot be used with cloudfront.originProtection: "vpc-origin": CloudFront reaches the internal load balancer over HTTP, which would only redirect viewers to its private name; remove platform.certificateArn (CloudFront serves HTTPS to viewers) or use originProtection: "prefix-list" with originDomain',
    });
  }
  if (cf.originSecret.source === 'secretsmanager' && !cf.originSecret.secretArn) report('originSecret.secretArn', 'is required with source: "secretsmanager"');
  if (cf.certificateArn && cf.aliases.length === 0) report('certificateArn', 'is only used with aliases (without them CloudFront serves its own *.cloudfront.net certificate)');
  if (cf.hostedZoneId && (cf.certificateArn || cf.aliases.length === 0)) report('hostedZoneId', 'is only used when the stack requests the certificate (aliases set, certificateArn not set)');
  const requested = cf.aliases.length > 0 && !cf.certificateArn;
  if (requested && cf.aliases[0].length > ACM_FIRST_DOMAIN_MAX) {
    // The requested certificate's domain name is the first alias; the others become its alternative names.
    report(
      'aliases.0',
      `${quote(cf.aliases[0])} has ${cf.aliases[0].length} characters, but the certificate the stack requests takes the first alias as its domain name, which ACM limits to ${ACM_FIRST_DOMAIN_MAX}: list a shorter alias first, or give certificateArn`,
    );
  }
  if (cf.loggingBucket && cf.accessLogs?.enabled) report('accessLogs', 'cannot be combined with loggingBucket: logs go either to that existing bucket or to one the stack creates');
  if (issues.length > before) return undefined;

  const accessLogs = cf.loggingBucket ? undefined : (cf.accessLogs ?? (ctx.production ? { enabled: true } : undefined));

  const https = prefixList && platform.certificateArn !== undefined;
  return {
    originProtection: cf.originProtection,
    aliases: cf.aliases,
    certificateArn: cf.certificateArn,
    hostedZoneId: cf.hostedZoneId,
    webAclArn: cf.webAclArn,
    loggingBucket: cf.loggingBucket,
    accessLogs: accessLogs?.enabled ? { expirationDays: accessLogs.expirationDays ?? defaultLogDays(ctx.production) } : undefined,
    priceClass: cf.priceClass ?? defaultPriceClass(ctx.region),
    prefixListId: cf.prefixListId,
    // A VPC origin stays on the AWS network to an internal ALB, whose DNS name no certificate covers: HTTP.
    origin: https ? { protocol: 'https-only', port: 443, domain: cf.originDomain } : { protocol: 'http-only', port: 80 },
    originSecret: prefixList
      ? cf.originSecret.source === 'secretsmanager'
        ? { source: 'secretsmanager', secretArn: cf.originSecret.secretArn! }
        : { source: 'variable' }
      : undefined,
  };
}

/** Cross-field rules of the `cloudfront` section and its resolved form. */
import type { ParsedCloudfront } from './cloudfront-schema';
import type { ResolvedPlatform } from './validate-services';
import { ACM_FIRST_DOMAIN_MAX } from './aws-rules';
import { ConfigIssue, quote } from './issues';

export interface ResolvedCloudfront {
  readonly originProtection: 'vpc-origin' | 'prefix-list';
  readonly aliases: readonly string[];
  /** An existing us-east-1 certificate, or undefined: one is requested when there are aliases. */
  readonly certificateArn?: string;
  readonly hostedZoneId?: string;
  readonly webAclArn?: string;
  readonly loggingBucket?: string;
  readonly priceClass: string;
  /** prefix-list mode: an explicit prefix list id; undefined means a data source look-up. */
  readonly prefixListId?: string;
  /** How CloudFront connects to the load balancer. */
  readonly origin: { readonly protocol: 'http-only' | 'https-only'; readonly port: number; readonly domain?: string };
  /** prefix-list mode: where the secret header value comes from. */
  readonly originSecret?: { readonly source: 'variable' } | { readonly source: 'secretsmanager'; readonly secretArn: string };
}

/** `envPath` is the environment's key path; the section is at `<envPath>.cloudfront`. */
export function resolveCloudfront(cf: ParsedCloudfront | undefined, platform: ResolvedPlatform, envPath: string, issues: ConfigIssue[]): ResolvedCloudfront | undefined {
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
  if (issues.length > before) return undefined;

  const https = prefixList && platform.certificateArn !== undefined;
  return {
    originProtection: cf.originProtection,
    aliases: cf.aliases,
    certificateArn: cf.certificateArn,
    hostedZoneId: cf.hostedZoneId,
    webAclArn: cf.webAclArn,
    loggingBucket: cf.loggingBucket,
    priceClass: cf.priceClass,
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

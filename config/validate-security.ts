/**
 * Rules of the hardening options: what makes an environment "production", the entry point
 * a production environment may expose, and the resolved `waf` section.
 */
import type { ParsedWaf } from './security-schema';
import { DEFAULT_MANAGED_RULE_GROUPS } from './security-schema';
import type { ResolvedCloudfront } from './validate-cloudfront';
import type { ResolvedPlatform } from './validate-services';
import type { ConfigIssue } from './issues';

/** Environment names that are production unless `production: false` says otherwise. */
export const PRODUCTION_NAMES = ['prod', 'production'] as const;

export function isProduction(name: string, explicit: boolean | undefined): boolean {
  return explicit ?? (PRODUCTION_NAMES as readonly string[]).includes(name);
}

export interface ResolvedWaf {
  /** Where the web ACL is attached: CloudFront (CLOUDFRONT scope, us-east-1) or the ALB (REGIONAL). */
  readonly scope: 'CLOUDFRONT' | 'REGIONAL';
  /** An existing web ACL; undefined: the platform stack creates one. */
  readonly webAclArn?: string;
  /** AWS managed rule groups of the created web ACL, in evaluation order. */
  readonly managedRuleGroups: readonly string[];
}

/**
 * A production environment must not serve plain HTTP to the internet: either CloudFront
 * in front (HTTPS to viewers with CloudFront's certificate), or an ALB certificate, or the
 * explicit opt-out `platform.allowPlainHttp`. prefix-list mode without an ALB certificate
 * is refused too: CloudFront would then reach the public ALB over HTTP across the internet.
 */
export function checkProductionEntryPoint(
  production: boolean,
  platform: ResolvedPlatform,
  cloudfront: ResolvedCloudfront | undefined,
  cloudfrontGiven: boolean,
  path: string,
  issues: ConfigIssue[],
): void {
  if (!production) {
    if (platform.allowPlainHttp) issues.push({ path: `${path}.platform.allowPlainHttp`, message: 'is only used in a production environment (production: true, or named prod/production)' });
    return;
  }
  if (platform.allowPlainHttp || platform.certificateArn) return;
  if (!cloudfrontGiven) {
    issues.push({
      path: `${path}.cloudfront`,
      message:
        'is required in a production environment without platform.certificateArn: the internet-facing load balancer would serve plain HTTP. ' +
        'Add `cloudfront: {}` (HTTPS with the *.cloudfront.net certificate; the ALB becomes internal behind a VPC origin), set platform.certificateArn, ' +
        'or accept plain HTTP with platform.allowPlainHttp: true',
    });
  } else if (cloudfront?.originProtection === 'prefix-list') {
    issues.push({
      path: `${path}.platform.certificateArn`,
      message:
        'is required in a production environment with cloudfront.originProtection: "prefix-list": CloudFront would reach the public load balancer over plain HTTP across the internet. ' +
        'Use originProtection: "vpc-origin" (the ALB becomes internal), set a certificate (with cloudfront.originDomain), or set platform.allowPlainHttp: true',
    });
  }
}

/**
 * The `waf` section: attached to CloudFront when the environment has it (the internet-facing
 * entry point then), else to the load balancer; an existing web ACL must have that scope.
 */
export function resolveWaf(
  waf: ParsedWaf | undefined,
  cloudfront: ResolvedCloudfront | undefined,
  cloudfrontWebAclArn: string | undefined,
  path: string,
  issues: ConfigIssue[],
): ResolvedWaf | undefined {
  if (!waf?.enabled) return undefined;
  const report = (key: string, message: string) => issues.push({ path: `${path}.${key}`, message });
  const scope = cloudfront ? 'CLOUDFRONT' : 'REGIONAL';
  const before = issues.length;
  if (cloudfrontWebAclArn) {
    report('webAclArn', 'cloudfront.webAclArn is set as well: give the web ACL in one place (waf.webAclArn), or remove the waf section');
  }
  if (waf.webAclArn) {
    const global = /:global\/webacl\//.test(waf.webAclArn);
    if (scope === 'CLOUDFRONT' && !(global && waf.webAclArn.split(':')[3] === 'us-east-1')) {
      report('webAclArn', 'must be a CLOUDFRONT-scope web ACL (arn:aws:wafv2:us-east-1:<account>:global/webacl/...): the environment has cloudfront, where the web ACL is attached');
    }
    if (scope === 'REGIONAL' && global) {
      report('webAclArn', 'must be a REGIONAL web ACL (.../regional/webacl/...): without cloudfront the web ACL is attached to the load balancer');
    }
    if (waf.managedRuleGroups.length > 0) report('managedRuleGroups', 'is only used for the web ACL the stack creates (webAclArn is set)');
  }
  waf.managedRuleGroups.forEach((group, i) => {
    if ((DEFAULT_MANAGED_RULE_GROUPS as readonly string[]).includes(group) || waf.managedRuleGroups.indexOf(group) !== i) {
      report(`managedRuleGroups.${i}`, `"${group}" is listed twice (the created web ACL always has ${DEFAULT_MANAGED_RULE_GROUPS.join(', ')})`);
    }
  });
  if (issues.length > before) return undefined;
  return { scope, webAclArn: waf.webAclArn, managedRuleGroups: [...DEFAULT_MANAGED_RULE_GROUPS, ...waf.managedRuleGroups] };
}

import { Construct } from 'constructs';
import type { TerraformProvider } from 'cdktf';
import { Wafv2WebAcl, Wafv2WebAclRule } from '@cdktf/provider-aws/lib/wafv2-web-acl';

export interface ManagedRulesWebAclProps {
  /** Name of the web ACL and prefix of its metric names, e.g. `acme-prod`. */
  readonly name: string;
  /** `CLOUDFRONT` (global; created through a us-east-1 provider) or `REGIONAL` (an ALB in the stack's region). */
  readonly scope: 'CLOUDFRONT' | 'REGIONAL';
  /** AWS managed rule groups, evaluated in this order. */
  readonly managedRuleGroups: readonly string[];
  /**
   * Provider to create the web ACL with; required for `CLOUDFRONT` (it must be us-east-1).
   * @default - the stack's default provider
   */
  readonly provider?: TerraformProvider;
}

/**
 * An AWS WAF web ACL (Checkov CKV2_AWS_28 on an ALB, CKV_AWS_68 on CloudFront) that allows
 * by default and runs AWS managed rule groups (their own block actions apply), with
 * CloudWatch metrics and sampled requests on for the web ACL and every rule, so blocks
 * can be seen and tuned. Attaching it is the caller's job (a web ACL association for an
 * ALB, `web_acl_id` for CloudFront).
 */
export class ManagedRulesWebAcl extends Construct {
  readonly webAcl: Wafv2WebAcl;

  constructor(scope: Construct, id: string, props: ManagedRulesWebAclProps) {
    super(scope, id);
    if (props.scope === 'CLOUDFRONT' && !props.provider) throw new Error('ManagedRulesWebAcl: a CLOUDFRONT web ACL needs the us-east-1 provider');
    const visibility = (metricName: string) => ({ cloudwatchMetricsEnabled: true, sampledRequestsEnabled: true, metricName });
    const rules: Wafv2WebAclRule[] = props.managedRuleGroups.map((group, i) => ({
      name: group,
      priority: (i + 1) * 10,
      // `none`: keep the actions the rule group defines (`count` would only observe).
      overrideAction: { none: {} },
      // The statement is untyped in the provider bindings: written in Terraform's own names.
      statement: { managed_rule_group_statement: { name: group, vendor_name: 'AWS' } },
      visibilityConfig: visibility(`${props.name}-${group}`),
    }));
    this.webAcl = new Wafv2WebAcl(this, 'web-acl', {
      provider: props.provider,
      name: props.name,
      description: `${props.name}: AWS managed rule groups in front of the ${props.scope === 'CLOUDFRONT' ? 'CloudFront distribution' : 'load balancer'}`,
      scope: props.scope,
      defaultAction: { allow: {} },
      rule: rules,
      visibilityConfig: visibility(props.name),
    });
  }
}

/** Schema of an environment's optional `waf` section and its `logs` section (hardening options). */
import { z } from 'zod';
import { arnPartitionProblem, refinedBy } from './aws-rules';

/** The AWS managed rule groups the created web ACL always has (no extra WCU or price per group). */
export const DEFAULT_MANAGED_RULE_GROUPS = ['AWSManagedRulesCommonRuleSet', 'AWSManagedRulesKnownBadInputsRuleSet', 'AWSManagedRulesAmazonIpReputationList'] as const;

export const wafSchema = z
  .strictObject({
    enabled: z.boolean().default(true),
    webAclArn: z
      .string()
      .regex(/^arn:aws[a-z-]*:wafv2:[a-z0-9-]+:\d{12}:(global|regional)\/webacl\/.+$/, {
        error: 'must be a WAFv2 web ACL ARN (arn:aws:wafv2:<region>:<account>:regional/webacl/<name>/<id>, or global/webacl/... in us-east-1 for CloudFront)',
      })
      .superRefine(refinedBy(arnPartitionProblem))
      .optional()
      .describe('An existing web ACL to attach instead of creating one: CLOUDFRONT scope (global, us-east-1) with cloudfront, else REGIONAL in the environment region.'),
    managedRuleGroups: z
      .array(z.string().regex(/^AWSManagedRules[A-Za-z0-9]+$/, { error: 'must be the name of an AWS managed rule group, e.g. AWSManagedRulesSQLiRuleSet' }))
      .default([])
      .describe(`AWS managed rule groups added after ${DEFAULT_MANAGED_RULE_GROUPS.join(', ')} (which the created web ACL always has).`),
  })
  .describe(
    'AWS WAF on the internet-facing entry point: a web ACL with AWS managed rule groups, metrics on, attached to CloudFront (CLOUDFRONT scope, us-east-1) when cloudfront is set, else to the ALB. Costs a monthly fee per web ACL and rule plus requests (see npm run cost).',
  );

export const logsSchema = z
  .strictObject({
    kmsKey: z
      .boolean()
      .default(false)
      .describe("Encrypt the environment's CloudWatch log groups (flow logs, services) with a customer managed KMS key the network stack creates (rotation on; about $1 a month)."),
  })
  .describe("The environment's CloudWatch log groups.");

export type ParsedWaf = z.output<typeof wafSchema>;

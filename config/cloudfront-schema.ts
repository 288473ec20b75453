/** Schema of an environment's optional `cloudfront` section (CloudFront in front of the ALB). */
import { z } from 'zod';
import { API_INTEGER_MAX, arnPartitionProblem, dnsNameProblem, refinedBy, s3BucketNameProblem } from './aws-rules';
import { quote } from './issues';

export const cloudfrontSchema = z
  .strictObject({
    enabled: z.boolean().default(true),
    originProtection: z
      .enum(['vpc-origin', 'prefix-list'], {
        error: 'must be "vpc-origin" (the ALB becomes internal, reached through a CloudFront VPC origin) or "prefix-list" (the ALB stays public, admits only CloudFront and requires a secret header)',
      })
      .default('vpc-origin')
      .describe('How the load balancer accepts only CloudFront. "vpc-origin" (recommended) makes the ALB internal.'),
    aliases: z
      .array(z.string().regex(/^(\*\.)?([a-z0-9-]+\.)+[a-z]{2,}$/, { error: 'must be a lowercase DNS name, e.g. www.example.com' }).superRefine(refinedBy(dnsNameProblem)))
      .max(100, { error: 'at most 100 aliases (a CloudFront distribution quota)' })
      // CloudFront and the certificate the stack requests take each name once.
      .superRefine((aliases, ctx) =>
        aliases.forEach((alias, i) => {
          if (aliases.indexOf(alias) !== i) ctx.addIssue({ code: 'custom', path: [i], message: `${quote(alias)} is listed twice` });
        }),
      )
      .default([])
      .describe('Alternate domain names. They need a certificate in us-east-1: certificateArn, or one the stack requests.'),
    certificateArn: z
      .string()
      .regex(/^arn:aws[a-z-]*:acm:us-east-1:\d{12}:certificate\/[0-9a-f-]+$/, { error: 'must be an ACM certificate ARN in us-east-1 (CloudFront only uses certificates from us-east-1)' })
      .superRefine(refinedBy(arnPartitionProblem))
      .optional()
      .describe('Viewer certificate for the aliases. Default with aliases: a DNS-validated certificate requested in us-east-1.'),
    hostedZoneId: z
      .string()
      .regex(/^Z[A-Z0-9]{4,32}$/, { error: 'must be a Route 53 hosted zone id, e.g. Z0123456789ABCDEFGHIJ' })
      .optional()
      .describe('Route 53 zone to write the requested certificate\'s validation records to. Default: validate by hand from the stack output.'),
    webAclArn: z
      .string()
      .regex(/^arn:aws[a-z-]*:wafv2:us-east-1:\d{12}:global\/webacl\/.+$/, { error: 'must be a WAFv2 web ACL ARN with CLOUDFRONT scope (arn:aws:wafv2:us-east-1:<account>:global/webacl/<name>/<id>)' })
      .superRefine(refinedBy(arnPartitionProblem))
      .optional(),
    loggingBucket: z
      .string()
      .superRefine(refinedBy(s3BucketNameProblem))
      .optional()
      .describe('Standard logging to this existing bucket (it must allow ACLs, as CloudFront standard logging requires).'),
    accessLogs: z
      .strictObject({
        enabled: z.boolean().default(true),
        expirationDays: z
          .number()
          .int()
          .min(1)
          .max(API_INTEGER_MAX, { error: `must be at most ${API_INTEGER_MAX} (an S3 API integer)` })
          .optional()
          .describe('Days before log objects expire. Default: 365 in a production environment, else 90.'),
      })
      .optional()
      .describe(
        'Standard logging to a bucket the platform stack creates (ACLs enabled with BucketOwnerPreferred, as CloudFront standard logging requires; public access still blocked). Default: on in a production environment without loggingBucket, else off.',
      ),
    priceClass: z
      .enum(['PriceClass_100', 'PriceClass_200', 'PriceClass_All'])
      .optional()
      .describe(
        "Edge locations that serve viewers. Default by the environment's region, so its viewers are served nearby: PriceClass_100 (North America, Europe, Israel) for us-*/ca-*/eu-*/il-*, PriceClass_All for sa-* and the Australia/New Zealand regions (only All has their edges), else PriceClass_200 (adds Asia, the Middle East and Africa).",
      ),
    prefixListId: z
      .string()
      .regex(/^pl-[0-9a-f]{8,17}$/, { error: 'must be a managed prefix list id, e.g. pl-22a6434b' })
      .optional()
      .describe(
        'prefix-list mode: id of com.amazonaws.global.cloudfront.origin-facing in this region (aws ec2 describe-managed-prefix-lists). Default: looked up with a data source, which needs AWS credentials at plan time.',
      ),
    originDomain: z
      .string()
      .regex(/^([a-z0-9-]+\.)+[a-z]{2,}$/, { error: 'must be a DNS name that resolves to the ALB and matches its certificate' })
      .superRefine(refinedBy(dnsNameProblem))
      .optional()
      .describe('prefix-list mode with an ALB certificate: the name CloudFront connects to over HTTPS (a CNAME of the ALB covered by platform.certificateArn).'),
    originSecret: z
      .strictObject({
        source: z.enum(['variable', 'secretsmanager']).default('variable'),
        secretArn: z
          .string()
          .regex(/^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:[A-Za-z0-9/_+=.@-]+$/, { error: 'must be a Secrets Manager secret ARN' })
          .superRefine(refinedBy(arnPartitionProblem))
          .optional(),
      })
      .default({ source: 'variable' })
      .describe(
        'prefix-list mode: where the secret origin header value comes from: Terraform variables (TF_VAR_origin_verify_secret) or a Secrets Manager secret (read at plan time). Never written into the synthesized JSON.',
      ),
  })
  .describe('CloudFront in front of the load balancer (opt-in).');

export type ParsedCloudfront = z.output<typeof cloudfrontSchema>;

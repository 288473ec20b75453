/**
 * Checkov's AWS checks the project promises to pass (docs/security.md), re-stated as small
 * checkers over synthesized Terraform JSON. Each looks at every resource of its type in the
 * stacks it is given, so a regression anywhere is caught; none needs Checkov itself.
 */
import type { Json } from './synth';

export interface StackJson {
  readonly name: string;
  readonly json: Json;
}

export interface Finding {
  readonly stack: string;
  readonly address: string;
  readonly problem: string;
}

export type Checker = (stacks: readonly StackJson[]) => Finding[];

function each(stacks: readonly StackJson[], type: string): { stack: StackJson; name: string; block: Json }[] {
  return stacks.flatMap((stack) => Object.entries((stack.json.resource?.[type] ?? {}) as Record<string, Json>).map(([name, block]) => ({ stack, name, block })));
}

/** A Terraform JSON nested block written as an object or a one-element list. */
function one(value: unknown): Json | undefined {
  return Array.isArray(value) ? (value[0] as Json | undefined) : (value as Json | undefined);
}

/** Whether `value` is a reference to `<type>.<name>` (any attribute), possibly inside a longer expression. */
function refersTo(value: unknown, type: string, name: string): boolean {
  return typeof value === 'string' && value.includes(`\${${type}.${name}.`);
}

const finding = (stack: StackJson, type: string, name: string, problem: string): Finding => ({ stack: stack.name, address: `${type}.${name}`, problem });

/**
 * The exception docs/security.md explains: an internal ALB reached only through a CloudFront
 * VPC origin, whose DNS name no certificate can cover, listens on HTTP inside the VPC.
 */
function internalBehindVpcOrigin(stack: StackJson, lbRef: unknown): boolean {
  const lb = Object.entries((stack.json.resource?.aws_lb ?? {}) as Record<string, Json>).find(([name]) => refersTo(lbRef, 'aws_lb', name));
  if (!lb || lb[1].internal !== true) return false;
  return Object.values((stack.json.resource?.aws_cloudfront_vpc_origin ?? {}) as Record<string, Json>).some((o) => refersTo(one(o.vpc_origin_endpoint_config)?.arn, 'aws_lb', lb[0]));
}

const redirectsToHttps = (listener: Json) =>
  (listener.default_action as Json[] | undefined)?.some((a) => a.type === 'redirect' && one(a.redirect)?.protocol === 'HTTPS') === true;

/** CKV_AWS_2: load balancer listeners use HTTPS, or redirect HTTP to HTTPS. */
export const albProtocolHttps: Checker = (stacks) =>
  each(stacks, 'aws_lb_listener')
    .filter(({ stack, block }) => !['HTTPS', 'TLS'].includes(block.protocol) && !redirectsToHttps(block) && !internalBehindVpcOrigin(stack, block.load_balancer_arn))
    .map(({ stack, name, block }) => finding(stack, 'aws_lb_listener', name, `protocol ${block.protocol} without a redirect to HTTPS`));

/** CKV_AWS_103: HTTPS/TLS listeners use a TLS 1.2+ policy. */
export const albTls12: Checker = (stacks) =>
  each(stacks, 'aws_lb_listener')
    .filter(({ block }) => ['HTTPS', 'TLS'].includes(block.protocol) && !/TLS13-1-2|TLS-1-2|FS-1-2/.test(String(block.ssl_policy ?? '')))
    .map(({ stack, name, block }) => finding(stack, 'aws_lb_listener', name, `ssl_policy ${block.ssl_policy ?? '(default)'} allows TLS older than 1.2`));

/** CKV2_AWS_20: every HTTP listener of an ALB redirects to HTTPS. */
export const albHttpRedirects: Checker = (stacks) =>
  each(stacks, 'aws_lb_listener')
    .filter(({ stack, block }) => block.protocol === 'HTTP' && !redirectsToHttps(block) && !internalBehindVpcOrigin(stack, block.load_balancer_arn))
    .map(({ stack, name }) => finding(stack, 'aws_lb_listener', name, 'an HTTP listener that does not redirect to HTTPS'));

/** CKV2_AWS_28: an internet-facing ALB is associated with a WAF web ACL. */
export const publicAlbHasWaf: Checker = (stacks) =>
  each(stacks, 'aws_lb')
    .filter(({ block }) => block.internal !== true)
    .filter(({ stack, name }) => !each([stack], 'aws_wafv2_web_acl_association').some((a) => refersTo(a.block.resource_arn, 'aws_lb', name)))
    .map(({ stack, name }) => finding(stack, 'aws_lb', name, 'internet-facing without a WAF web ACL association'));

/** CKV_AWS_68: CloudFront distributions have a WAF web ACL. */
export const cloudfrontHasWaf: Checker = (stacks) =>
  each(stacks, 'aws_cloudfront_distribution')
    .filter(({ block }) => !block.web_acl_id)
    .map(({ stack, name }) => finding(stack, 'aws_cloudfront_distribution', name, 'no web_acl_id'));

/** CKV_AWS_91: load balancers write access logs. */
export const albAccessLogs: Checker = (stacks) =>
  each(stacks, 'aws_lb')
    .filter(({ block }) => one(block.access_logs)?.enabled !== true || !one(block.access_logs)?.bucket)
    .map(({ stack, name }) => finding(stack, 'aws_lb', name, 'access logs off'));

/** CKV_AWS_86: CloudFront distributions have standard logging. */
export const cloudfrontLogging: Checker = (stacks) =>
  each(stacks, 'aws_cloudfront_distribution')
    .filter(({ block }) => !one(block.logging_config)?.bucket)
    .map(({ stack, name }) => finding(stack, 'aws_cloudfront_distribution', name, 'no logging_config'));

/** CKV_AWS_338: log groups keep logs at least a year. */
export const logRetentionYear: Checker = (stacks) =>
  each(stacks, 'aws_cloudwatch_log_group')
    .filter(({ block }) => !(typeof block.retention_in_days === 'number' && block.retention_in_days >= 365))
    .map(({ stack, name, block }) => finding(stack, 'aws_cloudwatch_log_group', name, `retention_in_days ${block.retention_in_days} < 365`));

/** CKV_AWS_158: log groups are encrypted with a KMS key. */
export const logGroupKms: Checker = (stacks) =>
  each(stacks, 'aws_cloudwatch_log_group')
    .filter(({ block }) => !block.kms_key_id)
    .map(({ stack, name }) => finding(stack, 'aws_cloudwatch_log_group', name, 'no kms_key_id'));

/**
 * CKV_AWS_18: buckets log their requests (S3 server access logging). Buckets that receive
 * logs themselves (a logging target, ALB or CloudFront logs) are exempt, as Checkov users
 * skip them: logging a log bucket would only log the log writes.
 */
export const bucketAccessLogging: Checker = (stacks) =>
  stacks.flatMap((stack) => {
    const values = (type: string, pick: (b: Json) => unknown) => each([stack], type).map((r) => pick(r.block));
    const destinations = [
      ...values('aws_s3_bucket_logging', (b) => b.target_bucket),
      ...values('aws_lb', (b) => one(b.access_logs)?.bucket),
      ...values('aws_cloudfront_distribution', (b) => one(b.logging_config)?.bucket),
    ];
    const logged = values('aws_s3_bucket_logging', (b) => b.bucket);
    return each([stack], 'aws_s3_bucket')
      .filter(({ name }) => !destinations.some((d) => refersTo(d, 'aws_s3_bucket', name)))
      .filter(({ name }) => !logged.some((l) => refersTo(l, 'aws_s3_bucket', name)))
      .map(({ name }) => finding(stack, 'aws_s3_bucket', name, 'no server access logging'));
  });

/** CKV2_AWS_64: KMS keys have an explicit key policy (inline, or an aws_kms_key_policy). */
export const kmsKeyPolicy: Checker = (stacks) =>
  each(stacks, 'aws_kms_key')
    .filter(({ stack, name, block }) => !block.policy && !each([stack], 'aws_kms_key_policy').some((p) => refersTo(p.block.key_id, 'aws_kms_key', name) && p.block.policy))
    .map(({ stack, name }) => finding(stack, 'aws_kms_key', name, 'default key policy'));

/**
 * CKV2_AWS_32: CloudFront distributions attach a response headers policy, here one with
 * the security headers: HSTS of at least a year with subdomains, nosniff, frame options,
 * a referrer policy and the XSS filter.
 */
export const cloudfrontSecurityHeaders: Checker = (stacks) =>
  each(stacks, 'aws_cloudfront_distribution').flatMap(({ stack, name, block }) => {
    const behaviors = [one(block.default_cache_behavior), ...((block.ordered_cache_behavior as Json[] | undefined) ?? [])].filter((b): b is Json => b !== undefined);
    return behaviors.flatMap((behavior) => {
      const policy = each([stack], 'aws_cloudfront_response_headers_policy').find((p) => refersTo(behavior.response_headers_policy_id, 'aws_cloudfront_response_headers_policy', p.name));
      const headers = policy && one(policy.block.security_headers_config);
      const hsts = headers && one(headers.strict_transport_security);
      const ok =
        hsts !== undefined &&
        hsts.access_control_max_age_sec >= 31_536_000 &&
        hsts.include_subdomains === true &&
        one(headers?.content_type_options) !== undefined &&
        one(headers?.frame_options)?.frame_option !== undefined &&
        one(headers?.referrer_policy)?.referrer_policy !== undefined &&
        one(headers?.xss_protection)?.protection === true;
      return ok ? [] : [finding(stack, 'aws_cloudfront_distribution', name, 'a cache behavior without a security headers policy (HSTS >= 1 year with subdomains, nosniff, frame options, referrer policy, XSS protection)')];
    });
  });

export const CONTROLS: Record<string, Checker> = {
  CKV_AWS_2: albProtocolHttps,
  CKV_AWS_103: albTls12,
  CKV2_AWS_20: albHttpRedirects,
  CKV2_AWS_28: publicAlbHasWaf,
  CKV_AWS_68: cloudfrontHasWaf,
  CKV_AWS_91: albAccessLogs,
  CKV_AWS_86: cloudfrontLogging,
  CKV_AWS_338: logRetentionYear,
  CKV_AWS_158: logGroupKms,
  CKV_AWS_18: bucketAccessLogging,
  CKV2_AWS_64: kmsKeyPolicy,
  CKV2_AWS_32: cloudfrontSecurityHeaders,
};

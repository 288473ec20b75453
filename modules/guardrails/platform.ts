/**
 * Guardrails on the rest of the platform: no credentials written into provider, backend or
 * remote-state blocks (they would sit in the synthesized JSON and the repository); KMS keys
 * rotate; log groups expire; CloudFront serves viewers over HTTPS with TLS 1.2+ and keeps
 * the web ACL the stack creates for it.
 */
import { block, blocks, isRecord, Json, literalBool, literalNumber, literalString, TfResource } from '../../lib/preflight/tf';
import { RuleContext } from './context';

/**
 * Settings that carry a credential, or point Terraform at a credentials file on one machine.
 * Credentials come from the environment (role, SSO, CI identity) instead.
 */
const CREDENTIAL_KEYS = [
  'access_key',
  'secret_key',
  'token',
  'profile',
  'shared_credentials_file',
  'shared_credentials_files',
  'shared_config_files',
  // Other backends (http, azurerm, gcs, remote) keep credentials under these names.
  'password',
  'client_secret',
  'client_certificate_password',
  'sas_token',
  'credentials',
];

function credentialKeys(settings: Json): string[] {
  const found = CREDENTIAL_KEYS.filter((k) => settings[k] !== undefined);
  // assume_role inside a provider or backend may not carry keys either.
  for (const nested of ['assume_role', 'assume_role_with_web_identity']) for (const b of blocks(settings[nested])) found.push(...CREDENTIAL_KEYS.filter((k) => b[k] !== undefined).map((k) => `${nested}.${k}`));
  if (typeof settings.web_identity_token === 'string') found.push('web_identity_token');
  return found;
}

/** A provider or backend block, reported like a resource (it has no construct path, and no suppression). */
const pseudo = (stack: string, address: string): TfResource => ({ stack, type: address.split('.')[0], name: address, address, mode: 'managed', values: {} });

/** CloudFront minimum viewer protocols that allow only TLS 1.2 and newer. */
const STRONG_VIEWER_TLS = /^TLSv1\.[23]_/;
const HTTPS_VIEWER = new Set(['redirect-to-https', 'https-only']);

export function platformRules(ctx: RuleContext): void {
  // no-static-credentials
  for (const stack of ctx.stacks) {
    for (const [name, configs] of Object.entries(stack.providers ?? {})) {
      for (const config of blocks(configs)) {
        const keys = credentialKeys(config);
        if (keys.length > 0) ctx.report('no-static-credentials', pseudo(stack.name, `provider.${name}${config.alias ? `.${String(config.alias)}` : ''}`), `the ${name} provider sets ${keys.join(', ')}; take credentials from the environment (a role, SSO or the CI identity)`);
      }
    }
    for (const [type, config] of Object.entries(stack.backend ?? {})) {
      const keys = isRecord(config) ? credentialKeys(config) : [];
      if (keys.length > 0) ctx.report('no-static-credentials', pseudo(stack.name, `terraform.backend.${type}`), `the ${type} backend sets ${keys.join(', ')}; take credentials from the environment`);
    }
    for (const remote of stack.resources.filter((r) => r.type === 'terraform_remote_state')) {
      const config = block(remote.values.config);
      const keys = config ? credentialKeys(config) : [];
      if (keys.length > 0) ctx.report('no-static-credentials', remote, `the remote state config sets ${keys.join(', ')}; take credentials from the environment`);
    }
  }

  // kms-key-rotation
  for (const key of ctx.ofType('aws_kms_key')) {
    const spec = literalString(key.values.customer_master_key_spec) ?? literalString(key.values.key_spec) ?? 'SYMMETRIC_DEFAULT';
    if (spec !== 'SYMMETRIC_DEFAULT') continue; // asymmetric and HMAC keys cannot rotate automatically
    if (literalBool(key.values.enable_key_rotation, false) !== true) ctx.report('kms-key-rotation', key, 'enable_key_rotation is not true');
  }

  // log-retention
  for (const group of ctx.ofType('aws_cloudwatch_log_group')) {
    const days = group.values.retention_in_days;
    if (days === undefined || literalNumber(days) === 0) ctx.report('log-retention', group, `retention_in_days is ${days === undefined ? 'unset' : '0'}, so logs are kept forever (and billed); set the days to keep`);
  }

  // cloudfront-viewer-https
  const cloudfrontAcls = ctx.ofType('aws_wafv2_web_acl').filter((a) => literalString(a.values.scope) === 'CLOUDFRONT');
  for (const distribution of ctx.ofType('aws_cloudfront_distribution')) {
    const behaviors = [block(distribution.values.default_cache_behavior), ...blocks(distribution.values.ordered_cache_behavior)].filter((b): b is Json => b !== undefined);
    for (const b of behaviors) {
      const policy = literalString(b.viewer_protocol_policy);
      if (!HTTPS_VIEWER.has(policy ?? '')) ctx.report('cloudfront-viewer-https', distribution, `the cache behavior ${literalString(b.path_pattern) ?? '(default)'} has viewer_protocol_policy = ${JSON.stringify(b.viewer_protocol_policy ?? 'unset')}; use redirect-to-https or https-only`);
    }
    const certificate = block(distribution.values.viewer_certificate);
    const own = certificate && (certificate.acm_certificate_arn !== undefined || certificate.iam_certificate_id !== undefined);
    const minimum = literalString(certificate?.minimum_protocol_version);
    // With CloudFront's own certificate (*.cloudfront.net) the minimum cannot be raised: CloudFront fixes it.
    if (own && !STRONG_VIEWER_TLS.test(minimum ?? '')) ctx.report('cloudfront-viewer-https', distribution, `viewer_certificate.minimum_protocol_version = ${JSON.stringify(certificate?.minimum_protocol_version ?? 'unset (TLSv1)')}; use TLSv1.2_2021`);
    // waf-attached: a web ACL made for CloudFront in the same stack must stay attached.
    if (cloudfrontAcls.some((a) => a.stack === distribution.stack) && !distribution.values.web_acl_id) ctx.report('waf-attached', distribution, 'the stack creates a CLOUDFRONT web ACL but the distribution has no web_acl_id');
  }
  const regionalAcls = ctx.ofType('aws_wafv2_web_acl').filter((a) => literalString(a.values.scope) === 'REGIONAL');
  const associations = ctx.ofType('aws_wafv2_web_acl_association');
  const refers = (from: TfResource, value: unknown, type: string, target: TfResource) => ctx.model.resolver.resources(ctx.model.scope(from), value, type).found.includes(target);
  for (const acl of regionalAcls) {
    const own = associations.filter((a) => refers(a, a.values.web_acl_arn, 'aws_wafv2_web_acl', acl));
    if (own.length === 0) ctx.report('waf-attached', acl, 'the REGIONAL web ACL is associated with nothing (no aws_wafv2_web_acl_association)');
    // Every internet-facing load balancer of the stack that made the web ACL stays behind it.
    for (const lb of ctx.ofType('aws_lb', 'aws_alb').filter((l) => l.stack === acl.stack && literalBool(l.values.internal, false) === false)) {
      if (!own.some((a) => refers(a, a.values.resource_arn, lb.type, lb))) ctx.report('waf-attached', lb, `the internet-facing load balancer is not associated with the stack's web ACL ${acl.address}`);
    }
  }
}

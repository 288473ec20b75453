/**
 * Storage guardrails. S3: public access blocked (S3.8), no public policy or ACL, TLS only
 * (S3.5), ACLs off (S3.12; the bucket CloudFront standard logging writes to is the one
 * exception, it delivers through ACLs), versioning (S3.14). ECR: scan on push (ECR.1),
 * immutable tags (ECR.2), a lifecycle policy (ECR.3). DynamoDB: point-in-time recovery
 * (DynamoDB.2).
 */
import { policyStatements, Statement } from '../../lib/preflight/iam';
import { block, blocks, isRecord, literalBool, literalString, TfResource } from '../../lib/preflight/tf';
import { isEveryone, referrers, RuleContext } from './context';

const FOUR_BLOCKS = ['block_public_acls', 'block_public_policy', 'ignore_public_acls', 'restrict_public_buckets'];
const PUBLIC_CANNED_ACLS = new Set(['public-read', 'public-read-write', 'authenticated-read']);
const PUBLIC_GRANTEES = /acs\.amazonaws\.com\/groups\/global\/(AllUsers|AuthenticatedUsers)/;

function deniesPlainHttp(statements: Statement[]): boolean {
  return statements.some((s) => {
    if (s.effect !== 'Deny' || !isEveryone(s.principal)) return false;
    if (!(s.actions ?? []).some((a) => a === 's3:*' || a === '*')) return false;
    const bool = isRecord(s.condition) ? s.condition.Bool : undefined;
    const secure = isRecord(bool) ? bool['aws:SecureTransport'] : undefined;
    return secure === false || secure === 'false' || (Array.isArray(secure) && secure.some((v) => String(v) === 'false'));
  });
}

export function storageRules(ctx: RuleContext): void {
  const accountBlock = ctx.ofType('aws_s3_account_public_access_block').some((b) => FOUR_BLOCKS.every((k) => literalBool(b.values[k]) === true));
  const distributions = ctx.ofType('aws_cloudfront_distribution');

  for (const bucket of ctx.ofType('aws_s3_bucket')) {
    const name = literalString(bucket.values.bucket);
    const label = name ?? bucket.address;
    const parts = (type: string) => referrers(ctx, bucket, 'bucket', [type], name);

    // bucket-public-access-block (S3.8)
    const blocksOf = parts('aws_s3_bucket_public_access_block');
    if (blocksOf.length === 0 && !accountBlock) ctx.report('bucket-public-access-block', bucket, `bucket ${label} has no aws_s3_bucket_public_access_block`);
    for (const pab of blocksOf) {
      const off = FOUR_BLOCKS.filter((k) => literalBool(pab.values[k], false) === false);
      if (off.length > 0 && !accountBlock) ctx.report('bucket-public-access-block', pab, `the public access block of bucket ${label} leaves ${off.map((k) => `${k} = false`).join(', ')}`);
    }

    // bucket-public-policy, bucket-tls-only (S3.5)
    const policies: [TfResource, Statement[]][] = [...parts('aws_s3_bucket_policy'), ...(bucket.values.policy !== undefined ? [bucket] : [])].map((p) => [p, policyStatements(p.values.policy) ?? []]);
    for (const [resource, statements] of policies) {
      statements.forEach((s, i) => {
        if (s.effect === 'Allow' && (isEveryone(s.principal) || s.notPrincipal !== undefined)) {
          ctx.report('bucket-public-policy', resource, `the policy of bucket ${label} allows ${s.notPrincipal !== undefined ? 'everyone but NotPrincipal' : 'everyone ("*")'} in statement ${s.sid ? `"${s.sid}"` : `#${i + 1}`}; name the principals`);
        }
      });
    }
    const parsedAll = policies.every(([resource]) => typeof resource.values.policy !== 'string' || policyStatements(resource.values.policy) !== undefined);
    if (parsedAll && !policies.some(([, statements]) => deniesPlainHttp(statements))) {
      ctx.report('bucket-tls-only', policies[0]?.[0] ?? bucket, `bucket ${label} has no policy statement denying requests without TLS (Deny s3:* to "*" when aws:SecureTransport is false)`);
    }

    // bucket-public-acl
    const acls = [...parts('aws_s3_bucket_acl'), ...(bucket.values.acl !== undefined || bucket.values.grant !== undefined ? [bucket] : [])];
    for (const acl of acls) {
      const canned = literalString(acl.values.acl);
      const grants = [...blocks(block(acl.values.access_control_policy)?.grant), ...blocks(acl.values.grant)].map((g) => JSON.stringify(g));
      if ((canned && PUBLIC_CANNED_ACLS.has(canned)) || grants.some((g) => PUBLIC_GRANTEES.test(g))) {
        ctx.report('bucket-public-acl', acl, `bucket ${label} has a public ACL (${canned ?? 'a grant to AllUsers or AuthenticatedUsers'})`);
      }
    }

    // bucket-acls-disabled (S3.12)
    const cloudfrontLogs = distributions.some((d) => {
      const target = block(d.values.logging_config)?.bucket;
      return (name !== undefined && literalString(target)?.startsWith(`${name}.s3`) === true) || ctx.model.resolver.resources(ctx.model.scope(d), target, 'aws_s3_bucket').found.includes(bucket);
    });
    const ownership = parts('aws_s3_bucket_ownership_controls').map((o) => literalString(block(o.values.rule)?.object_ownership));
    const allowed = cloudfrontLogs ? ['BucketOwnerEnforced', 'BucketOwnerPreferred'] : ['BucketOwnerEnforced'];
    if (ownership.length === 0 || ownership.some((o) => !allowed.includes(o ?? ''))) {
      ctx.report('bucket-acls-disabled', bucket, `bucket ${label} ${ownership.length === 0 ? 'has no aws_s3_bucket_ownership_controls' : `has object_ownership ${ownership.map((o) => o ?? '(expression)').join(', ')}`}; use BucketOwnerEnforced (ACLs off)${cloudfrontLogs ? ' or, for CloudFront standard logs, BucketOwnerPreferred' : ''}`);
    }

    // bucket-versioning (S3.14)
    const versioning = parts('aws_s3_bucket_versioning').map((v) => literalString(block(v.values.versioning_configuration)?.status));
    const legacy = literalBool(block(bucket.values.versioning)?.enabled, false) === true;
    if (!legacy && !versioning.includes('Enabled')) ctx.report('bucket-versioning', bucket, `bucket ${label} is not versioned (${versioning.length === 0 ? 'no aws_s3_bucket_versioning' : `status ${versioning.join(', ')}`})`);
  }

  for (const repository of ctx.ofType('aws_ecr_repository')) {
    const name = literalString(repository.values.name) ?? repository.address;
    if (literalBool(block(repository.values.image_scanning_configuration)?.scan_on_push, false) !== true) ctx.report('ecr-scan-on-push', repository, `repository ${name} does not scan images on push`);
    if (literalString(repository.values.image_tag_mutability) !== 'IMMUTABLE') ctx.report('ecr-immutable-tags', repository, `repository ${name} has image_tag_mutability = ${JSON.stringify(repository.values.image_tag_mutability ?? 'MUTABLE (unset)')}; tags must be IMMUTABLE`);
    if (referrers(ctx, repository, 'repository', ['aws_ecr_lifecycle_policy'], literalString(repository.values.name)).length === 0) ctx.report('ecr-lifecycle-policy', repository, `repository ${name} has no aws_ecr_lifecycle_policy`);
  }

  for (const table of ctx.ofType('aws_dynamodb_table')) {
    if (literalBool(block(table.values.point_in_time_recovery)?.enabled, false) !== true) ctx.report('dynamodb-pitr', table, `table ${literalString(table.values.name) ?? table.address} has no point-in-time recovery`);
  }
}

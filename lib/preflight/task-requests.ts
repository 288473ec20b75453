/**
 * The AWS requests ECS makes with a task's execution role before its containers start:
 * ECR registry auth and image pull (and the pull-through cache's import), the awslogs log
 * stream, each secret (and the KMS key it is encrypted with). The execution role's policies
 * must allow each one, and so must the policy of the VPC endpoint it goes through.
 */
import * as aws from './aws-errors';
import type { ImageSource } from './images';
import type { Container, Model, SecretRef } from './model';
import type { Request } from './policy-eval';
import { ACCOUNT, ANY_CHAR } from './symbolic';
import { literalString, TfResource } from './tf';

export type RequestKind = 'ecr-auth' | 'ecr-pull' | 'ecr-cache' | 'logs' | 'secretsmanager' | 'ssm' | 'kms';

export interface StartRequest extends Request {
  readonly kind: RequestKind;
  /** The interface endpoint service the request goes through (`ecr.api`, `logs`...), if any. */
  readonly endpointService?: string;
  /** What needs it, for messages: `image of container web`. */
  readonly what: string;
  /** The error ECS reports when this request is denied (`denial` is the AccessDeniedException). */
  readonly error: (denial: string) => string;
  /** The role's name, for the AccessDeniedException. */
  readonly roleName: string;
}

interface Target {
  readonly model: Model;
  readonly taskDefinition: TfResource;
  readonly region: string;
  /** The execution role's ARN (symbolic), the principal of every request. */
  readonly roleArn?: string;
  readonly roleName?: string;
  /** The account the stacks are pinned to, when they are. */
  readonly account?: string;
}

function context(t: Target, extra: Record<string, string> = {}): Record<string, string> {
  return {
    'aws:securetransport': 'true',
    'aws:requestedregion': t.region,
    'aws:principalaccount': ACCOUNT,
    'aws:resourceaccount': ACCOUNT,
    'aws:principaltype': 'AssumedRole',
    ...(t.roleArn ? { 'aws:principalarn': t.roleArn } : {}),
    ...extra,
  };
}

/** Every request a task makes at start, for its containers. */
export function startRequests(t: Target, images: readonly { container: Container; source: ImageSource }[], containers: readonly Container[]): StartRequest[] {
  const requests: StartRequest[] = [];
  const base = (kind: RequestKind, what: string, error: (d: string) => string) => ({ kind, what, error, principalArn: t.roleArn, roleName: t.roleName ?? '<execution role>', account: t.account });
  const model = t.model;
  const scope = model.scope(t.taskDefinition);

  for (const { container, source } of images) {
    if (source.kind !== 'ecr' || container.image === undefined) continue;
    const repository = repositoryArn(t, container.image, source.region);
    if (!repository) continue;
    const what = `the image of container ${container.name ?? '?'}`;
    const pullContext = context(t, { 'aws:resourceaccount': repository.account, 'aws:requestedregion': source.region });
    if (!requests.some((r) => r.kind === 'ecr-auth')) {
      requests.push({ ...base('ecr-auth', what, (d) => aws.startDenied('ecr-auth', d, {})), action: 'ecr:GetAuthorizationToken', resource: '*', context: context(t), endpointService: 'ecr.api' });
    }
    for (const action of ['ecr:BatchGetImage', 'ecr:GetDownloadUrlForLayer']) {
      requests.push({ ...base('ecr-pull', what, (d) => aws.startDenied('ecr-pull', d, { image: source.display })), action, resource: repository.arn, context: pullContext, endpointService: 'ecr.dkr' });
    }
    if (source.pullThrough) {
      // The first pull through the cache creates the repository and imports the image with the caller's permissions.
      for (const action of ['ecr:BatchImportUpstreamImage', 'ecr:CreateRepository']) {
        requests.push({ ...base('ecr-cache', `${what} (through the pull-through cache)`, (d) => aws.startDenied('ecr-pull', d, { image: source.display })), action, resource: repository.arn, context: pullContext });
      }
    }
  }

  for (const container of containers) {
    if (container.logDriver !== 'awslogs') continue;
    const logRegion = container.logOptions['awslogs-region'] ?? t.region;
    const group = logGroupArn(t, container.logOptions['awslogs-group'], logRegion);
    if (!group) continue;
    const prefix = container.logOptions['awslogs-stream-prefix'];
    const stream = `${group}:log-stream:${prefix ? `${prefix}/${container.name ?? ''}/` : ''}${ANY_CHAR}`;
    for (const action of ['logs:CreateLogStream', 'logs:PutLogEvents']) {
      requests.push({
        ...base('logs', `the awslogs driver of container ${container.name ?? '?'}`, (d) => aws.startDenied('logs', d, {})),
        action,
        resource: stream,
        context: context(t, { 'aws:requestedregion': logRegion }),
        endpointService: logRegion === t.region ? 'logs' : undefined,
      });
    }
  }

  for (const container of containers) {
    for (const secret of [...container.secrets, ...(container.repositoryCredentials ? [container.repositoryCredentials] : [])]) {
      if (secret.source === 'unknown') continue;
      const secretRegion = secret.region ?? t.region;
      const arn = secretArn(t, secret, secretRegion, scope);
      const what = `secret ${secret.name} of container ${container.name ?? '?'}`;
      const local = secretRegion === t.region;
      if (secret.source === 'secretsmanager') {
        requests.push({ ...base('secretsmanager', what, (d) => aws.startDenied('secretsmanager', d, { secret: secret.valueFrom })), action: 'secretsmanager:GetSecretValue', resource: arn, context: context(t, { 'aws:requestedregion': secretRegion }), endpointService: local ? 'secretsmanager' : undefined });
      } else {
        requests.push({ ...base('ssm', what, (d) => aws.startDenied('ssm', d, {})), action: 'ssm:GetParameters', resource: arn, context: context(t, { 'aws:requestedregion': secretRegion }), endpointService: local ? 'ssm' : undefined });
      }
      const key = secret.resource ? kmsKeyArn(t, secret.resource) : undefined;
      if (key) {
        const via = `${secret.source}.${secretRegion}.amazonaws.com`;
        // The secret's service calls KMS with the caller's permissions: no endpoint of the task in between.
        requests.push({ ...base('kms', `the KMS key of ${what}`, (d) => aws.startDenied('kms', d, { secret: secret.valueFrom })), action: 'kms:Decrypt', resource: key, context: context(t, { 'kms:viaservice': via, 'aws:requestedregion': secretRegion }) });
      }
    }
  }
  return requests;
}

const ECR_IMAGE = /^([^/]+)\.dkr\.ecr(?:-fips)?\.([a-z0-9-]+)\.amazonaws\.com(?:\.cn)?\/([^:@]+)/;

/** The repository ARN of an ECR image (symbolic), with the registry's account. */
function repositoryArn(t: Target, image: string, region: string): { arn: string; account: string } | undefined {
  const model = t.model;
  const scope = model.scope(t.taskDefinition);
  for (const part of model.resolver.interpolate(scope, image)) {
    if ('target' in part && part.target.kind === 'resource' && part.target.resource.type === 'aws_ecr_repository' && part.target.attribute === 'repository_url') {
      return { arn: model.symbols.attribute(part.target.resource, 'arn'), account: ACCOUNT };
    }
  }
  const match = ECR_IMAGE.exec(model.symbols.text(scope, image));
  if (!match) return undefined;
  const [, account, , repository] = match;
  return { arn: `arn:aws:ecr:${region}:${account}:repository/${repository}`, account };
}

function logGroupArn(t: Target, group: string | undefined, region: string): string | undefined {
  if (group === undefined) return undefined;
  const model = t.model;
  const scope = model.scope(t.taskDefinition);
  const [target] = model.resolver.resolve(scope, group);
  if (target?.kind === 'resource' && target.resource.type === 'aws_cloudwatch_log_group') return model.symbols.attribute(target.resource, 'arn');
  return `arn:aws:logs:${region}:${ACCOUNT}:log-group:${model.symbols.text(scope, group)}`;
}

/** The ARN IAM authorizes a secret read against: the secret's own ARN (JSON key, stage, version dropped). */
function secretArn(t: Target, secret: SecretRef, region: string, scope: { stack: string; address?: string }): string {
  const model = t.model;
  if (secret.resource) {
    if (secret.resource.type === 'aws_secretsmanager_secret' || secret.resource.type === 'aws_ssm_parameter') return model.symbols.attribute(secret.resource, 'arn');
    const owner = model.resolver.resource(model.scope(secret.resource), secret.resource.values.secret_id, 'aws_secretsmanager_secret');
    if (owner) return model.symbols.attribute(owner, 'arn');
  }
  const text = model.symbols.text(scope, secret.valueFrom);
  if (secret.source === 'ssm') {
    if (text.startsWith('arn:')) return text;
    return `arn:aws:ssm:${region}:${ACCOUNT}:parameter/${text.replace(/^\//, '')}`;
  }
  const parts = text.split(':');
  if (parts.length < 7) return text;
  const name = parts[6];
  // A partial ARN (no random suffix): the secret's real ARN ends in `-` and six characters.
  const full = /-[A-Za-z0-9]{6}$/.test(name) ? name : `${name}-${ANY_CHAR.repeat(6)}`;
  return [...parts.slice(0, 6), full].join(':');
}

/** The customer-managed KMS key of a secret or SecureString parameter, when one is configured. */
function kmsKeyArn(t: Target, resource: TfResource): string | undefined {
  const model = t.model;
  const value = resource.type === 'aws_ssm_parameter' ? (literalString(resource.values.type) === 'SecureString' ? resource.values.key_id : undefined) : resource.values.kms_key_id;
  if (value === undefined || value === null || value === '') return undefined;
  const key = model.resolver.resource(model.scope(resource), value, 'aws_kms_key', 'aws_kms_replica_key');
  if (key) return model.symbols.attribute(key, 'arn');
  const literal = literalString(value);
  if (literal?.startsWith('arn:') && literal.includes(':key/')) return literal;
  // An alias (including the AWS managed aws/secretsmanager key) is not checked.
  return undefined;
}

/**
 * Type-correct placeholder values for a producer stack's outputs, so a consumer stack's
 * `terraform_remote_state` can be satisfied offline. The value's shape follows the output
 * expression: `${aws_subnet.x.id}` -> "subnet-0placeholder...", `${aws_lb.x.arn}` -> an ARN.
 */
const ACCOUNT = '123456789012';

const ID_PREFIXES: Record<string, string> = {
  aws_vpc: 'vpc',
  aws_subnet: 'subnet',
  aws_security_group: 'sg',
  aws_route_table: 'rtb',
  aws_vpc_endpoint: 'vpce',
  aws_nat_gateway: 'nat',
  aws_internet_gateway: 'igw',
  aws_eip: 'eipalloc',
  aws_kms_key: '0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0',
};

const ARN_SERVICES: Record<string, string> = {
  aws_lb: 'elasticloadbalancing',
  aws_alb: 'elasticloadbalancing',
  aws_lb_listener: 'elasticloadbalancing',
  aws_lb_target_group: 'elasticloadbalancing',
  aws_iam_role: 'iam',
  aws_iam_policy: 'iam',
  aws_ecs_cluster: 'ecs',
  aws_ecs_service: 'ecs',
  aws_kms_key: 'kms',
  aws_s3_bucket: 's3',
  aws_cloudwatch_log_group: 'logs',
  aws_ecr_repository: 'ecr',
  aws_service_discovery_private_dns_namespace: 'servicediscovery',
  aws_service_discovery_http_namespace: 'servicediscovery',
  aws_secretsmanager_secret: 'secretsmanager',
  aws_cloudfront_vpc_origin: 'cloudfront',
};

const REF = /^\$\{([a-z0-9_]+)\.([A-Za-z0-9_-]+)(?:\.\*)?\.([a-z0-9_]+)\}$/;

/** A placeholder for one output value as it stands in the producer's synthesized JSON. */
export function placeholderFor(value: unknown, region: string): unknown {
  if (Array.isArray(value)) return value.map((v) => placeholderFor(v, region));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, placeholderFor(v, region)]));
  }
  if (typeof value !== 'string' || !value.includes('${')) return value;
  const match = REF.exec(value);
  if (!match) return `placeholder-${hash(value)}`;
  const [, type, name, attribute] = match;
  const token = hash(`${type}.${name}.${attribute}`);
  if (value.includes('.*.')) return [placeholderFor(`\${${type}.${name}.${attribute}}`, region)];
  if (attribute === 'arn' || attribute.endsWith('_arn') || attribute === 'arn_suffix') {
    const service = ARN_SERVICES[type] ?? type.replace(/^aws_/, '').split('_')[0];
    if (service === 's3') return `arn:aws:s3:::placeholder-${token}`;
    if (service === 'iam') return `arn:aws:iam::${ACCOUNT}:role/placeholder-${token}`;
    if (attribute === 'arn_suffix') return `app/placeholder-${token}/0123456789abcdef`;
    return `arn:aws:${service}:${region}:${ACCOUNT}:${type.replace(/^aws_/, '').replace(/_/g, '-')}/placeholder-${token}`;
  }
  if (attribute === 'prefix_list_id') return `pl-0${token}`;
  if (attribute === 'dns_name') return `placeholder-${token}.${region}.elb.amazonaws.com`;
  if (attribute === 'zone_id') return `Z${token.toUpperCase()}PLACEHOLDER`;
  if (attribute === 'repository_url') return `${ACCOUNT}.dkr.ecr.${region}.amazonaws.com/placeholder-${token}`;
  if (attribute.endsWith('port')) return 80;
  if (attribute === 'id' && ID_PREFIXES[type]) return `${ID_PREFIXES[type]}-0${token}`;
  return `placeholder-${token}`;
}

/** The Terraform type (as state files write it) of a JSON value. */
export function terraformTypeOf(value: unknown): unknown {
  if (Array.isArray(value)) return ['tuple', value.map(terraformTypeOf)];
  if (value !== null && typeof value === 'object') {
    return ['object', Object.fromEntries(Object.entries(value).map(([k, v]) => [k, terraformTypeOf(v)]))];
  }
  if (typeof value === 'number') return 'number';
  if (typeof value === 'boolean') return 'bool';
  return 'string';
}

function hash(text: string): string {
  let h = 2166136261;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 16777619);
  return (h >>> 0).toString(16).padStart(8, '0') + '0000000';
}

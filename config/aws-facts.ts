/**
 * Static AWS facts the configuration is validated against. They are kept here, not
 * looked up at synth time, because data sources that call AWS would break the
 * offline synth and plan (no account is needed to synthesize this project).
 */

/**
 * Availability-zone letters per region, from the EC2 `DescribeAvailabilityZones`
 * documentation (zones open to all accounts). A newer zone missing here is a
 * one-line change.
 */
export const REGION_AZ_LETTERS: Readonly<Record<string, string>> = {
  'us-east-1': 'abcdef',
  'us-east-2': 'abc',
  'us-west-1': 'abc',
  'us-west-2': 'abcd',
  'ca-central-1': 'abd',
  'ca-west-1': 'abc',
  'mx-central-1': 'abc',
  'sa-east-1': 'abc',
  'eu-west-1': 'abc',
  'eu-west-2': 'abc',
  'eu-west-3': 'abc',
  'eu-central-1': 'abc',
  'eu-central-2': 'abc',
  'eu-north-1': 'abc',
  'eu-south-1': 'abc',
  'eu-south-2': 'abc',
  'il-central-1': 'abc',
  'me-south-1': 'abc',
  'me-central-1': 'abc',
  'af-south-1': 'abc',
  'ap-east-1': 'abc',
  'ap-south-1': 'abc',
  'ap-south-2': 'abc',
  'ap-northeast-1': 'acd',
  'ap-northeast-2': 'abcd',
  'ap-northeast-3': 'abc',
  'ap-southeast-1': 'abc',
  'ap-southeast-2': 'abc',
  'ap-southeast-3': 'abc',
  'ap-southeast-4': 'abc',
  'ap-southeast-5': 'abc',
  'ap-southeast-7': 'abc',
};

export const KNOWN_REGIONS = Object.keys(REGION_AZ_LETTERS);

/** Partitions of the regions this project deploys to, by region prefix. */
export function partitionOf(region: string): 'aws' | 'aws-cn' | 'aws-us-gov' {
  if (region.startsWith('cn-')) return 'aws-cn';
  if (region.startsWith('us-gov-')) return 'aws-us-gov';
  return 'aws';
}

export function availabilityZonesOf(region: string): string[] {
  return [...(REGION_AZ_LETTERS[region] ?? '')].map((letter) => `${region}${letter}`);
}

/**
 * Interface endpoints every Fargate task in a private subnet needs (Amazon ECR guide, "Amazon ECR interface VPC endpoints"):
 * ECR auth + manifests (`ecr.api`), image pulls (`ecr.dkr`) and the awslogs driver (`logs`).
 * Image layers come from S3 through the gateway endpoint, which is always created.
 */
export const REQUIRED_INTERFACE_ENDPOINTS = ['ecr.api', 'ecr.dkr', 'logs'] as const;

/**
 * Interface endpoint services (`com.amazonaws.<region>.<name>`) this project accepts in
 * `network.extraEndpoints`. `s3` and `dynamodb` are deliberately absent: S3 is served by
 * the free gateway endpoint (an S3 interface endpoint does not serve ECR layers).
 */
export const INTERFACE_ENDPOINT_SERVICES = [
  'application-autoscaling',
  'appmesh-envoy-management',
  'autoscaling',
  'codeartifact.api',
  'codeartifact.repositories',
  'ec2',
  'ec2messages',
  'ecr.api',
  'ecr.dkr',
  'ecs',
  'ecs-agent',
  'ecs-telemetry',
  'elasticfilesystem',
  'elasticloadbalancing',
  'events',
  'execute-api',
  'firehose',
  'kinesis-streams',
  'kms',
  'lambda',
  'logs',
  'monitoring',
  'rds',
  'secretsmanager',
  'servicediscovery',
  'sns',
  'sqs',
  'ssm',
  'ssmmessages',
  'states',
  'sts',
  'xray',
] as const;

export type InterfaceEndpointService = (typeof INTERFACE_ENDPOINT_SERVICES)[number];

/** The bucket ECR keeps image layers in; the S3 gateway endpoint policy must allow it (Amazon ECR guide, "Amazon ECR interface VPC endpoints"). */
export function ecrLayerBucketArn(region: string): string {
  return `arn:aws:s3:::prod-${region}-starport-layer-bucket/*`;
}

/**
 * Elastic Load Balancing's log-delivery account per region, for ALB access log bucket
 * policies in regions opened before August 2022 (ELB user guide, "Enable access logs").
 * Newer regions use the service principal `logdelivery.elasticloadbalancing.amazonaws.com`.
 */
export const ELB_LOG_DELIVERY_ACCOUNTS: Readonly<Record<string, string>> = {
  'us-east-1': '127311923021',
  'us-east-2': '033677994240',
  'us-west-1': '027434742980',
  'us-west-2': '797873946194',
  'af-south-1': '098369216593',
  'ap-east-1': '754344448648',
  'ap-southeast-3': '589379963580',
  'ap-south-1': '718504428378',
  'ap-northeast-3': '383597477331',
  'ap-northeast-2': '600734575887',
  'ap-southeast-1': '114774131450',
  'ap-southeast-2': '783225319266',
  'ap-northeast-1': '582318560864',
  'ca-central-1': '985666609251',
  'eu-central-1': '054676820928',
  'eu-west-1': '156460612806',
  'eu-west-2': '652711504416',
  'eu-south-1': '635631232127',
  'eu-west-3': '009996457667',
  'eu-north-1': '897822967062',
  'me-south-1': '076674570225',
  'sa-east-1': '507241528517',
};

/** The TLS policy for HTTPS listeners (Security Hub ELB.17). */
export const ALB_TLS_POLICY = 'ELBSecurityPolicy-TLS13-1-2-2021-06';

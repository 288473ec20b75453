/**
 * The configuration schema: the single source of truth for what `config/environments.yaml`
 * may contain. Structural rules live here (types, enums, unknown keys, defaults); rules that
 * relate several values (CIDRs that must fit, zones of the region) live in `validate.ts`.
 * `config/environments.schema.json` is generated from this file (`npm run schema`).
 */
import { z } from 'zod';
import { INTERFACE_ENDPOINT_SERVICES, KNOWN_REGIONS } from './aws-facts';
import { API_INTEGER_MAX, arnPartitionProblem, iamRoleArnProblem, refinedBy, s3BucketNameProblem } from './aws-rules';
import { isCanonical, parseCidr } from './cidr';
import { quote } from './issues';
import { LOG_RETENTION_DAYS } from './log-retention';
import { accountId, externalId, roleArn } from './account-schema';
import { cloudfrontSchema } from './cloudfront-schema';
import { logsSchema, wafSchema } from './security-schema';
import { platformSchema, servicesSchema } from './service-schema';

const name = (what: string, max: number) =>
  z
    .string()
    .regex(/^[a-z][a-z0-9-]*[a-z0-9]$|^[a-z]$/, {
      error: `${what} must be lowercase letters, digits and hyphens, starting with a letter and not ending with a hyphen`,
    })
    .max(max, { error: `${what} must be at most ${max} characters (it prefixes AWS names with length limits)` })
    // ECR repository names (<project>-<env>/<service>) allow single separators only.
    .refine((text) => !text.includes('--'), { error: `${what} must not contain two hyphens in a row (ECR repository names derived from it allow single separators only)` });

/** "is required" for a missing value, else `wrong`: enum messages would otherwise quote `undefined`. */
const unlessMissing = (input: unknown, wrong: string, valid: string) => `${input === undefined ? 'is required' : wrong}; ${valid}`;

const region = z.enum(KNOWN_REGIONS as [string, ...string[]], {
  error: (issue) => unlessMissing(issue.input, `unknown AWS region ${quote(issue.input)}`, `valid regions: ${KNOWN_REGIONS.join(', ')}`),
});


const cidrText = z
  .string()
  .refine((text) => {
    const cidr = parseCidr(text);
    return cidr !== undefined && isCanonical(cidr);
  }, { error: (issue) => `${quote(issue.input)} is not a valid IPv4 network CIDR (expected e.g. "10.0.0.0/16", with the host bits zero)` })
  .describe('An IPv4 CIDR block, e.g. 10.0.0.0/16');

const endpointService = z.enum(INTERFACE_ENDPOINT_SERVICES, {
  error: (issue) =>
    issue.input === 's3' || issue.input === 'dynamodb'
      ? `unknown interface endpoint service ${quote(issue.input)} (S3 is always served by the gateway endpoint; see network.s3GatewayBuckets)`
      : unlessMissing(issue.input, `unknown interface endpoint service ${quote(issue.input)}`, `valid services: ${INTERFACE_ENDPOINT_SERVICES.join(', ')}`),
});

export const s3BucketName = z.string().superRefine(refinedBy(s3BucketNameProblem));

export const flowLogsSchema = z
  .strictObject({
    enabled: z.boolean().default(true).describe('Send VPC flow logs to CloudWatch Logs (Security Hub EC2.6).'),
    retentionDays: z
      .literal(LOG_RETENTION_DAYS, { error: `must be one of the retention periods CloudWatch Logs accepts: ${LOG_RETENTION_DAYS.join(', ')}` })
      .optional()
      .describe('Log group retention in days (a value CloudWatch Logs accepts). Default: 365 in a production environment, else 90.'),
    trafficType: z.enum(['ALL', 'ACCEPT', 'REJECT']).default('ALL'),
  })
  .describe('VPC flow logs.');

export const networkSchema = z
  .strictObject({
    cidr: cidrText.describe('The VPC CIDR block, /16 to /24, inside 10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16 or 100.64.0.0/10.'),
    availabilityZones: z
      .array(z.string())
      .min(2, { error: 'at least two availability zones are needed (an ALB requires subnets in two zones)' })
      .optional()
      .describe("Zones to spread subnets over. Default: the region's first two zones."),
    subnets: z
      .strictObject({
        public: z.array(cidrText).describe('One CIDR per availability zone, for the load balancer.'),
        private: z.array(cidrText).describe('One CIDR per availability zone, for tasks and endpoints.'),
      })
      .optional()
      .describe('Explicit subnet CIDRs. Default: carved from the VPC CIDR (private: first half; public: a quarter-size block each in the second half).'),
    egress: z
      .enum(['endpoints', 'nat'])
      .default('endpoints')
      .describe('How private subnets reach AWS: VPC endpoints only (no internet), or a NAT gateway (internet egress, costs more).'),
    natGateways: z
      .enum(['single', 'per-az'])
      .optional()
      .describe('With egress "nat": one NAT gateway for all zones (default), or one per zone (zone-independent).'),
    interfaceEndpoints: z
      .boolean()
      .default(true)
      .describe('Create the interface endpoints. May be false only with egress "nat".'),
    disabledEndpoints: z
      .array(endpointService)
      .default([])
      .describe('Interface endpoints not to create although a feature would add them (only with egress "nat", where NAT is the path).'),
    extraEndpoints: z
      .array(endpointService)
      .default([])
      .describe('Interface endpoints beyond ecr.api, ecr.dkr and logs (and those the services need).'),
    s3GatewayBuckets: z
      .array(s3BucketName)
      .default([])
      .describe('Buckets (besides the ECR layer bucket) tasks may read through the S3 gateway endpoint.'),
    flowLogs: flowLogsSchema.default({ enabled: true, trafficType: 'ALL' }),
  })
  .describe('The VPC of the environment.');

export const environmentSchema = z
  .strictObject({
    region: region.describe('AWS region of the environment.'),
    production: z
      .boolean()
      .optional()
      .describe(
        'A production environment: HTTPS only (or platform.allowPlainHttp), ALB access logs and deletion protection on, log retention 365 days. Default: true for an environment named "prod" or "production", else false.',
      ),
    network: networkSchema,
    platform: platformSchema.default({ idleTimeout: 60, allowPlainHttp: false, securityGroupRuleQuota: 60 }),
    services: servicesSchema.default({}).describe('Fargate services by name; each becomes the stack <env>-<service>.'),
    cloudfront: cloudfrontSchema.optional(),
    waf: wafSchema.optional(),
    logs: logsSchema.default({ kmsKey: false }),
    account: accountId
      .optional()
      .describe('The AWS account (12 digits, quoted) the environment deploys into: every provider of its stacks is pinned to it (allowed_account_ids), so Terraform refuses other credentials. Default: not pinned.'),
    deployRoleArn: roleArn
      .optional()
      .describe('Role every AWS provider of the environment assumes (in `account`, which it requires). Default: the caller credentials.'),
    deployRoleExternalId: externalId.optional().describe('External id for assuming deployRoleArn, if its trust policy requires one. Default: none.'),
    stateRoleArn: z
      .string()
      .regex(/^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]+$/, { error: 'must be an IAM role ARN (arn:aws:iam::<12-digit account>:role/<name>)' })
      .superRefine(refinedBy(arnPartitionProblem))
      .superRefine(refinedBy(iamRoleArnProblem))
      .optional()
      .describe("Role the S3 backend assumes to reach the state bucket (for CI roles). With state.account, the bootstrap grants it this environment's state keys. Default: the caller credentials."),
    tags: z.record(z.string(), z.string()).default({}).describe('Tags added to every resource of the environment.'),
  })
  .describe('One environment: a VPC, a platform and its services.');

export const stateSchema = z
  .strictObject({
    bucket: s3BucketName.describe('The state bucket, created by the terraform-state stack.'),
    region: region.describe('Region of the state bucket.'),
    encryption: z
      .enum(['kms', 's3'], { error: 'must be "kms" (SSE-KMS with a key the bootstrap creates) or "s3" (SSE-S3)' })
      .default('kms')
      .describe('Bucket default encryption: SSE-KMS with a key the bootstrap creates, or SSE-S3.'),
    noncurrentVersionDays: z
      .number({ error: 'must be a number of days' })
      .int({ error: 'must be a whole number of days' })
      .min(1, { error: 'must be at least 1 (day); versioning keeps old state versions until they expire' })
      .max(API_INTEGER_MAX, { error: `must be at most ${API_INTEGER_MAX} (an S3 API integer)` })
      .default(90)
      .describe('Days before noncurrent state versions expire.'),
    lockTable: z
      .string()
      .regex(/^[a-zA-Z0-9_.-]{3,255}$/, { error: 'must be a DynamoDB table name (3-255 letters, digits, _ . -)' })
      .optional()
      .describe('Optional DynamoDB lock table, for Terraform older than 1.10. S3 lock files (use_lockfile) are always on.'),
    accessLogs: z
      .strictObject({
        enabled: z.boolean().default(true),
        bucket: s3BucketName.optional().describe('Name of the log bucket the bootstrap creates. Default: "<state.bucket>-logs".'),
        expirationDays: z.number({ error: 'must be a number of days' }).int().min(1).default(365).describe('Days before access log objects expire.'),
      })
      .default({ enabled: true, expirationDays: 365 })
      .describe('S3 server access logging of the state bucket to a log bucket the bootstrap creates (SSE-S3, as S3 log delivery requires).'),
    bootstrapBackend: z
      .enum(['local', 's3'], { error: 'must be "local" (until the state bucket exists) or "s3" (once it does; see `npm run state:migrate`)' })
      .default('local')
      .describe('Where the terraform-state stack keeps its own state: "local" (terraform-state/terraform.tfstate, until the bucket exists) or "s3" (in the bucket it created; set it before `npm run state:migrate`).'),
    account: accountId
      .optional()
      .describe("The AWS account of the state bucket (12 digits, quoted): pins the bootstrap's provider to it and lets each environment's stateRoleArn, in any account, reach only that environment's state keys. Default: not pinned; state roles in one account."),
  })
  .describe('Remote state: the S3 bucket (and optional DynamoDB table) every stack keeps its state in.');

export const configSchema = z
  .strictObject({
    $schema: z.string().optional().describe('Path of the JSON Schema, for editors.'),
    project: name('project', 12).describe('Short project name; prefixes AWS resource names.'),
    state: stateSchema,
    tags: z.record(z.string(), z.string()).default({}).describe('Tags added to every resource.'),
    environments: z
      .record(name('environment name', 8), environmentSchema)
      .refine((envs) => Object.keys(envs).length > 0, { error: 'at least one environment is required' })
      .describe('Environments by name (e.g. dev, prod).'),
  })
  .describe('Configuration of the private Fargate platform.');

export type ConfigInput = z.input<typeof configSchema>;
export type ParsedConfig = z.output<typeof configSchema>;
export type ParsedEnvironment = z.output<typeof environmentSchema>;

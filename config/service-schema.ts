/**
 * Schema of an environment's `platform` (cluster and load balancer) and `services`
 * (one Fargate service each). Rules relating several values (routes unique across
 * services, name lengths, image reachability) live in `validate-services.ts`.
 */
import { z } from 'zod';
import {
  API_INTEGER_MAX,
  arnPartitionProblem,
  healthCheckCommandProblem,
  healthCheckPathProblem,
  hostHeaderProblem,
  matcherProblem,
  pathPatternProblem,
  refinedBy,
  RULE_LIMITS,
  wildcardCount,
} from './aws-rules';
import { LOG_RETENTION_DAYS } from './log-retention';

const arn = (service: string, resource: string, example: string) =>
  z
    .string()
    .regex(new RegExp(`^arn:aws[a-z-]*:${service}:[a-z0-9-]+:\\d{12}:${resource}`), { error: `must be an ARN like ${example}` })
    .superRefine(refinedBy(arnPartitionProblem));

export const platformSchema = z
  .strictObject({
    certificateArn: arn('acm', 'certificate/[0-9a-f-]+$', 'arn:aws:acm:<region>:<account>:certificate/<id>')
      .optional()
      .describe('ACM certificate: adds an HTTPS listener (TLS 1.3 policy) and makes port 80 redirect to 443. Default: HTTP only.'),
    deletionProtection: z.boolean().optional().describe('ALB deletion protection. Default: true in a production environment, else false.'),
    accessLogs: z
      .strictObject({
        enabled: z.boolean().default(true),
        expirationDays: z
          .number()
          .int()
          .min(1)
          .max(API_INTEGER_MAX, { error: `must be at most ${API_INTEGER_MAX} (an S3 API integer)` })
          .optional()
          .describe('Days before access log objects expire. Default: 365 in a production environment, else 90.'),
      })
      .optional()
      .describe('ALB access logs to an S3 bucket made for them (SSE-S3, as ALB log delivery requires). Default: on in a production environment, else off.'),
    allowPlainHttp: z
      .boolean()
      .default(false)
      .describe(
        'Production only: accept an internet-facing load balancer that serves plain HTTP (no cloudfront, no certificateArn). Without it such a production environment is refused.',
      ),
    idleTimeout: z.number().int().min(1).max(4000).default(60).describe('ALB idle timeout in seconds.'),
    securityGroupRuleQuota: z
      .number()
      .int()
      .min(60)
      .max(1000)
      .default(60)
      .describe(
        "The account's VPC quota 'Inbound or outbound rules per security group' (default 60). The load balancer's group gets one outbound rule per public service, an internal service's group one inbound rule per caller: raise this only after raising the quota in Service Quotas.",
      ),
  })
  .describe('The shared ECS cluster and internet-facing load balancer of the environment.');


const envName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, { error: 'environment variable names are letters, digits and underscores, not starting with a digit' });

const secretArn = z
  .string()
  .regex(/^arn:aws[a-z-]*:(secretsmanager:[a-z0-9-]+:\d{12}:secret:[A-Za-z0-9/_+=.@-]+(:[^:]*:[^:]*:[^:]*)?|ssm:[a-z0-9-]+:\d{12}:parameter(?:\/[A-Za-z0-9_.-]+)+)$/, {
    error: 'must be a Secrets Manager secret ARN (arn:aws:secretsmanager:<region>:<account>:secret:<name>[:<json-key>:<stage>:<version>]) or an SSM parameter ARN (arn:aws:ssm:<region>:<account>:parameter/<name>, no empty path segment)',
  })
  .superRefine(refinedBy(arnPartitionProblem));

const imageReference = z
  .string()
  .regex(/^(?:[a-z0-9.-]+(?::\d+)?\/)?[a-z0-9]+(?:[._-][a-z0-9]+)*(?:\/[a-z0-9]+(?:[._-][a-z0-9]+)*)*(?::[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}|@sha256:[a-f0-9]{64})$/, {
    error: 'must be an image reference with a tag or digest, e.g. public.ecr.aws/nginx/nginx-unprivileged:1.27-alpine or <account>.dkr.ecr.<region>.amazonaws.com/app@sha256:<digest>',
  });

/** The init container's image when the service does not name one: small, multi-architecture, with sh and chmod. */
export const DEFAULT_INIT_IMAGE = 'public.ecr.aws/docker/library/busybox:1.36.1';

const FARGATE_CPU = [256, 512, 1024, 2048, 4096, 8192, 16384] as const;

export const serviceSchema = z
  .strictObject({
    image: imageReference
      .optional()
      .describe('An external image. Default: an ECR repository is created for the service and imageTag is deployed from it.'),
    imageTag: z
      .string()
      .regex(/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/, { error: 'must be an image tag (letters, digits, _ . -; at most 128 characters)' })
      .optional()
      .describe('Tag deployed from the created ECR repository (tags are immutable: deploy a new tag to roll out). Required when image is not set.'),
    keepImages: z.number().int().min(1).max(1000).default(30).describe('Images the ECR lifecycle policy keeps.'),
    port: z.number().int().min(1).max(65535).describe('The container port the load balancer forwards to.'),
    cpu: z.literal(FARGATE_CPU, { error: `must be a Fargate CPU value: ${FARGATE_CPU.join(', ')} (CPU units)` }).default(256),
    memory: z.number().int().positive().default(512).describe('MiB; must be a value Fargate allows for the cpu.'),
    architecture: z.enum(['X86_64', 'ARM64']).default('X86_64'),
    command: z.array(z.string()).optional().describe('Overrides the image CMD.'),
    user: z
      .string()
      .regex(/^[A-Za-z0-9_.-]+(:[A-Za-z0-9_.-]+)?$/, { error: 'must be a user or uid, optionally :group' })
      .refine((u) => !['root', '0', '0:0', 'root:root'].includes(u), { error: 'containers must not run as root (Security Hub ECS.4/ECS.5); use a numeric uid such as "1000"' })
      .default('1000')
      .describe('Non-root user the container runs as.'),
    environment: z.record(envName, z.string()).default({}).describe('Plain environment variables (never secrets: use `secrets`).'),
    secrets: z.record(envName, secretArn).default({}).describe('Environment variables filled from Secrets Manager or SSM Parameter Store at task start.'),
    healthCheck: z
      .strictObject({
        path: z.string().superRefine(refinedBy(healthCheckPathProblem)).default('/').describe('Health check request path (starts with /, at most 1024 characters).'),
        matcher: z.string().superRefine(refinedBy(matcherProblem)).default('200-399').describe('Success codes within 200-499: "200", "200,302" or "200-299".'),
        command: z
          .array(z.string())
          .superRefine((command, ctx) => {
            const problem = healthCheckCommandProblem(command);
            if (problem) ctx.addIssue({ code: 'custom', message: problem });
          })
          .optional()
          .describe('Container health check command: "CMD" or "CMD-SHELL", then the command, e.g. ["CMD-SHELL", "wget -qO- localhost:8080/ || exit 1"].'),
        gracePeriodSeconds: z.number().int().min(0).max(2147483647).default(60),
      })
      .default({ path: '/', matcher: '200-399', gracePeriodSeconds: 60 }),
    routing: z
      .strictObject({
        pathPatterns: z
          .array(z.string().superRefine(refinedBy(pathPatternProblem)))
          .max(RULE_LIMITS.valuesPerCondition, { error: `at most ${RULE_LIMITS.valuesPerCondition} path patterns (an ALB rule condition takes ${RULE_LIMITS.valuesPerCondition} values)` })
          .default([]),
        hostHeaders: z
          .array(z.string().superRefine(refinedBy(hostHeaderProblem)))
          .max(RULE_LIMITS.valuesPerCondition, { error: `at most ${RULE_LIMITS.valuesPerCondition} host headers (an ALB rule condition takes ${RULE_LIMITS.valuesPerCondition} values)` })
          .default([]),
        priority: z.number().int().min(1).max(50000).optional().describe('Listener rule priority. Default: derived from the service name (stable), catch-all routes last.'),
      })
      .refine((r) => r.pathPatterns.length + r.hostHeaders.length > 0, { error: 'needs at least one path pattern or host header' })
      .refine((r) => r.pathPatterns.length + r.hostHeaders.length <= RULE_LIMITS.valuesPerRule, {
        error: `at most ${RULE_LIMITS.valuesPerRule} path patterns and host headers in total (an ALB rule takes ${RULE_LIMITS.valuesPerRule} condition values)`,
      })
      .refine((r) => wildcardCount([...r.pathPatterns, ...r.hostHeaders]) <= RULE_LIMITS.wildcardsPerRule, {
        error: `at most ${RULE_LIMITS.wildcardsPerRule} wildcards (* or ?) in path patterns and host headers together (an ALB rule limit)`,
      })
      .optional()
      .describe('Which requests the load balancer sends to this service. Default for public services: pathPatterns ["/*"].'),
    exposure: z
      .enum(['public', 'internal'])
      .default('public')
      .describe('"public": behind the shared load balancer. "internal": no load balancer route; reached by the services that list it in `calls`, through ECS Service Connect.'),
    calls: z
      .array(z.string())
      .default([])
      .describe('Internal services of the environment this service calls (through Service Connect); each admits only its callers.'),
    desiredCount: z.number().int().min(0).max(API_INTEGER_MAX, { error: `must be at most ${API_INTEGER_MAX} (an ECS API integer)` }).default(2),
    autoscaling: z
      .strictObject({
        min: z.number().int().min(0).max(API_INTEGER_MAX, { error: `must be at most ${API_INTEGER_MAX} (an Application Auto Scaling API integer)` }),
        max: z.number().int().min(1).max(API_INTEGER_MAX, { error: `must be at most ${API_INTEGER_MAX} (an Application Auto Scaling API integer)` }),
        cpuTarget: z.number().min(1).max(100).optional().describe('Target average CPU %.'),
        memoryTarget: z.number().min(1).max(100).optional().describe('Target average memory %.'),
        requestsPerTarget: z.number().int().min(1).optional().describe('Target ALB requests per task per minute.'),
      })
      .refine((a) => a.min <= a.max, { error: 'min must not exceed max' })
      .optional()
      .describe('Application Auto Scaling; desired_count is then owned by the scaler.'),
    capacity: z
      .strictObject({
        spot: z.number().int().min(0).max(100).default(0).describe('Percent of tasks on Fargate Spot (interruptible, cheaper).'),
      })
      .default({ spot: 0 }),
    deployment: z
      .strictObject({
        minimumHealthyPercent: z.number().int().min(0).max(100).default(100),
        maximumPercent: z.number().int().min(100).max(200).default(200),
      })
      .default({ minimumHealthyPercent: 100, maximumPercent: 200 }),
    deregistrationDelay: z.number().int().min(0).max(3600).default(30),
    logRetentionDays: z
      .literal(LOG_RETENTION_DAYS, { error: `must be one of the retention periods CloudWatch Logs accepts: ${LOG_RETENTION_DAYS.join(', ')}` })
      .optional()
      .describe('Days CloudWatch Logs keeps the task logs. Default: 365 in a production environment, else 30.'),
    exec: z
      .boolean()
      .default(false)
      .describe(
        'ECS Exec (adds the ssmmessages endpoint and the task role permissions). AWS supports ECS Exec only on a writable root filesystem (its agent writes under /var/lib/amazon/ssm and /var/log/amazon/ssm), so exec: true turns readonlyRootFilesystem off for the application container (Security Hub ECS.5 then reports it): enable it while debugging, not permanently.',
      ),
    initImage: imageReference
      .default(DEFAULT_INIT_IMAGE)
      .describe(
        `Image of the init-scratch container, which makes the task's scratch volumes (/tmp) writable for the non-root user before the application starts (Fargate creates them root-owned, mode 0755). Needs sh and chmod; pulled like image (public.ecr.aws through the pull-through cache). Default: ${DEFAULT_INIT_IMAGE}.`,
      ),
    secretsKmsKeyArns: z
      .array(arn('kms', 'key/[A-Za-z0-9-]+$', 'arn:aws:kms:<region>:<account>:key/<key-id> (a key ARN, not an alias)'))
      .default([])
      .describe('Customer-managed KMS keys that encrypt this service\'s secrets: the execution role may kms:Decrypt with them, only through Secrets Manager or SSM. Default: none (secrets under the AWS-managed keys need no grant).'),
  })
  .describe('A Fargate service behind the shared load balancer.');

export const servicesSchema = z.record(
  z
    .string()
    .regex(/^[a-z][a-z0-9-]*[a-z0-9]$/, { error: 'service name must be lowercase letters, digits and hyphens, starting with a letter' })
    // It ends the ECR repository name <project>-<env>/<service>, which allows single separators only.
    .refine((name) => !name.includes('--'), { error: 'service name must not contain two hyphens in a row (its ECR repository name would be invalid)' }),
  serviceSchema,
);

export type ParsedService = z.output<typeof serviceSchema>;
export type ParsedPlatform = z.output<typeof platformSchema>;

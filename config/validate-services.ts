/**
 * Cross-field rules of the `platform` and `services` sections, and the resolved service
 * model the stacks are built from: image source, secrets, listener rule priority, and the
 * VPC endpoints each service's features need (ECS guide, "Amazon ECS interface VPC endpoints").
 */
import { ELB_NAME_MAX, RULE_LIMITS, TASK_DEFINITION_MAX_BYTES, TASK_GROUP_FIXED_EGRESS_RULES } from './aws-rules';
import { ConfigIssue, quote } from './issues';
import type { ParsedPlatform, ParsedService } from './service-schema';

/** Where the task's image comes from; decides the IAM permissions and the network path. */
export type ImageSource =
  /** An ECR repository created by the service stack; `tag` is deployed. */
  | { readonly kind: 'created-repository'; readonly tag: string }
  /** An existing private ECR image (same region: reachable through the ECR endpoints). */
  | { readonly kind: 'ecr'; readonly uri: string; readonly repositoryArn: string; readonly region: string }
  /** A public.ecr.aws image, pulled through the environment's ECR pull-through cache rule. */
  | { readonly kind: 'pull-through'; readonly path: string }
  /** Any other registry: needs internet egress (NAT). */
  | { readonly kind: 'internet'; readonly uri: string };

/** An image of another registry than the service's own repository (the init container's image). */
export type ExternalImageSource = Exclude<ImageSource, { kind: 'created-repository' }>;

export interface ResolvedSecret {
  readonly name: string;
  /** The ARN the container definition's `valueFrom` names (may carry a JSON key suffix). */
  readonly valueFrom: string;
  /** The ARNs (or ARN patterns) IAM permissions name: the secret or parameter itself. */
  readonly resourceArns: readonly string[];
  readonly source: 'secretsmanager' | 'ssm';
}

/** An interface endpoint a service needs, with the feature that needs it (for messages). */
export interface EndpointNeed {
  readonly service: string;
  readonly endpoint: string;
  readonly feature: string;
}

export interface ServiceRouting {
  readonly pathPatterns: readonly string[];
  readonly hostHeaders: readonly string[];
  readonly priority: number;
}

export interface ResolvedService extends Omit<ParsedService, 'image' | 'imageTag' | 'initImage' | 'secrets' | 'routing' | 'logRetentionDays'> {
  /** Days CloudWatch Logs keeps the task logs (the default depends on the environment kind). */
  readonly logRetentionDays: number;
  readonly name: string;
  /** `<env>-<service>`. */
  readonly stackName: string;
  /** `<project>-<env>-<service>`: prefix of AWS names (target group, roles, log group). */
  readonly resourceName: string;
  readonly image: ImageSource;
  /** The image of the init-scratch container. */
  readonly initImage: ExternalImageSource;
  readonly secrets: readonly ResolvedSecret[];
  /** The load balancer route; undefined for internal services. */
  readonly routing?: ServiceRouting;
  /** Services of the environment that list this one in `calls`. */
  readonly callers: readonly string[];
  /** Joins the environment's Service Connect namespace (internal, or calling an internal service). */
  readonly serviceConnect: boolean;
  readonly endpointNeeds: readonly EndpointNeed[];
}

export interface ResolvedPlatform {
  readonly certificateArn?: string;
  readonly deletionProtection: boolean;
  readonly accessLogs?: { readonly expirationDays: number };
  readonly idleTimeout: number;
  /** Production only: an internet-facing plain-HTTP load balancer was accepted on purpose. */
  readonly allowPlainHttp: boolean;
}

/** Stack names the environment already uses; a service may not take them. */
export const RESERVED_SERVICE_NAMES: readonly string[] = ['network', 'platform', 'state'];

/** Memory (MiB) Fargate accepts per CPU value (Linux, platform 1.4.0). */
export function fargateMemoryOptions(cpu: number): number[] {
  const range = (from: number, to: number, step: number) => Array.from({ length: (to - from) / step + 1 }, (_, i) => from + i * step);
  switch (cpu) {
    case 256:
      return [512, 1024, 2048];
    case 512:
      return range(1024, 4096, 1024);
    case 1024:
      return range(2048, 8192, 1024);
    case 2048:
      return range(4096, 16384, 1024);
    case 4096:
      return range(8192, 30720, 1024);
    case 8192:
      return range(16384, 61440, 4096);
    case 16384:
      return range(32768, 122880, 8192);
    default:
      return [];
  }
}

/** Defaults that depend on the environment kind: production is hardened, other environments stay cheap. */
export function resolvePlatform(production: boolean, platform: ParsedPlatform, region: string, path: string, issues: ConfigIssue[]): ResolvedPlatform {
  const certificateRegion = platform.certificateArn?.split(':')[3];
  if (certificateRegion !== undefined && certificateRegion !== region) {
    // ACM certificates are regional: a listener takes only one from its load balancer's region.
    issues.push({ path: `${path}.certificateArn`, message: `is an ACM certificate in ${certificateRegion}; the load balancer in ${region} needs a certificate from ${region}` });
  }
  const accessLogs = platform.accessLogs ?? (production ? { enabled: true } : undefined);
  return {
    certificateArn: platform.certificateArn,
    deletionProtection: platform.deletionProtection ?? production,
    accessLogs: accessLogs?.enabled ? { expirationDays: accessLogs.expirationDays ?? defaultLogDays(production) } : undefined,
    idleTimeout: platform.idleTimeout,
    allowPlainHttp: platform.allowPlainHttp,
  };
}

/** Days logs are kept by default: a year in production (CIS, Security Hub CloudWatch.16), 90 days elsewhere. */
export function defaultLogDays(production: boolean): number {
  return production ? 365 : 90;
}

const ECR_IMAGE = /^(\d{12})\.dkr\.ecr\.([a-z0-9-]+)\.amazonaws\.com\/([^:@]+)(?::[^@]+|@sha256:[a-f0-9]{64})$/;
const SECRET_LIKE_NAME = /(PASSWORD|PASSWD|SECRET|TOKEN|PRIVATE_KEY|API_KEY|ACCESS_KEY|CREDENTIAL)/i;

export interface ServiceContext {
  readonly project: string;
  readonly environment: string;
  readonly region: string;
  /** A production environment (longer log retention by default). */
  readonly production: boolean;
  /** True when private subnets have a NAT route (then any registry and region is reachable). */
  readonly internetEgress: boolean;
  /**
   * Listener rules carry one more condition (CloudFront's secret origin header, with two
   * values during a rotation), so services have two condition values fewer.
   * @default false
   */
  readonly originHeaderCondition?: boolean;
  /**
   * CloudFront is in front of the load balancer: it sends the origin's name as Host, so host
   * header conditions never match a viewer's host.
   * @default false
   */
  readonly behindCloudfront?: boolean;
  /**
   * The account's quota of inbound (and, separately, outbound) rules per security group
   * (VPC quota, adjustable).
   * @default 60
   */
  readonly securityGroupRuleQuota?: number;
}

/** Values of the origin header condition: the current secret and, during a rotation, the next. */
const ORIGIN_HEADER_VALUES = 2;

/** The endpoints ECS Service Connect needs in a VPC without NAT (ECS guide, "Service Connect" considerations). */
export const SERVICE_CONNECT_ENDPOINTS = ['ecs-agent', 'ecs-telemetry', 'ecs'] as const;

export function resolveServices(services: Record<string, ParsedService>, ctx: ServiceContext, path: string, issues: ConfigIssue[]): ResolvedService[] {
  const resolved: ResolvedService[] = [];
  const callersOf = checkCalls(services, path, issues);
  for (const [name, service] of Object.entries(services)) {
    const result = resolveService(name, service, callersOf.get(name) ?? [], ctx, `${path}.${name}`, issues);
    if (result) resolved.push(result);
  }
  checkRoutes(resolved, path, issues);
  checkSecurityGroupRules(resolved, ctx.securityGroupRuleQuota ?? 60, path, issues);
  const routed = resolved.filter((s) => s.routing).length;
  if (routed > RULE_LIMITS.rulesPerLoadBalancer) {
    issues.push({
      path,
      message: `${routed} public services would need ${routed} listener rules; an Application Load Balancer allows ${RULE_LIMITS.rulesPerLoadBalancer} (a quota): make some services internal or split them into another environment`,
    });
  }
  return calleesFirst(resolved, path, issues);
}

/**
 * Security groups take 60 inbound and 60 outbound rules by default (VPC quota "Inbound or
 * outbound rules per security group"); past it the apply fails with RulesPerSecurityGroupLimitExceeded.
 * The load balancer's group gets one outbound rule per public service, an internal service's
 * group one inbound rule per caller, a caller's group one outbound rule per callee.
 */
function checkSecurityGroupRules(services: readonly ResolvedService[], quota: number, path: string, issues: ConfigIssue[]): void {
  const raise = `raise the quota in Service Quotas and set platform.securityGroupRuleQuota, or split the services into another environment`;
  const routed = services.filter((s) => s.routing).length;
  if (routed > quota) {
    issues.push({ path, message: `${routed} public services would need ${routed} outbound rules in the load balancer's security group; the quota is ${quota} rules per security group: ${raise}` });
  }
  for (const service of services) {
    if (service.callers.length > quota) {
      issues.push({ path: `${path}.${service.name}`, message: `${service.callers.length} services call it, one inbound rule each in its security group; the quota is ${quota} rules per security group: ${raise}` });
    }
    const egress = service.calls.length + TASK_GROUP_FIXED_EGRESS_RULES;
    if (egress > quota) {
      issues.push({ path: `${path}.${service.name}.calls`, message: `${service.calls.length} callees need ${egress} outbound rules in the service's security group (one per callee and ${TASK_GROUP_FIXED_EGRESS_RULES} for endpoints, S3 and the internet); the quota is ${quota} rules per security group: ${raise}` });
    }
  }
}

/**
 * Orders services so that every service comes after the services it calls (its stack adds
 * rules to their security groups, so it depends on them); a cycle is an error.
 */
function calleesFirst(services: ResolvedService[], path: string, issues: ConfigIssue[]): ResolvedService[] {
  const byName = new Map(services.map((s) => [s.name, s]));
  const ordered: ResolvedService[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (service: ResolvedService, trail: string[]): void => {
    if (state.get(service.name) === 'done') return;
    if (state.get(service.name) === 'visiting') {
      issues.push({ path: `${path}.${service.name}.calls`, message: `calls form a cycle (${[...trail, service.name].join(' -> ')}); stacks could not be applied in any order` });
      return;
    }
    state.set(service.name, 'visiting');
    for (const callee of service.calls) {
      const target = byName.get(callee);
      if (target) visit(target, [...trail, service.name]);
    }
    state.set(service.name, 'done');
    ordered.push(service);
  };
  for (const service of services) visit(service, []);
  return ordered;
}

/** `calls` must name internal services of the environment; returns the callers of each service. */
function checkCalls(services: Record<string, ParsedService>, path: string, issues: ConfigIssue[]): Map<string, string[]> {
  // Maps, not plain objects: a service may be named like an Object.prototype member.
  const byName = new Map(Object.entries(services));
  const callers = new Map<string, string[]>();
  for (const [name, service] of byName) {
    service.calls.forEach((callee, i) => {
      const at = `${path}.${name}.calls.${i}`;
      const target = byName.get(callee);
      if (callee === name) issues.push({ path: at, message: 'a service cannot call itself through Service Connect' });
      else if (service.calls.indexOf(callee) !== i) issues.push({ path: at, message: `${quote(callee)} is listed twice` });
      else if (!target) issues.push({ path: at, message: `no service ${quote(callee)} in this environment; services: ${[...byName.keys()].join(', ')}` });
      else if (target.exposure !== 'internal') issues.push({ path: at, message: `"${callee}" is a public service: reach it through the load balancer, or set its exposure: internal` });
      else callers.set(callee, [...(callers.get(callee) ?? []), name]);
    });
  }
  return callers;
}

function resolveService(name: string, svc: ParsedService, callers: string[], ctx: ServiceContext, path: string, issues: ConfigIssue[]): ResolvedService | undefined {
  const before = issues.length;
  const report = (key: string, message: string) => issues.push({ path: key ? `${path}.${key}` : path, message });
  const resourceName = `${ctx.project}-${ctx.environment}-${name}`;

  if (RESERVED_SERVICE_NAMES.includes(name)) {
    report('', `"${name}" is reserved (the stack ${ctx.environment}-${name} exists already); choose another service name`);
  }
  if (resourceName.length > ELB_NAME_MAX) {
    report(
      '',
      `service name too long: its target group would be named "${resourceName}" (${resourceName.length} characters; AWS allows ${ELB_NAME_MAX}); shorten the service name to at most ${ELB_NAME_MAX - resourceName.length + name.length} characters`,
    );
  }

  const memoryOptions = fargateMemoryOptions(svc.cpu);
  if (!memoryOptions.includes(svc.memory)) {
    report('memory', `${svc.memory} MiB is not a Fargate size for cpu ${svc.cpu}; valid: ${describeOptions(memoryOptions)}`);
  }

  const image = resolveImage(svc, ctx, report);
  const initImage = resolveExternalImage(svc.initImage, 'initImage', ctx, report);

  const secrets: ResolvedSecret[] = Object.entries(svc.secrets).map(([key, valueFrom]) => {
    const source = valueFrom.split(':')[2] as 'secretsmanager' | 'ssm';
    const region = valueFrom.split(':')[3];
    if (!ctx.internetEgress && region !== ctx.region) {
      report(`secrets.${key}`, `is in ${region}, but tasks in ${ctx.region} reach ${source} only through this region's VPC endpoint; use a secret in ${ctx.region} or egress: "nat"`);
    }
    return { name: key, valueFrom, resourceArns: source === 'secretsmanager' ? secretGrantArns(valueFrom) : [valueFrom], source };
  });
  if (svc.secretsKmsKeyArns.length > 0 && secrets.length === 0) {
    report('secretsKmsKeyArns', 'is set, but the service has no secrets to decrypt; remove it, or add the secrets it encrypts');
  }
  const secretRegions = [...new Set(secrets.map((s) => s.valueFrom.split(':')[3]))];
  if (secrets.length > 0) {
    svc.secretsKmsKeyArns.forEach((key, i) => {
      const region = key.split(':')[3];
      if (!secretRegions.includes(region)) {
        report(`secretsKmsKeyArns.${i}`, `is in ${region}, where the service has no secret; a KMS key encrypts secrets of its own region only (secret regions: ${secretRegions.join(', ')})`);
      }
    });
  }

  for (const key of Object.keys(svc.environment)) {
    if (SECRET_LIKE_NAME.test(key)) {
      report(`environment.${key}`, 'looks like a secret; plain environment variables are visible in the task definition (Security Hub ECS.8): move it to `secrets` with a Secrets Manager or SSM ARN');
    }
    if (Object.hasOwn(svc.secrets, key)) report(`environment.${key}`, 'is also set in secrets; a variable can come from one place only');
  }

  if (svc.autoscaling && (svc.desiredCount < svc.autoscaling.min || svc.desiredCount > svc.autoscaling.max)) {
    report('desiredCount', `${svc.desiredCount} is outside autoscaling min ${svc.autoscaling.min} .. max ${svc.autoscaling.max}`);
  }
  if (svc.autoscaling && svc.autoscaling.cpuTarget === undefined && svc.autoscaling.memoryTarget === undefined && svc.autoscaling.requestsPerTarget === undefined) {
    report('autoscaling', 'needs at least one of cpuTarget, memoryTarget, requestsPerTarget');
  }
  if (svc.architecture === 'ARM64' && svc.capacity.spot > 0) {
    report('capacity.spot', 'must be 0 with architecture: ARM64: Fargate Spot runs x86_64 tasks only (use X86_64 for Spot, or no Spot)');
  }
  const definitionBytes = taskDefinitionBytesEstimate(svc);
  if (definitionBytes > TASK_DEFINITION_MAX_BYTES) {
    report(
      '',
      `its task definition would be about ${definitionBytes} bytes; ECS accepts at most ${TASK_DEFINITION_MAX_BYTES} (64 KiB): move large values out of environment and command (e.g. into a secret or a file in the image)`,
    );
  }
  if (svc.deployment.minimumHealthyPercent >= svc.deployment.maximumPercent) {
    report('deployment', 'minimumHealthyPercent must be below maximumPercent, or deployments cannot start a new task');
  }

  const internal = svc.exposure === 'internal';
  if (internal && svc.routing) report('routing', 'internal services get no load balancer route; remove routing, or set exposure: public');
  if (internal && svc.autoscaling?.requestsPerTarget !== undefined) {
    report('autoscaling.requestsPerTarget', 'needs a load balancer target group, and an internal service has none; scale it with cpuTarget or memoryTarget');
  }
  const routing = internal ? undefined : (svc.routing ?? { pathPatterns: ['/*'], hostHeaders: [] });
  const ownValues = RULE_LIMITS.valuesPerRule - ORIGIN_HEADER_VALUES;
  if (routing && ctx.originHeaderCondition && routing.pathPatterns.length + routing.hostHeaders.length > ownValues) {
    report(
      'routing',
      `at most ${ownValues} path patterns and host headers in total with CloudFront prefix-list protection (the secret header condition takes ${ORIGIN_HEADER_VALUES} of the rule's ${RULE_LIMITS.valuesPerRule} condition values during a rotation)`,
    );
  }
  if (routing && ctx.behindCloudfront && routing.hostHeaders.length > 0) {
    report(
      'routing.hostHeaders',
      "never match behind CloudFront: it sends the origin's name as Host to the load balancer, not the viewer's; route by pathPatterns (or give each host its own environment)",
    );
  }

  if (issues.length > before || !image || !initImage) return undefined;

  const serviceConnect = internal || svc.calls.length > 0;
  const endpointNeeds: EndpointNeed[] = [];
  const needs = (endpoint: string, feature: string) => endpointNeeds.push({ service: name, endpoint, feature });
  for (const s of secrets) needs(s.source, `secret ${s.name} from ${s.source === 'ssm' ? 'SSM Parameter Store' : 'Secrets Manager'}`);
  if (svc.exec) needs('ssmmessages', 'ECS Exec');
  if (serviceConnect) for (const endpoint of SERVICE_CONNECT_ENDPOINTS) needs(endpoint, 'ECS Service Connect');

  const { image: _image, imageTag: _tag, initImage: _initImage, secrets: _secrets, routing: _routing, logRetentionDays, ...rest } = svc;
  return {
    ...rest,
    // Task logs: a year in production; a month elsewhere (dev logs are for debugging, and cheap).
    logRetentionDays: logRetentionDays ?? (ctx.production ? 365 : 30),
    name,
    stackName: `${ctx.environment}-${name}`,
    resourceName,
    image,
    initImage,
    secrets,
    routing: routing && { pathPatterns: routing.pathPatterns, hostHeaders: routing.hostHeaders, priority: routing.priority ?? defaultPriority(name, routing) },
    callers,
    serviceConnect,
    endpointNeeds: dedupe(endpointNeeds),
  };
}

/** Bytes of the container definitions JSON beyond what the service's own values add. */
const TASK_DEFINITION_OVERHEAD_BYTES = 4096;

/**
 * An upper estimate of the registered task definition's size: the values the configuration
 * puts in the container definition (environment, secrets, command, health check command),
 * as JSON, plus a fixed allowance for the names, image and settings the stack adds.
 */
function taskDefinitionBytesEstimate(svc: ParsedService): number {
  const variable = JSON.stringify([svc.environment, svc.secrets, svc.command ?? [], svc.healthCheck.command ?? []]);
  // Each variable becomes {"name":"...","value":"..."}: ~20 bytes more than in the record.
  const perVariable = 20 * (Object.keys(svc.environment).length + Object.keys(svc.secrets).length);
  return Buffer.byteLength(variable, 'utf8') + perVariable + TASK_DEFINITION_OVERHEAD_BYTES;
}

function resolveImage(svc: ParsedService, ctx: ServiceContext, report: (key: string, message: string) => void): ImageSource | undefined {
  if (!svc.image) {
    if (!svc.imageTag) {
      report('imageTag', 'is required when image is not set: the service deploys this tag from the ECR repository it creates (push it before the tasks start)');
      return undefined;
    }
    return { kind: 'created-repository', tag: svc.imageTag };
  }
  if (svc.imageTag) {
    report('imageTag', 'is only used with the created ECR repository; put the tag in image instead');
    return undefined;
  }
  return resolveExternalImage(svc.image, 'image', ctx, report);
}

/** Where an image named by reference comes from, or an issue at `key` when a task of this network cannot pull it. */
function resolveExternalImage(uri: string, key: string, ctx: ServiceContext, report: (key: string, message: string) => void): ExternalImageSource | undefined {
  const ecr = ECR_IMAGE.exec(uri);
  if (ecr) {
    const [, account, region, repository] = ecr;
    if (region !== ctx.region && !ctx.internetEgress) {
      report(key, `is in ECR in ${region}; tasks in ${ctx.region} without NAT reach only this region's ECR endpoints (replicate the image to ${ctx.region} or use egress: "nat")`);
      return undefined;
    }
    return { kind: 'ecr', uri, region, repositoryArn: `arn:aws:ecr:${region}:${account}:repository/${repository}` };
  }
  if (uri.startsWith('public.ecr.aws/')) return { kind: 'pull-through', path: uri.slice('public.ecr.aws/'.length) };
  if (!ctx.internetEgress) {
    report(
      key,
      `${quote(uri)} is not in ECR: tasks without NAT can pull only from ECR (${key === 'image' ? "push it to the service's own repository by removing image and setting imageTag, " : 'copy it to an ECR repository of this region, '}use a public.ecr.aws image through the pull-through cache, or set network.egress: "nat")`,
    );
    return undefined;
  }
  return { kind: 'internet', uri };
}

/** The random suffix Secrets Manager appends to every secret name in its ARN. */
const SECRET_SUFFIX = /-[A-Za-z0-9]{6}$/;

/**
 * What IAM must grant for a Secrets Manager `valueFrom`: the secret's own ARN, without the
 * `:json-key:stage:version` tail ECS reads (IAM matches the secret, not the key). A real
 * secret ARN ends in `-` and 6 random characters; an ARN given without them (a partial ARN)
 * matches the secret only as `name-??????`. A name may itself end in 6 characters after a
 * hyphen (`app-config`), so an ARN that looks complete gets both forms.
 */
export function secretGrantArns(valueFrom: string): string[] {
  const secretArn = valueFrom.split(':').slice(0, 7).join(':');
  const partial = `${secretArn}-??????`;
  return SECRET_SUFFIX.test(secretArn) ? [secretArn, partial] : [partial];
}

/**
 * A stable listener rule priority from the service name, so adding or reordering services
 * never renumbers another service's rule; catch-all routes sort after specific ones.
 */
export function defaultPriority(name: string, routing: { pathPatterns: readonly string[]; hostHeaders: readonly string[] }): number {
  const catchAll = routing.hostHeaders.length === 0 && routing.pathPatterns.some((p) => p === '/*' || p === '*');
  let h = 2166136261;
  for (let i = 0; i < name.length; i++) h = Math.imul(h ^ name.charCodeAt(i), 16777619);
  const hash = h >>> 0;
  return catchAll ? 45000 + (hash % 5000) : 1000 + (hash % 40000);
}

function checkRoutes(services: ResolvedService[], path: string, issues: ConfigIssue[]): void {
  const routed = services.filter((s): s is ResolvedService & { routing: ServiceRouting } => s.routing !== undefined);
  const routeKey = (s: { routing: ServiceRouting }) => JSON.stringify([[...s.routing.pathPatterns].sort(), [...s.routing.hostHeaders].sort()]);
  routed.forEach((s, i) => {
    for (const other of routed.slice(0, i)) {
      if (routeKey(s) === routeKey(other)) {
        issues.push({ path: `${path}.${s.name}.routing`, message: `routes the same requests as service "${other.name}"; give one of them other pathPatterns or hostHeaders` });
      } else if (s.routing.priority === other.routing.priority) {
        issues.push({ path: `${path}.${s.name}.routing.priority`, message: `${s.routing.priority} is also the priority of service "${other.name}"; listener rule priorities must be unique (set routing.priority explicitly)` });
      }
    }
  });
}

function describeOptions(options: number[]): string {
  if (options.length <= 3) return options.join(', ');
  return `${options[0]} to ${options[options.length - 1]} in steps of ${options[1] - options[0]}`;
}

function dedupe(needs: EndpointNeed[]): EndpointNeed[] {
  const seen = new Set<string>();
  return needs.filter((n) => !seen.has(n.endpoint) && seen.add(n.endpoint));
}

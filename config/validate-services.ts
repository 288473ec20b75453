/**
 * Cross-field rules of the `platform` and `services` sections, and the resolved service
 * model the stacks are built from: image source, secrets, listener rule priority, and the
 * VPC endpoints each service's features need (REFERENCE §1).
 */
import type { ParsedPlatform, ParsedService } from './service-schema';
import type { ConfigIssue } from './validate';

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

export interface ResolvedSecret {
  readonly name: string;
  /** The ARN the container definition's `valueFrom` names (may carry a JSON key suffix). */
  readonly valueFrom: string;
  /** The ARN IAM permissions name: the secret or parameter itself. */
  readonly resourceArn: string;
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

export interface ResolvedService extends Omit<ParsedService, 'image' | 'imageTag' | 'secrets' | 'routing' | 'logRetentionDays'> {
  /** Days CloudWatch Logs keeps the task logs (the default depends on the environment kind). */
  readonly logRetentionDays: number;
  readonly name: string;
  /** `<env>-<service>`. */
  readonly stackName: string;
  /** `<project>-<env>-<service>`: prefix of AWS names (target group, roles, log group). */
  readonly resourceName: string;
  readonly image: ImageSource;
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
const RESERVED_SERVICE_NAMES = ['network', 'platform', 'state'];
/** AWS limit on target group and load balancer names. */
const ELB_NAME_MAX = 32;

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
export function resolvePlatform(production: boolean, platform: ParsedPlatform): ResolvedPlatform {
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
   * Listener rules carry one more condition (CloudFront's secret origin header), so
   * services may use one condition value fewer.
   * @default false
   */
  readonly originHeaderCondition?: boolean;
}

/** The endpoints ECS Service Connect needs in a VPC without NAT (REFERENCE §1). */
export const SERVICE_CONNECT_ENDPOINTS = ['ecs-agent', 'ecs-telemetry', 'ecs'] as const;

export function resolveServices(services: Record<string, ParsedService>, ctx: ServiceContext, path: string, issues: ConfigIssue[]): ResolvedService[] {
  const resolved: ResolvedService[] = [];
  const callersOf = checkCalls(services, path, issues);
  for (const [name, service] of Object.entries(services)) {
    const result = resolveService(name, service, callersOf[name] ?? [], ctx, `${path}.${name}`, issues);
    if (result) resolved.push(result);
  }
  checkRoutes(resolved, path, issues);
  return calleesFirst(resolved, path, issues);
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
function checkCalls(services: Record<string, ParsedService>, path: string, issues: ConfigIssue[]): Record<string, string[]> {
  const callers: Record<string, string[]> = {};
  for (const [name, service] of Object.entries(services)) {
    service.calls.forEach((callee, i) => {
      const at = `${path}.${name}.calls.${i}`;
      const target = services[callee];
      if (callee === name) issues.push({ path: at, message: 'a service cannot call itself through Service Connect' });
      else if (!target) issues.push({ path: at, message: `no service "${callee}" in this environment; services: ${Object.keys(services).join(', ')}` });
      else if (target.exposure !== 'internal') issues.push({ path: at, message: `"${callee}" is a public service: reach it through the load balancer, or set its exposure: internal` });
      else (callers[callee] ??= []).push(name);
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

  const secrets: ResolvedSecret[] = Object.entries(svc.secrets).map(([key, valueFrom]) => {
    const source = valueFrom.split(':')[2] as 'secretsmanager' | 'ssm';
    const region = valueFrom.split(':')[3];
    if (!ctx.internetEgress && region !== ctx.region) {
      report(`secrets.${key}`, `is in ${region}, but tasks in ${ctx.region} reach ${source} only through this region's VPC endpoint; use a secret in ${ctx.region} or egress: "nat"`);
    }
    // A Secrets Manager valueFrom may end in :json-key:stage:version; IAM names the secret itself.
    const resourceArn = source === 'secretsmanager' ? valueFrom.split(':').slice(0, 7).join(':') : valueFrom;
    return { name: key, valueFrom, resourceArn, source };
  });

  for (const key of Object.keys(svc.environment)) {
    if (SECRET_LIKE_NAME.test(key)) {
      report(`environment.${key}`, 'looks like a secret; plain environment variables are visible in the task definition (Security Hub ECS.8): move it to `secrets` with a Secrets Manager or SSM ARN');
    }
    if (key in svc.secrets) report(`environment.${key}`, 'is also set in secrets; a variable can come from one place only');
  }

  if (svc.autoscaling && (svc.desiredCount < svc.autoscaling.min || svc.desiredCount > svc.autoscaling.max)) {
    report('desiredCount', `${svc.desiredCount} is outside autoscaling min ${svc.autoscaling.min} .. max ${svc.autoscaling.max}`);
  }
  if (svc.autoscaling && svc.autoscaling.cpuTarget === undefined && svc.autoscaling.memoryTarget === undefined && svc.autoscaling.requestsPerTarget === undefined) {
    report('autoscaling', 'needs at least one of cpuTarget, memoryTarget, requestsPerTarget');
  }
  if (svc.deployment.minimumHealthyPercent >= svc.deployment.maximumPercent) {
    report('deployment', 'minimumHealthyPercent must be below maximumPercent, or deployments cannot start a new task');
  }

  const internal = svc.exposure === 'internal';
  if (internal && svc.routing) report('routing', 'internal services get no load balancer route; remove routing, or set exposure: public');
  const routing = internal ? undefined : (svc.routing ?? { pathPatterns: ['/*'], hostHeaders: [] });
  if (routing && ctx.originHeaderCondition && routing.pathPatterns.length + routing.hostHeaders.length > 4) {
    report('routing', 'at most 4 path patterns and host headers in total with CloudFront prefix-list protection (the secret header takes the fifth condition value of the rule)');
  }

  if (issues.length > before || !image) return undefined;

  const serviceConnect = internal || svc.calls.length > 0;
  const endpointNeeds: EndpointNeed[] = [];
  const needs = (endpoint: string, feature: string) => endpointNeeds.push({ service: name, endpoint, feature });
  for (const s of secrets) needs(s.source, `secret ${s.name} from ${s.source === 'ssm' ? 'SSM Parameter Store' : 'Secrets Manager'}`);
  if (svc.exec) needs('ssmmessages', 'ECS Exec');
  if (serviceConnect) for (const endpoint of SERVICE_CONNECT_ENDPOINTS) needs(endpoint, 'ECS Service Connect');

  const { image: _image, imageTag: _tag, secrets: _secrets, routing: _routing, logRetentionDays, ...rest } = svc;
  return {
    ...rest,
    // Task logs: a year in production; a month elsewhere (dev logs are for debugging, and cheap).
    logRetentionDays: logRetentionDays ?? (ctx.production ? 365 : 30),
    name,
    stackName: `${ctx.environment}-${name}`,
    resourceName,
    image,
    secrets,
    routing: routing && { pathPatterns: routing.pathPatterns, hostHeaders: routing.hostHeaders, priority: routing.priority ?? defaultPriority(name, routing) },
    callers,
    serviceConnect,
    endpointNeeds: dedupe(endpointNeeds),
  };
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
  const ecr = ECR_IMAGE.exec(svc.image);
  if (ecr) {
    const [, account, region, repository] = ecr;
    if (region !== ctx.region && !ctx.internetEgress) {
      report('image', `is in ECR in ${region}; tasks in ${ctx.region} without NAT reach only this region's ECR endpoints (replicate the image to ${ctx.region} or use egress: "nat")`);
      return undefined;
    }
    return { kind: 'ecr', uri: svc.image, region, repositoryArn: `arn:aws:ecr:${region}:${account}:repository/${repository}` };
  }
  if (svc.image.startsWith('public.ecr.aws/')) return { kind: 'pull-through', path: svc.image.slice('public.ecr.aws/'.length) };
  if (!ctx.internetEgress) {
    report(
      'image',
      `${svc.image} is not in ECR: tasks without NAT can pull only from ECR (push it to the service's own repository by removing image and setting imageTag, use a public.ecr.aws image through the pull-through cache, or set network.egress: "nat")`,
    );
    return undefined;
  }
  return { kind: 'internet', uri: svc.image };
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

/**
 * Finds the Fargate tasks an environment runs at its minimum: every `aws_ecs_service` on
 * Fargate, sized by its task definition (`cpu` in CPU units, `memory` in MiB), counted at
 * the autoscaling `min_capacity` when a scalable target exists (the floor it never goes
 * below) or else at `desired_count`.
 */
import { instanceCount, isRecord, literalNumber, literalString, nestedBlock, nestedBlocks, resourcesIn, SynthStack, TfResource } from './terraform-json';
import { parseResourceRef, refersTo } from './refs';

export type CpuArchitecture = 'X86_64' | 'ARM64';

export interface FargateService {
  /** `<stack>/aws_ecs_service.<name>`. */
  readonly address: string;
  /** The service's literal `name`, else its resource name. */
  readonly label: string;
  readonly tasks: number;
  /** Where the task count comes from, for the report. */
  readonly tasksFrom: string;
  readonly vcpu: number;
  readonly memoryGb: number;
  readonly architecture: CpuArchitecture;
  /** Tasks that may run on FARGATE_SPOT (by the capacity provider strategy). */
  readonly spotTasks: number;
  /** Tasks get a public IPv4 address each (`assign_public_ip`). */
  readonly publicIp: boolean;
}

const FARGATE_PROVIDERS = ['FARGATE', 'FARGATE_SPOT'];

/** Fargate services of an environment; `warnings` gets what could not be priced and why. */
export function fargateServices(stacks: readonly SynthStack[], warnings: string[]): FargateService[] {
  const services: FargateService[] = [];
  for (const service of resourcesIn(stacks, 'aws_ecs_service')) {
    const address = `${service.stack.name}/aws_ecs_service.${service.name}`;
    const taskDefinition = findTaskDefinition(service, stacks);
    const strategy = capacityStrategy(service, stacks);
    if (!runsOnFargate(service, strategy, taskDefinition)) {
      warnings.push(`${address} does not run on Fargate (EC2 or external capacity): not priced`);
      continue;
    }
    if (!taskDefinition) {
      warnings.push(`${address}: its task definition (${JSON.stringify(service.block.task_definition)}) is not in the synthesized stacks: not priced`);
      continue;
    }
    const sized = taskSize(taskDefinition);
    if (typeof sized === 'string') {
      warnings.push(`${address}: ${sized}: not priced`);
      continue;
    }
    const count = minimumTasks(service, stacks, warnings, address);
    const copies = instanceCount(service) ?? 1;
    if (instanceCount(service) === undefined) warnings.push(`${address} has a computed count/for_each: priced as one service`);
    const tasks = count.tasks * copies;
    services.push({
      address,
      label: literalString(service.block.name) ?? service.name,
      tasks,
      tasksFrom: count.from,
      ...sized,
      spotTasks: spotShare(strategy, tasks),
      publicIp: nestedBlock(service.block.network_configuration)?.assign_public_ip === true,
    });
  }
  return services;
}

interface StrategyItem {
  readonly provider: string;
  readonly base: number;
  readonly weight: number;
}

/** The service's capacity provider strategy, else its cluster's default strategy. */
function capacityStrategy(service: TfResource, stacks: readonly SynthStack[]): StrategyItem[] {
  const toItems = (blocks: Record<string, unknown>[]) =>
    blocks.map((b) => ({ provider: literalString(b.capacity_provider) ?? '', base: literalNumber(b.base) ?? 0, weight: literalNumber(b.weight) ?? 0 }));
  const own = nestedBlocks(service.block.capacity_provider_strategy);
  if (own.length > 0 || service.block.launch_type !== undefined) return toItems(own);
  // No launch type and no strategy: ECS uses the cluster's default strategy.
  const defaults = resourcesIn(stacks, 'aws_ecs_cluster_capacity_providers').filter((c) => sameCluster(service, c));
  return toItems(defaults.flatMap((c) => nestedBlocks(c.block.default_capacity_provider_strategy)));
}

/**
 * Whether `capacityProviders` belongs to the service's cluster. Only a same-stack reference
 * can be checked; across stacks (cluster in the platform stack) the environment's one
 * cluster is assumed.
 */
function sameCluster(service: TfResource, capacityProviders: TfResource): boolean {
  const cluster = parseResourceRef(String(service.block.cluster ?? ''));
  if (!cluster || capacityProviders.stack !== service.stack) return true;
  return refersTo(capacityProviders.block.cluster_name, cluster.type, cluster.name);
}

function runsOnFargate(service: TfResource, strategy: StrategyItem[], taskDefinition: TfResource | undefined): boolean {
  const launchType = literalString(service.block.launch_type);
  if (launchType !== undefined) return launchType === 'FARGATE';
  if (strategy.length > 0) return strategy.some((s) => FARGATE_PROVIDERS.includes(s.provider));
  const compatibilities = taskDefinition?.block.requires_compatibilities;
  return Array.isArray(compatibilities) && compatibilities.includes('FARGATE');
}

/** The task definition a service runs: a reference in the same stack, or a literal family[:revision]. */
function findTaskDefinition(service: TfResource, stacks: readonly SynthStack[]): TfResource | undefined {
  const value = service.block.task_definition;
  const ref = typeof value === 'string' ? parseResourceRef(value) : undefined;
  if (ref?.type === 'aws_ecs_task_definition') {
    const block = service.stack.json.resource?.aws_ecs_task_definition?.[ref.name];
    return block ? { stack: service.stack, type: ref.type, name: ref.name, block } : undefined;
  }
  const family = literalString(value)?.split(':')[0];
  return family ? resourcesIn(stacks, 'aws_ecs_task_definition').find((t) => t.block.family === family) : undefined;
}

/** vCPU and GB of a task definition, or why they cannot be priced. */
function taskSize(taskDefinition: TfResource): { vcpu: number; memoryGb: number; architecture: CpuArchitecture } | string {
  const cpuUnits = literalNumber(taskDefinition.block.cpu);
  const memoryMiB = literalNumber(taskDefinition.block.memory);
  if (cpuUnits === undefined || memoryMiB === undefined) {
    return `task definition aws_ecs_task_definition.${taskDefinition.name} has no literal task-level cpu/memory`;
  }
  const platform = nestedBlock(taskDefinition.block.runtime_platform);
  const os = literalString(platform?.operating_system_family) ?? 'LINUX';
  if (os !== 'LINUX') return `operating system ${os} (only Linux Fargate prices are in the price sheet)`;
  const architecture = literalString(platform?.cpu_architecture) === 'ARM64' ? 'ARM64' : 'X86_64';
  // Fargate bills 1 vCPU per 1024 CPU units and memory per GB of 1024 MiB.
  return { vcpu: cpuUnits / 1024, memoryGb: memoryMiB / 1024, architecture };
}

/** The floor of the service's task count: autoscaling `min_capacity`, else `desired_count`. */
function minimumTasks(service: TfResource, stacks: readonly SynthStack[], warnings: string[], address: string): { tasks: number; from: string } {
  const serviceName = literalString(service.block.name);
  const target = resourcesIn(stacks, 'aws_appautoscaling_target').find((t) => {
    if (t.block.service_namespace !== 'ecs') return false;
    const resourceId = t.block.resource_id;
    const sameStackRef = t.stack === service.stack && refersTo(resourceId, 'aws_ecs_service', service.name);
    const literalMatch = serviceName !== undefined && typeof resourceId === 'string' && resourceId.endsWith(`/${serviceName}`);
    return sameStackRef || literalMatch;
  });
  if (target) {
    const min = literalNumber(target.block.min_capacity);
    if (min !== undefined) return { tasks: min, from: 'autoscaling min_capacity' };
    warnings.push(`${address}: autoscaling min_capacity is not a literal; using desired_count`);
  }
  const desired = service.block.desired_count;
  if (desired === undefined) return { tasks: 0, from: 'desired_count unset (Terraform default 0)' };
  const count = literalNumber(desired);
  if (count !== undefined) return { tasks: count, from: 'desired_count' };
  warnings.push(`${address}: desired_count ${JSON.stringify(desired)} is not a literal; assumed 1 task`);
  return { tasks: 1, from: 'assumed 1 (desired_count is computed)' };
}

/**
 * How many of `tasks` ECS places on FARGATE_SPOT: the provider with a `base` gets its base
 * first, the rest is split by weight (ECS's documented placement; rounding may differ by one).
 */
function spotShare(strategy: StrategyItem[], tasks: number): number {
  const spot = strategy.find((s) => s.provider === 'FARGATE_SPOT');
  if (!spot) return 0;
  const base = strategy.reduce((sum, s) => sum + Math.min(s.base, tasks), 0);
  const spotBase = Math.min(spot.base, tasks);
  const totalWeight = strategy.reduce((sum, s) => sum + s.weight, 0);
  const rest = Math.max(0, tasks - base);
  const byWeight = totalWeight > 0 ? Math.round((rest * spot.weight) / totalWeight) : 0;
  return Math.min(tasks, spotBase + byWeight);
}

/** ECS clusters with Container Insights on (`enabled` or `enhanced`), as `<stack>/aws_ecs_cluster.<name>`. */
export function containerInsightsClusters(stacks: readonly SynthStack[]): string[] {
  return resourcesIn(stacks, 'aws_ecs_cluster')
    .filter((c) => nestedBlocks(c.block.setting).some((s) => isRecord(s) && s.name === 'containerInsights' && s.value !== 'disabled'))
    .map((c) => `${c.stack.name}/aws_ecs_cluster.${c.name}`);
}

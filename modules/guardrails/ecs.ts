/**
 * ECS guardrails beyond the user and the environment (guardrails.ts): no privileged
 * container (ECS.4), a read-only root filesystem unless the service is opened to ECS Exec
 * (ECS.5), logs for every container (ECS.9), the latest Fargate platform (ECS.10) and
 * Container Insights on every cluster (ECS.12).
 */
import { block, blocks, Json, literalBool, literalString, TfResource } from '../../lib/preflight/tf';
import { RuleContext } from './context';

/** Fargate platform versions that are the latest (Linux `1.4.0`, Windows `1.0.0`); unset means LATEST. */
const LATEST_PLATFORMS = new Set(['LATEST', '1.4.0', '1.0.0']);

export function ecsRules(ctx: RuleContext, containersOf: (taskDefinition: TfResource) => Json[]): void {
  const services = ctx.ofType('aws_ecs_service').map((s) => ctx.model.service(s));

  for (const taskDefinition of ctx.ofType('aws_ecs_task_definition')) {
    // ECS Exec needs a writable root filesystem (the SSM agent writes into it): the one exception to ECS.5.
    const exec = services.some((s) => s.exec === true && s.taskDefinition?.resource === taskDefinition);
    for (const container of containersOf(taskDefinition)) {
      const name = literalString(container.name) ?? '?';
      if (literalBool(container.privileged, false) !== false) ctx.report('container-privileged', taskDefinition, `container ${name} is privileged (privileged = ${JSON.stringify(container.privileged)})`);
      if (literalBool(container.readonlyRootFilesystem, false) !== true && !exec) {
        ctx.report('container-readonly-root', taskDefinition, `container ${name} can write its root filesystem (readonlyRootFilesystem = ${JSON.stringify(container.readonlyRootFilesystem ?? 'unset')}); mount a volume for scratch space, or open the service to ECS Exec (services.<name>.exec), which needs it writable`);
      }
      const driver = literalString(block(container.logConfiguration)?.logDriver);
      if (!driver) ctx.report('container-logging', taskDefinition, `container ${name} has no logConfiguration.logDriver, so its output is lost`);
    }
  }

  for (const service of ctx.ofType('aws_ecs_service')) {
    const fargate = literalString(service.values.launch_type) === 'FARGATE' || blocks(service.values.capacity_provider_strategy).some((s) => /^FARGATE/.test(literalString(s.capacity_provider) ?? ''));
    const version = service.values.platform_version;
    if (!fargate || version === undefined) continue;
    const literal = literalString(version);
    if (literal !== undefined && !LATEST_PLATFORMS.has(literal.toUpperCase())) ctx.report('ecs-platform-version', service, `platform_version = "${literal}" pins an older Fargate platform; use LATEST`);
  }

  for (const cluster of ctx.ofType('aws_ecs_cluster')) {
    // An override appends to the list, so every containerInsights setting counts, not the first.
    const values = blocks(cluster.values.setting).filter((s) => literalString(s.name) === 'containerInsights').map((s) => s.value);
    const off = values.filter((v) => v !== 'enabled' && v !== 'enhanced');
    if (values.length === 0 || off.length > 0) ctx.report('ecs-container-insights', cluster, `Container Insights is ${values.length === 0 ? 'not set (off)' : off.map((v) => JSON.stringify(v)).join(', ')}; set setting containerInsights = enabled`);
  }
}

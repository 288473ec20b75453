/**
 * The interface endpoints an environment's tasks would need without a NAT gateway, read from
 * what was synthesized: the three every Fargate task needs (ECR API and registry, CloudWatch
 * Logs), the interface endpoints already synthesized (extraEndpoints included), and those the
 * services' features need: secrets (Secrets Manager or SSM Parameter Store, by their
 * `valueFrom`), ECS Service Connect (ecs-agent, ecs-telemetry, ecs) and ECS Exec
 * (ssmmessages). The NAT-versus-endpoints comparison prices this set, so an `egress: nat`
 * environment without endpoints is compared with what it would really need.
 */
import { REQUIRED_INTERFACE_ENDPOINTS } from '../../config/aws-facts';
import { SERVICE_CONNECT_ENDPOINTS } from '../../config/validate-services';
import { isRecord, nestedBlock, resourcesIn, SynthStack } from './terraform-json';

/** Endpoint services (`secretsmanager`, `ssm`, ...) the task definitions' secrets are read from. */
function secretSources(containerDefinitions: unknown): string[] {
  if (typeof containerDefinitions !== 'string') return [];
  let containers: unknown;
  try {
    containers = JSON.parse(containerDefinitions);
  } catch {
    return [];
  }
  if (!Array.isArray(containers)) return [];
  return containers.flatMap((c: unknown) =>
    isRecord(c) && Array.isArray(c.secrets)
      ? c.secrets.map((s: unknown) => {
          // ECS takes a Secrets Manager secret ARN or an SSM parameter (name or ARN).
          const from = isRecord(s) && typeof s.valueFrom === 'string' ? s.valueFrom : '';
          return /:secretsmanager:|aws_secretsmanager_/.test(from) ? 'secretsmanager' : 'ssm';
        })
      : [],
  );
}

/**
 * The interface endpoint services (without `com.amazonaws.<region>.`) the tasks need,
 * sorted; `synthesized` are the services of the interface endpoints found in the stacks.
 */
export function neededEndpoints(stacks: readonly SynthStack[], synthesized: readonly string[]): string[] {
  const needed = new Set<string>([...REQUIRED_INTERFACE_ENDPOINTS, ...synthesized]);
  for (const task of resourcesIn(stacks, 'aws_ecs_task_definition')) {
    for (const source of secretSources(task.block.container_definitions)) needed.add(source);
  }
  for (const service of resourcesIn(stacks, 'aws_ecs_service')) {
    const serviceConnect = nestedBlock(service.block.service_connect_configuration);
    if (serviceConnect && serviceConnect.enabled !== false) for (const e of SERVICE_CONNECT_ENDPOINTS) needed.add(e);
    if (service.block.enable_execute_command === true) needed.add('ssmmessages');
  }
  return [...needed].sort();
}

import { Construct } from 'constructs';
import type { ITerraformDependable } from 'cdktf';
import { EcsTaskDefinition } from '@cdktf/provider-aws/lib/ecs-task-definition';
import { AFTER_SCRATCH_INIT, ScratchVolume, scratchInitContainer } from './scratch-init-container';

export interface FargateTaskDefinitionProps {
  /** Task family, also the container name prefix. */
  readonly family: string;
  /** The application container's name. */
  readonly containerName: string;
  readonly image: string;
  /**
   * Image of the `init-scratch` container that makes the scratch volumes writable for the
   * non-root user before the application starts (needs `sh` and `chmod`; the task must be
   * able to pull it, like `image`).
   */
  readonly initImage: string;
  readonly cpu: number;
  readonly memory: number;
  /** @default 'X86_64' */
  readonly architecture?: 'X86_64' | 'ARM64';
  readonly port: number;
  readonly executionRoleArn: string;
  readonly taskRoleArn: string;
  readonly logGroupName: string;
  readonly region: string;
  /** @default - the image's CMD */
  readonly command?: string[];
  /** Non-root user (uid[:gid]) the container runs as. @default '1000' */
  readonly user?: string;
  /** Plain environment variables. @default {} */
  readonly environment?: Readonly<Record<string, string>>;
  /** Variables filled from Secrets Manager / SSM at start: name -> ARN. @default [] */
  readonly secrets?: readonly { readonly name: string; readonly valueFrom: string }[];
  /** Container health check command (Docker HEALTHCHECK syntax). @default - none */
  readonly healthCheckCommand?: string[];
  /**
   * Name the port mapping (and declare HTTP), as ECS Service Connect requires for a server.
   * @default - unnamed
   */
  readonly portName?: string;
  /** Run an init process (needed by ECS Exec to reap its agent's children). @default false */
  readonly initProcessEnabled?: boolean;
  /**
   * Mount the application container's root filesystem read-only (Security Hub ECS.5). Only
   * ECS Exec needs it writable: AWS does not support its agent on a read-only root.
   * @default true
   */
  readonly readonlyRootFilesystem?: boolean;
  /** What must exist before the task definition is registered (e.g. the pushed image). @default - nothing */
  readonly dependsOn?: ITerraformDependable[];
}

/** Where the writable scratch volume is mounted: the root filesystem itself is read-only. */
export const SCRATCH_PATH = '/tmp';

/** The task's scratch volumes (ephemeral task storage), made writable by the init container. */
export const SCRATCH_VOLUMES: readonly ScratchVolume[] = [{ name: 'scratch', containerPath: SCRATCH_PATH }];

/**
 * A Fargate task definition with one application container, hardened by default: read-only
 * root filesystem with a writable ephemeral `/tmp` (ECS.5), a non-root user (ECS.4), logs to
 * CloudWatch through awslogs (ECS.9), secrets injected by ECS rather than put in environment
 * variables (ECS.8). Fargate creates `/tmp`'s volume root-owned and not writable by the
 * non-root user, so the non-essential `init-scratch` container sets its mode first and the
 * application container starts only after it succeeded (modules/scratch-init-container.ts).
 * The container definitions are built with JSON.stringify, so the synthesized JSON shows
 * them as readable text.
 */
export class FargateTaskDefinition extends Construct {
  readonly taskDefinition: EcsTaskDefinition;

  constructor(scope: Construct, id: string, props: FargateTaskDefinitionProps) {
    super(scope, id);
    const logConfiguration = {
      logDriver: 'awslogs',
      options: { 'awslogs-group': props.logGroupName, 'awslogs-region': props.region, 'awslogs-stream-prefix': props.containerName },
    };
    const init = scratchInitContainer({ image: props.initImage, volumes: SCRATCH_VOLUMES, logConfiguration });
    const container = {
      name: props.containerName,
      image: props.image,
      essential: true,
      ...(props.command ? { command: props.command } : {}),
      user: props.user ?? '1000',
      readonlyRootFilesystem: props.readonlyRootFilesystem ?? true,
      portMappings: [{ containerPort: props.port, protocol: 'tcp', ...(props.portName ? { name: props.portName, appProtocol: 'http' } : {}) }],
      environment: Object.entries(props.environment ?? {})
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([name, value]) => ({ name, value })),
      secrets: [...(props.secrets ?? [])].sort((a, b) => a.name.localeCompare(b.name)).map(({ name, valueFrom }) => ({ name, valueFrom })),
      mountPoints: SCRATCH_VOLUMES.map((v) => ({ sourceVolume: v.name, containerPath: v.containerPath, readOnly: false })),
      dependsOn: [AFTER_SCRATCH_INIT],
      ...(props.healthCheckCommand
        ? { healthCheck: { command: props.healthCheckCommand, interval: 30, timeout: 5, retries: 3, startPeriod: 30 } }
        : {}),
      ...(props.initProcessEnabled ? { linuxParameters: { initProcessEnabled: true } } : {}),
      logConfiguration,
    };
    this.taskDefinition = new EcsTaskDefinition(this, 'task-definition', {
      family: props.family,
      requiresCompatibilities: ['FARGATE'],
      networkMode: 'awsvpc',
      cpu: String(props.cpu),
      memory: String(props.memory),
      runtimePlatform: { operatingSystemFamily: 'LINUX', cpuArchitecture: props.architecture ?? 'X86_64' },
      executionRoleArn: props.executionRoleArn,
      taskRoleArn: props.taskRoleArn,
      volume: SCRATCH_VOLUMES.map((v) => ({ name: v.name })),
      containerDefinitions: JSON.stringify([container, init]),
      dependsOn: props.dependsOn,
      // Task definitions are immutable: a new image, cpu or memory is a new revision. Register
      // it before the old one is deregistered, so the service never points at an inactive one.
      lifecycle: { createBeforeDestroy: true },
    });
  }
}

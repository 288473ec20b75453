/**
 * The init container that makes a task's scratch volumes writable for its non-root user.
 *
 * Fargate creates a task volume without a host path (a bind mount) owned by root with mode
 * 0755, unless the image declares a VOLUME at the mount path (ECS guide "Use bind mounts").
 * An application container running as a non-root user on a read-only root filesystem then
 * has no writable path at all: nginx cannot create /tmp/client_temp, exits, and the circuit
 * breaker rolls the deployment back. This container runs first, as root (the owner of the
 * fresh volume, so chmod needs no capability: every capability is dropped), sets mode 1777
 * (sticky and world-writable, like /tmp), and exits 0; the application containers start
 * only after it succeeded.
 */

/** The init container's name; the guardrails and the preflight recognize it by its shape. */
export const INIT_CONTAINER_NAME = 'init-scratch';

/** Where the init container mounts each scratch volume: `/scratch` + the application's path. */
export const INIT_MOUNT_ROOT = '/scratch';

export interface ScratchVolume {
  /** The task volume's name. */
  readonly name: string;
  /** Where the application containers mount it. */
  readonly containerPath: string;
}

export interface ScratchInitContainerProps {
  /** An image with `sh` and `chmod` that a task of this network can pull. */
  readonly image: string;
  readonly volumes: readonly ScratchVolume[];
  /** The awslogs configuration of the task (the init container logs next to the application). */
  readonly logConfiguration: Readonly<Record<string, unknown>>;
}

/** The init container's definition, as a plain object for the task's JSON.stringify. */
export function scratchInitContainer(props: ScratchInitContainerProps): Record<string, unknown> {
  const paths = props.volumes.map((v) => `${INIT_MOUNT_ROOT}${v.containerPath}`);
  return {
    name: INIT_CONTAINER_NAME,
    image: props.image,
    // Non-essential: it exits once done, which must not stop the task.
    essential: false,
    user: '0',
    readonlyRootFilesystem: true,
    command: ['sh', '-c', `chmod 1777 ${paths.join(' ')}`],
    mountPoints: props.volumes.map((v, i) => ({ sourceVolume: v.name, containerPath: paths[i], readOnly: false })),
    linuxParameters: { capabilities: { drop: ['ALL'] } },
    logConfiguration: props.logConfiguration,
  };
}

/** What an application container mounting the scratch volumes waits for: the init container's exit code 0. */
export const AFTER_SCRATCH_INIT = { containerName: INIT_CONTAINER_NAME, condition: 'SUCCESS' } as const;

/**
 * What the containers themselves need to start: a place they can write.
 *
 * Fargate creates a task volume without host, EFS, FSx or Docker volume configuration (a
 * bind mount) owned by root with mode 0755, unless the image declares a VOLUME at the mount
 * path -- which Terraform cannot show, so the preflight assumes it does not. A container
 * running as a non-root user on a read-only root filesystem then cannot write the volume it
 * mounts read-write, unless an init container prepared it first: non-essential, running as
 * root, mounting the same volume read-write, changing its mode or owner (chmod/chown in its
 * command), and waited for with `dependsOn` condition SUCCESS (COMPLETE also passes when it
 * failed; START and HEALTHY let both run at once).
 *
 * ECS Exec runs an agent inside every container that writes /var/lib/amazon/ssm and
 * /var/log/amazon/ssm: on a read-only root filesystem those paths need writable volumes, or
 * the task starts and exec never connects (a warning).
 */
import * as aws from './aws-errors';
import { globMatch } from './symbolic';
import type { Container, EcsService, TaskDefinition } from './model';
import { fixOn, PathCheck, Verdict, worst } from './types';

/** True for root (uid 0), false for another user, undefined when unset (the image's default) or an expression. */
export function runsAsRoot(user: string | undefined): boolean | undefined {
  if (user === undefined || user.includes('${')) return undefined;
  const uid = user.split(':')[0].trim();
  return uid === '0' || uid === 'root';
}

interface Preparation {
  readonly verdict: 'pass' | 'fail' | 'unknown';
  /** The init container that prepares the volume (pass), or why none does. */
  readonly init?: Container;
  readonly reason: string;
}

/** Does an init container prepare `volume` for `app` before it starts? */
export function preparation(containers: readonly Container[], app: Container, volume: string): Preparation {
  const candidates = containers.filter((c) => c !== app && c.mountPoints.some((m) => m.sourceVolume === volume));
  if (candidates.length === 0) return { verdict: 'fail', reason: `no other container of the task mounts volume "${volume}" to prepare it` };
  const outcomes = candidates.map((init) => {
    const problems: { verdict: 'fail' | 'unknown'; text: string }[] = [];
    const name = init.name ?? '?';
    if (init.essential !== false) problems.push({ verdict: 'fail', text: `${name} is essential (an init container that exits stops the whole task; it needs essential = false)` });
    const root = runsAsRoot(init.user);
    if (root === false) problems.push({ verdict: 'fail', text: `${name} runs as user ${init.user}, not root, so it cannot change the root-owned volume` });
    if (root === undefined) problems.push({ verdict: 'unknown', text: `${name} runs as its image's default user, which the preflight cannot know (set user = "0")` });
    const mounts = init.mountPoints.filter((m) => m.sourceVolume === volume);
    const writable = mounts.filter((m) => !m.readOnly);
    if (writable.length === 0) problems.push({ verdict: 'fail', text: `${name} mounts "${volume}" read-only, so it cannot change it` });
    const command = init.commandLine.join(' ');
    const touches = writable.some((m) => m.containerPath !== undefined && mentionsPath(command, m.containerPath));
    const chmod = /(^|[\s;&|/])chmod\s/.test(command);
    const chown = /(^|[\s;&|/])chown\s/.test(command);
    if (!(chmod || chown) || (writable.length > 0 && !touches)) {
      problems.push({ verdict: 'fail', text: `the command of ${name} (${command || 'the image default'}) does not chmod or chown its mount of "${volume}" (${mounts.map((m) => m.containerPath).join(', ') || 'none'})` });
    } else if (chown && !chmod && !hasCapability(init, 'CHOWN')) {
      problems.push({ verdict: 'fail', text: `${name} changes the owner with chown, which needs the CHOWN capability that its linuxParameters drop` });
    }
    const dependency = app.dependsOn.find((d) => d.containerName === init.name);
    const condition = dependency?.condition?.toUpperCase();
    if (!dependency) problems.push({ verdict: 'fail', text: `${app.name ?? '?'} does not wait for ${name} (no dependsOn), so it may start before the volume is prepared` });
    else if (condition !== 'SUCCESS') {
      const why = condition === 'COMPLETE' ? 'COMPLETE is also met when the init container fails' : `${condition ?? 'no condition'} lets both run at the same time`;
      problems.push({ verdict: 'fail', text: `${app.name ?? '?'} waits for ${name} with condition ${condition ?? '(none)'}, not SUCCESS: ${why}` });
    }
    return { init, problems };
  });
  const ready = outcomes.find((o) => o.problems.length === 0);
  if (ready) return { verdict: 'pass', init: ready.init, reason: `${ready.init.name ?? '?'} (root, non-essential, dependsOn SUCCESS) prepares it` };
  const best = [...outcomes].sort((a, b) => a.problems.filter((p) => p.verdict === 'fail').length - b.problems.filter((p) => p.verdict === 'fail').length)[0];
  const verdict = best.problems.some((p) => p.verdict === 'fail') ? 'fail' : 'unknown';
  return { verdict, init: best.init, reason: best.problems.map((p) => p.text).join('; ') };
}

/**
 * Does the command change `path`: name it (or a path below it), match it with a glob
 * (`/scratch/*`), or name a directory above it with a recursive flag (`chmod -R 1777 /scratch`)?
 */
function mentionsPath(command: string, path: string): boolean {
  const clean = path.replace(/\/+$/, '');
  const words = command.split(/[\s;&|]+/).map((w) => w.replace(/^['"]|['"]$/g, '').replace(/\/+$/, '')).filter((w) => w.startsWith('/'));
  const recursive = /\s(-[a-zA-Z]*R[a-zA-Z]*|--recursive)(\s|$)/.test(command);
  return words.some(
    (w) => w === clean || w.startsWith(`${clean}/`) || (/[*?]/.test(w) && globMatch(w, clean) === 'yes') || (recursive && clean.startsWith(`${w}/`)),
  );
}

function hasCapability(container: Container, capability: string): boolean {
  if (container.capabilities.add.includes(capability) || container.capabilities.add.includes('ALL')) return true;
  return !container.capabilities.drop.includes(capability) && !container.capabilities.drop.includes('ALL');
}

const INIT_SHAPE =
  'add a container with essential = false, user = "0", the volume mounted read-write, a command that runs chmod (e.g. ["sh", "-c", "chmod 1777 <its mount path>"]); ' +
  'and dependsOn [{ containerName: <it>, condition: "SUCCESS" }] in the application container';

/** Writable bind mounts of non-root containers on a read-only root filesystem. */
export function scratchCheck(task: TaskDefinition, containers: readonly Container[]): PathCheck[] {
  const base = { path: 'scratch-volume', title: 'Writable volumes (non-root user)' };
  const bindVolumes = new Set(task.volumes.filter((v) => v.kind === 'bind' && v.name !== undefined).map((v) => v.name!));
  const results: { verdict: Verdict; reason: string; fix?: string; container: Container; path: string }[] = [];
  for (const app of containers) {
    if (app.readonlyRootFilesystem !== true || runsAsRoot(app.user) !== false) continue;
    for (const mount of app.mountPoints) {
      if (mount.readOnly || !mount.sourceVolume || !bindVolumes.has(mount.sourceVolume)) continue;
      const path = mount.containerPath ?? '?';
      const prepared = preparation(containers, app, mount.sourceVolume);
      const subject = `container ${app.name ?? '?'} (user ${app.user}, read-only root filesystem) mounts volume "${mount.sourceVolume}" read-write at ${path}, a bind mount Fargate creates owned by root with mode 0755`;
      if (prepared.verdict === 'pass') results.push({ verdict: 'pass', reason: `${subject}; ${prepared.reason}`, container: app, path });
      else {
        // A non-essential container that exits does not stop the task.
        const verdict: Verdict = prepared.verdict === 'unknown' ? 'unknown' : app.essential === false ? 'warn' : 'fail';
        results.push({ verdict, reason: `${subject}, and ${prepared.reason}: it cannot write there`, fix: `${INIT_SHAPE} (or mount it with readOnly = true if ${app.name ?? 'the container'} only reads it)`, container: app, path });
      }
    }
  }
  if (results.length === 0) return [];
  const verdict = worst(results.map((r) => r.verdict));
  const shown = results.filter((r) => r.verdict === verdict);
  const first = shown[0];
  return [
    {
      ...base,
      verdict,
      via: [{ resource: task.resource, note: `volumes ${[...bindVolumes].join(', ')} (bind mounts); ${results.map((r) => `${r.container.name ?? '?'} at ${r.path}: ${r.verdict}`).join(', ')}` }],
      reason: shown.map((r) => r.reason).join('; '),
      awsError: verdict === 'fail' || verdict === 'warn' ? aws.scratchNotWritable(first.container.name ?? '?', first.path) : undefined,
      fix: verdict === 'pass' ? undefined : [fixOn(task.resource, first.fix ?? '')],
    },
  ];
}

const AGENT_PATHS = ['/var/lib/amazon/ssm', '/var/log/amazon/ssm'];

/** ECS Exec's agent paths in containers with a read-only root filesystem. */
export function execAgentCheck(service: EcsService, task: TaskDefinition, containers: readonly Container[]): PathCheck[] {
  if (service.exec !== true) return [];
  const base = { path: 'exec-agent', title: 'ECS Exec agent (writable paths)' };
  const volumes = new Map(task.volumes.filter((v) => v.name !== undefined).map((v) => [v.name!, v]));
  const problems: { verdict: Verdict; text: string }[] = [];
  // Exec targets the containers that keep running: an init container that exits is not one.
  const readOnlyRoot = containers.filter((c) => c.readonlyRootFilesystem === true && c.essential !== false);
  for (const c of readOnlyRoot) {
    for (const agentPath of AGENT_PATHS) {
      const mount = c.mountPoints.find((m) => !m.readOnly && m.containerPath !== undefined && (agentPath === m.containerPath.replace(/\/+$/, '') || agentPath.startsWith(`${m.containerPath.replace(/\/+$/, '')}/`)));
      const volume = mount?.sourceVolume ? volumes.get(mount.sourceVolume) : undefined;
      if (!mount || !volume) {
        problems.push({ verdict: 'warn', text: `container ${c.name ?? '?'} has a read-only root filesystem and no writable volume at ${agentPath}` });
        continue;
      }
      if (volume.kind !== 'bind' || runsAsRoot(c.user) !== false) continue;
      const prepared = preparation(containers, c, mount.sourceVolume!);
      if (prepared.verdict === 'fail') problems.push({ verdict: 'warn', text: `container ${c.name ?? '?'} runs as user ${c.user} and its volume at ${mount.containerPath} is root-owned: ${prepared.reason}` });
      if (prepared.verdict === 'unknown') problems.push({ verdict: 'unknown', text: prepared.reason });
    }
  }
  if (readOnlyRoot.length === 0) return [];
  const via = [{ resource: task.resource, note: `containers with a read-only root filesystem: ${readOnlyRoot.map((c) => c.name ?? '?').join(', ')}` }];
  if (problems.length === 0) return [{ ...base, verdict: 'pass', via, reason: `writable volumes at ${AGENT_PATHS.join(' and ')} in every container with a read-only root filesystem` }];
  const verdict = worst(problems.map((p) => p.verdict));
  return [
    {
      ...base,
      verdict,
      via,
      reason: problems.filter((p) => p.verdict === verdict).map((p) => p.text).join('; '),
      awsError: verdict === 'warn' ? aws.execAgentNotWritable() : undefined,
      fix: verdict === 'warn'
        ? [fixOn(task.resource, `set readonlyRootFilesystem = false in containers ${readOnlyRoot.map((c) => c.name ?? '?').join(', ')} (AWS supports ECS Exec only on a writable root filesystem), or mount writable volumes at ${AGENT_PATHS.join(' and ')} (prepared by a root init container when the user is not root)`)]
        : undefined,
    },
  ];
}

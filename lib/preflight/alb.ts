/**
 * The load balancer's path to the tasks: listener (rule) -> target group of type `ip` ->
 * the container port the service registers -> the task security group admits the load
 * balancer's group on that port, and the load balancer's group lets it out.
 */
import * as aws from './aws-errors';
import type { Container, EcsService, LbAttachment, Model } from './model';
import { aclFlow, LB_CLIENT_PORTS } from './nacl';
import { describeRule, egressAllows, ingressAllows } from './security-groups';
import { fixOn, PathCheck, Verdict, Via, worst } from './types';

export function loadBalancerChecks(model: Model, service: EcsService): PathCheck[] {
  return service.loadBalancers.map((attachment) => check(model, service, attachment));
}

function check(model: Model, service: EcsService, attachment: LbAttachment): PathCheck {
  const port = attachment.containerPort;
  const title = `Load balancer -> tasks${port !== undefined ? ` (port ${port})` : ''}`;
  const base = { path: 'load-balancer', title };
  const group = attachment.targetGroup;
  if (!group) return { ...base, verdict: 'unknown', via: [], reason: attachment.targetGroupProblem ?? 'the target group cannot be followed' };
  const tgName = typeof group.resource.values.name === 'string' ? group.resource.values.name : group.resource.address;
  const via: Via[] = [{ resource: group.resource, note: `target group (${group.targetType ?? 'type unknown'}, port ${group.port ?? '?'})` }];
  const problems: { verdict: Verdict; reason: string; awsError?: string; fix?: string }[] = [];

  if (group.targetType === undefined) problems.push({ verdict: 'unknown', reason: 'the target type is known only after apply' });
  else if (group.targetType !== 'ip') {
    problems.push({
      verdict: 'fail',
      reason: `target group ${tgName} has target_type "${group.targetType}"; Fargate tasks (awsvpc) register by IP`,
      awsError: aws.instanceTargetType(tgName),
      fix: fixOn(group.resource, 'set target_type = "ip" (a replacement)'),
    });
  }

  const containers: Container[] | undefined = service.taskDefinition?.containers;
  if (port === undefined || attachment.containerName === undefined) problems.push({ verdict: 'unknown', reason: 'container_name or container_port of the service is not literal' });
  else if (!containers) problems.push({ verdict: 'unknown', reason: service.taskDefinition?.containersProblem ?? service.taskDefinitionProblem ?? 'the task definition is not readable' });
  else {
    const container = containers.find((c) => c.name === attachment.containerName);
    const healthPort = group.healthCheckPort && /^\d+$/.test(group.healthCheckPort) ? Number(group.healthCheckPort) : undefined;
    if (container && container.ports.includes(port) && healthPort !== undefined && !container.ports.includes(healthPort)) {
      problems.push({
        verdict: 'fail',
        reason: `target group ${tgName} sends health checks to port ${healthPort}, where container ${attachment.containerName} listens on nothing (it maps ${container.ports.join(', ')})`,
        awsError: aws.unhealthyTargets(service.name, healthPort, tgName),
        fix: fixOn(group.resource, `set health_check.port = "traffic-port" (or ${port})`),
      });
    }
    if (!container || !container.ports.includes(port)) {
      problems.push({
        verdict: 'fail',
        reason: container ? `container ${attachment.containerName} maps ports ${container.ports.join(', ') || 'none'}, not ${port}` : `the task definition has no container ${attachment.containerName}`,
        awsError: aws.missingContainerPort(attachment.containerName, port),
        fix: fixOn(service.resource, `load_balancer.container_port must be a containerPort of container ${attachment.containerName} (or add ${port} to its portMappings)`),
      });
    }
  }

  if (port !== undefined && group.port !== undefined && group.port !== port) {
    problems.push({
      verdict: 'warn',
      reason: `target group ${tgName} has port ${group.port}, but ECS registers each task on container port ${port}: traffic and "traffic-port" health checks use ${port}, and the target group's port only misleads readers`,
      fix: fixOn(group.resource, `set port = ${port} (a replacement)`),
    });
  }

  const forwarders = model.forwardersTo(group);
  const balancers = [...new Set(forwarders.map((f) => f.listener?.loadBalancer).filter((lb) => lb !== undefined))];
  if (forwarders.length === 0) {
    problems.push({
      verdict: 'fail',
      reason: `no listener or listener rule in the loaded stacks forwards to target group ${tgName}`,
      awsError: aws.noLoadBalancer(tgName),
      fix: `add an aws_lb_listener_rule (or listener default_action) forwarding to ${group.resource.address}`,
    });
  } else {
    for (const f of forwarders) via.push({ resource: f.resource, note: `forwards to ${tgName}` });
    if (balancers.length === 0) problems.push({ verdict: 'unknown', reason: 'the load balancer of the forwarding listener is not in the loaded stacks' });
  }

  const ports = [...new Set([port, group.healthCheckPort && /^\d+$/.test(group.healthCheckPort) ? Number(group.healthCheckPort) : undefined].filter((p): p is number => p !== undefined))];
  for (const lb of balancers) {
    via.push({ resource: lb.resource, note: `load balancer (security groups ${lb.securityGroups.map((g) => g.label).join(', ') || 'none'})` });
    for (const p of ports) {
      const what = p === port ? `port ${p}` : `health check port ${p}`;
      // The load balancer's nodes send from addresses of its subnets: a rule by its group or by a CIDR covering them (the VPC's) admits it.
      const ingress = ingressAllows(service.securityGroups, { groups: lb.securityGroups, cidrs: lb.subnets.length > 0 ? lb.subnets.map((s) => s.cidr) : lb.unresolved.length > 0 ? [undefined] : [] }, p);
      if (ingress.verdict === 'yes') for (const rule of ingress.rules) via.push({ resource: rule.resource, note: `task SG: ${describeRule(rule)}` });
      else if (ingress.verdict === 'unknown') problems.push({ verdict: 'unknown', reason: `whether the task security group admits the load balancer depends on ${ingress.unknownBecause}` });
      else {
        problems.push({
          verdict: 'fail',
          reason: `the task security group ${service.securityGroups.map((g) => g.label).join(', ') || '(none)'} admits no TCP ${p} from the load balancer's security group ${lb.securityGroups.map((g) => g.label).join(', ') || '(none)'}`,
          awsError: aws.unhealthyTargets(service.name, p, tgName),
          fix: service.securityGroups[0] ? fixOn(service.securityGroups[0].resource, `add an ingress rule TCP ${p} from the load balancer security group (referenced_security_group_id)`) : undefined,
        });
      }
      // Network ACLs between the load balancer's subnets and the task subnets, both ways.
      for (const lbSubnet of lb.subnets) {
        for (const taskSubnet of service.subnets) {
          for (const d of aclFlow(model, lbSubnet, taskSubnet, p, LB_CLIENT_PORTS, `${what} from the load balancer`)) {
            if (d.verdict === 'pass') continue;
            problems.push({ verdict: d.verdict, reason: d.reason ?? 'network ACL', awsError: d.verdict === 'fail' ? aws.unhealthyTargets(service.name, p, tgName) : undefined, fix: d.fix });
          }
        }
      }
      if (lb.securityGroups.length === 0) continue;
      const egress = egressAllows(lb.securityGroups, { groups: service.securityGroups, cidrs: service.subnets.map((s) => s.cidr) }, p);
      if (egress.verdict === 'yes') for (const rule of egress.rules) via.push({ resource: rule.resource, note: `load balancer SG: ${describeRule(rule)}` });
      else if (egress.verdict === 'unknown') problems.push({ verdict: 'unknown', reason: `whether the load balancer's security group lets ${what} out depends on ${egress.unknownBecause}` });
      else {
        problems.push({
          verdict: 'fail',
          reason: `the load balancer's security group ${lb.securityGroups.map((g) => g.label).join(', ')} allows no TCP ${p} out to the task security group`,
          awsError: aws.unhealthyTargets(service.name, p, tgName),
          fix: fixOn(lb.securityGroups[0].resource, `add an egress rule TCP ${p} to the task security group (referenced_security_group_id)`),
        });
      }
    }
  }

  const verdict = worst(problems.map((p) => p.verdict));
  if (verdict === 'pass') return { ...base, verdict, via, reason: `${forwarders.map((f) => f.resource.address).join(', ')} -> ${tgName} (ip, port ${port}) -> tasks; both security groups allow TCP ${port}` };
  const shown = problems.filter((p) => p.verdict === verdict);
  return {
    ...base,
    verdict,
    via,
    reason: shown.map((p) => p.reason).join('; '),
    awsError: shown.map((p) => p.awsError).find((e) => e !== undefined),
    fix: shown.map((p) => p.fix).filter((f): f is string => f !== undefined),
  };
}

/**
 * Network guardrails: who may reach what. Task groups admit nothing from the internet
 * (`task-sg-open-ingress`, in guardrails.ts) and reach out only on 443; no group admits
 * the internet except an internet-facing load balancer on 80/443; SSH and RDP are closed
 * everywhere; default groups are closed; subnets hand out no public IPs; VPCs log flows.
 */
import { SecurityGroup, SgRule } from '../../lib/preflight/model';
import { literalBool, literalString, TfResource } from '../../lib/preflight/tf';
import { allProtocols, coversTcpPort, isOpenCidr, portLabel, referrers, RuleContext } from './context';

const ADMIN_PORTS: [number, string][] = [
  [22, 'SSH'],
  [3389, 'RDP'],
];

const LB_TYPES = ['aws_lb', 'aws_alb'];

/** Groups of internet-facing load balancers (`internal` unset or false). */
function internetFacingLbGroups(ctx: RuleContext): Set<TfResource> {
  const groups = new Set<TfResource>();
  for (const lb of ctx.ofType(...LB_TYPES)) {
    if (literalBool(lb.values.internal, false) !== false) continue;
    for (const g of ctx.model.loadBalancer(lb).securityGroups) groups.add(g.resource);
  }
  return groups;
}

function openSources(rule: SgRule): string[] {
  return [...rule.cidrs, ...rule.ipv6Cidrs].filter(isOpenCidr);
}

const inlineOf = (rule: SgRule, group: SecurityGroup) => (rule.resource === group.resource ? `an inline ${rule.direction} rule of ` : '');

export function networkRules(ctx: RuleContext, taskGroups: ReadonlySet<TfResource>): void {
  const lbGroups = internetFacingLbGroups(ctx);
  const groups = ctx.ofType('aws_security_group', 'aws_default_security_group').map((g) => ctx.model.securityGroup(g));

  for (const group of groups) {
    for (const rule of group.ingress) {
      const open = openSources(rule);
      const ports = portLabel(rule.fromPort, rule.toPort, rule.protocol);
      // sg-admin-ports: from any source, a CIDR or another group.
      for (const [port, name] of ADMIN_PORTS) {
        if (coversTcpPort(rule.protocol, rule.fromPort, rule.toPort, port)) {
          ctx.report('sg-admin-ports', rule.resource, `${inlineOf(rule, group)}security group ${group.label} admits ${name} (port ${port}) through ${ports}; use ECS Exec or SSM Session Manager instead`);
        }
      }
      // sg-open-ingress: task groups are reported by task-sg-open-ingress.
      if (open.length === 0 || taskGroups.has(group.resource)) continue;
      const webPort = !allProtocols(rule.protocol) && (rule.protocol === 'tcp' || rule.protocol === '6') && rule.fromPort === rule.toPort && (rule.fromPort === 80 || rule.fromPort === 443);
      if (webPort && lbGroups.has(group.resource)) continue;
      ctx.report(
        'sg-open-ingress',
        rule.resource,
        `${inlineOf(rule, group)}security group ${group.label} admits ${open.join(' and ')} on ${ports}${lbGroups.has(group.resource) ? ' (an internet-facing load balancer may admit the internet on tcp 80 and 443 only)' : ''}`,
      );
    }
  }

  // task-sg-open-egress: tasks reach the endpoints, the S3 prefix list, the services they call, or (egress: nat) HTTPS.
  for (const groupResource of taskGroups) {
    const group = ctx.model.securityGroup(groupResource);
    for (const rule of group.egress) {
      const ports = portLabel(rule.fromPort, rule.toPort, rule.protocol);
      const open = openSources(rule);
      const https = (rule.protocol === 'tcp' || rule.protocol === '6') && rule.fromPort === 443 && rule.toPort === 443;
      if (allProtocols(rule.protocol)) ctx.report('task-sg-open-egress', rule.resource, `${inlineOf(rule, group)}task security group ${group.label} lets tasks send ${ports}${open.length > 0 ? ` to ${open.join(' and ')}` : ''}`);
      else if (open.length > 0 && !https) ctx.report('task-sg-open-egress', rule.resource, `${inlineOf(rule, group)}task security group ${group.label} lets tasks reach ${open.join(' and ')} on ${ports}; only tcp 443 may go to the internet`);
    }
  }

  // default-sg-closed (EC2.2)
  for (const group of ctx.ofType('aws_default_security_group')) {
    const rules = [...ctx.model.securityGroup(group).ingress, ...ctx.model.securityGroup(group).egress];
    if (rules.length > 0) ctx.report('default-sg-closed', group, `the default security group has ${rules.length} rule${rules.length === 1 ? '' : 's'}; it must stay closed (nothing should use it)`);
  }
  for (const vpc of ctx.ofType('aws_vpc')) {
    if (referrers(ctx, vpc, 'vpc_id', ['aws_default_security_group']).length === 0) {
      ctx.report('default-sg-closed', vpc, 'the VPC has no aws_default_security_group, so its default group keeps the rules AWS gives it (all traffic within the group, all egress)');
    }
    // vpc-flow-logs (EC2.6): rejected traffic at least (traffic_type ALL or REJECT).
    const flowLogs = referrers(ctx, vpc, 'vpc_id', ['aws_flow_log']);
    if (flowLogs.length === 0) ctx.report('vpc-flow-logs', vpc, 'the VPC has no aws_flow_log');
    else if (!flowLogs.some((f) => ['ALL', 'REJECT'].includes(literalString(f.values.traffic_type) ?? ''))) {
      ctx.report('vpc-flow-logs', vpc, `the VPC's flow logs record ${flowLogs.map((f) => JSON.stringify(f.values.traffic_type ?? 'unset')).join(', ')} traffic only; record ALL (or at least REJECT)`);
    }
  }

  // subnet-public-ip (EC2.15): only subnets that hold nothing but internet-facing load balancers may.
  const lbOnly = new Set<TfResource>();
  for (const lb of ctx.ofType(...LB_TYPES)) {
    if (literalBool(lb.values.internal, false) !== false) continue;
    for (const s of ctx.model.loadBalancer(lb).subnets) lbOnly.add(s.resource);
  }
  const taskSubnets = new Set(ctx.ofType('aws_ecs_service').flatMap((s) => ctx.model.service(s).subnets.map((x) => x.resource)));
  for (const subnet of ctx.ofType('aws_subnet')) {
    if (literalBool(subnet.values.map_public_ip_on_launch, false) === false) continue;
    if (lbOnly.has(subnet) && !taskSubnets.has(subnet)) continue;
    ctx.report('subnet-public-ip', subnet, `map_public_ip_on_launch = true on a subnet ${taskSubnets.has(subnet) ? 'that ECS tasks use' : 'that is not only an internet-facing load balancer subnet'}: anything launched there gets a public address`);
  }
}

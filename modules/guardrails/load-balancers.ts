/**
 * Load balancer guardrails: HTTP redirects to HTTPS wherever the load balancer has HTTPS
 * (ELB.1; a load balancer without a certificate serves plain HTTP on purpose: dev, or an
 * internal ALB behind a CloudFront VPC origin, docs/security.md), invalid headers dropped
 * (ELB.4) and desync mitigation defensive or strictest (ELB.12).
 */
import { block, blocks, literalBool, literalString, TfResource } from '../../lib/preflight/tf';
import { names, RuleContext } from './context';

const LISTENERS = ['aws_lb_listener', 'aws_alb_listener'];
const LISTENER_RULES = ['aws_lb_listener_rule', 'aws_alb_listener_rule'];

const protocolOf = (listener: TfResource) => literalString(listener.values.protocol)?.toUpperCase();

/** Actions other than a redirect to HTTPS or a fixed response (which serves no content of the app). */
function leaks(actions: unknown): string[] {
  return blocks(actions)
    .filter((a) => {
      const type = literalString(a.type);
      if (type === 'fixed-response') return false;
      if (type === 'redirect') return literalString(block(a.redirect)?.protocol)?.toUpperCase() !== 'HTTPS';
      return true;
    })
    .map((a) => (literalString(a.type) === 'redirect' ? `a redirect to ${String(block(a.redirect)?.protocol ?? 'the same protocol')}` : `a ${String(a.type)} action`));
}

export function loadBalancerRules(ctx: RuleContext): void {
  const listeners = ctx.ofType(...LISTENERS);
  const rules = ctx.ofType(...LISTENER_RULES);
  for (const lb of ctx.ofType('aws_lb', 'aws_alb')) {
    const type = literalString(lb.values.load_balancer_type) ?? 'application';
    const own = listeners.filter((l) => names(ctx, l, l.values.load_balancer_arn, lb));
    if (type === 'application') {
      if (literalBool(lb.values.drop_invalid_header_fields, false) !== true) ctx.report('alb-drop-invalid-headers', lb, `drop_invalid_header_fields = ${JSON.stringify(lb.values.drop_invalid_header_fields ?? 'unset (false)')}; set it to true`);
      const mode = literalString(lb.values.desync_mitigation_mode);
      if (lb.values.desync_mitigation_mode !== undefined && mode !== 'defensive' && mode !== 'strictest') ctx.report('alb-desync-mitigation', lb, `desync_mitigation_mode = ${JSON.stringify(lb.values.desync_mitigation_mode)}; use "defensive" (the default) or "strictest"`);
    }
    if (!own.some((l) => protocolOf(l) === 'HTTPS')) continue;
    for (const listener of own.filter((l) => protocolOf(l) === 'HTTP')) {
      const bad = leaks(listener.values.default_action);
      if (bad.length > 0) ctx.report('http-redirect', listener, `an HTTP listener of a load balancer with HTTPS answers with ${bad.join(', ')} instead of a redirect to HTTPS`);
      for (const rule of rules.filter((r) => names(ctx, r, r.values.listener_arn, listener))) {
        const leaked = leaks(rule.values.action);
        if (leaked.length > 0) ctx.report('http-redirect', rule, `a rule of the HTTP listener ${listener.address} answers with ${leaked.join(', ')} instead of a redirect to HTTPS`);
      }
    }
  }
}

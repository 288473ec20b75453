/**
 * VPC endpoint policies: every request through an endpoint must be allowed by its policy
 * (the `policy` argument, or a separate `aws_vpc_endpoint_policy`), on top of the caller's
 * own permissions. No policy means full access. Evaluated with the request's principal (the
 * execution role), its resource and the condition keys known at start, plus the endpoint's
 * own aws:SourceVpce and aws:SourceVpc.
 */
import * as aws from './aws-errors';
import type { Endpoint, Model } from './model';
import { endpointPolicy, readPolicy } from './policy-documents';
import { evaluatePolicies, Request } from './policy-eval';
import type { StartRequest } from './task-requests';
import { fixOn, Verdict } from './types';

export interface PolicyDecision {
  readonly verdict: Verdict;
  /** For the VIA column: what the policy allows. */
  readonly note: string;
  readonly reason?: string;
  readonly fix?: string;
  readonly awsError?: string;
}

/** A request that is not a task start request (the S3 layer download), with its own error. */
export interface PlainRequest extends Request {
  readonly what: string;
  readonly error: (denial: string) => string;
  readonly roleName?: string;
  /** How to name the resource in messages, when not its ARN (`bucket/*`). */
  readonly display?: string;
}

export function endpointPolicyDecision(model: Model, endpoint: Endpoint, requests: readonly (StartRequest | PlainRequest)[]): PolicyDecision {
  const found = endpointPolicy(model, endpoint.resource);
  if (!found) return { verdict: 'pass', note: 'no policy (full access)' };
  if (requests.length === 0) return { verdict: 'pass', note: 'policy not needed by this path' };
  const read = readPolicy(model, found.owner, found.value);
  if (!read.input) return { verdict: 'unknown', note: 'policy', reason: `the policy of ${endpoint.resource.address} cannot be read before apply (${read.unknown})` };
  const where = found.owner === endpoint.resource ? 'policy' : `policy (${found.owner.address})`;
  const endpointContext = {
    'aws:sourcevpce': model.symbols.attribute(endpoint.resource, 'id'),
    ...(endpoint.vpc ? { 'aws:sourcevpc': model.symbols.attribute(endpoint.vpc.resource, 'id') } : {}),
  };
  const allowed: string[] = [];
  for (const request of requests) {
    const decision = evaluatePolicies([read.input], { ...request, context: { ...endpointContext, ...request.context } }, true);
    const resource = ('display' in request && request.display) || model.symbols.display(request.resource);
    if (decision.outcome === 'allow') {
      allowed.push(`${request.action} on ${resource}`);
      continue;
    }
    if (decision.outcome === 'unknown') return { verdict: 'unknown', note: where, reason: `the ${where} of ${endpoint.resource.address} and ${request.action} on ${resource}: ${decision.why}` };
    const explicit = decision.outcome === 'deny';
    const denial = aws.accessDenied(request.roleName ?? '<role>', request.action, resource, explicit ? 'explicit-endpoint' : 'endpoint');
    return {
      verdict: 'fail',
      note: where,
      reason: `the ${where} of ${endpoint.resource.address} ${explicit ? `denies (statement ${decision.statement?.sid ?? 'without Sid'})` : 'does not allow'} ${request.action} on ${resource}, which ${request.what} needs`,
      awsError: request.error(denial),
      fix: fixOn(found.owner, `policy: allow ${request.action} on ${resource}${explicit ? ` and narrow the Deny statement ${decision.statement?.sid ?? ''}` : ''}`),
    };
  }
  return { verdict: 'pass', note: `${where} allows ${[...new Set(allowed)].join(', ')}` };
}

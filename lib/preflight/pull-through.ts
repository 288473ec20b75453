/**
 * An image meant to come through an ECR pull-through cache (its registry is named by a
 * pull-through cache rule, or the execution role is granted ecr:BatchImportUpstreamImage on
 * its repository) needs a rule of the environment whose `ecr_repository_prefix` is the
 * first segment of the image's repository: without one, ECR has no such repository and
 * the pull fails with "not found".
 */
import * as aws from './aws-errors';
import { executionRole } from './execution-role';
import type { ImageSource } from './images';
import type { Container, EcsService, Model } from './model';
import { rolePolicies } from './policy-documents';
import { applies } from './policy-eval';
import { ACCOUNT } from './symbolic';
import { literalString, TfResource, TfStack } from './tf';
import { fixOn, PathCheck, worst } from './types';

const ECR_PATH = /^[^/]+\.dkr\.ecr(?:-fips)?\.([a-z0-9-]+)\.amazonaws\.com(?:\.cn)?\/([^:@]+)/;

export function pullThroughChecks(model: Model, service: EcsService, taskDefinition: TfResource, images: readonly { container: Container; source: ImageSource }[]): PathCheck[] {
  const checks: PathCheck[] = [];
  const base = { path: 'pull-through', title: 'ECR pull-through cache rule' };
  const seen = new Set<string>();
  for (const { container, source } of images) {
    if (source.kind !== 'ecr' || container.image === undefined || seen.has(source.display)) continue;
    seen.add(source.display);
    if (source.pullThrough) {
      checks.push({ ...base, verdict: 'pass', via: [{ resource: source.pullThrough, note: `prefix ${literalString(source.pullThrough.values.ecr_repository_prefix) ?? '?'}` }], reason: `${source.display} is served by ${source.pullThrough.address}` });
      continue;
    }
    const match = ECR_PATH.exec(source.display);
    if (!match) continue;
    const [, region, repository] = match;
    const intent = intendedPullThrough(model, taskDefinition, container.image, region, repository);
    if (!intent) continue;
    const prefix = repository.split('/')[0];
    const rules = model.pullThroughRules().filter((r) => model.resolver.stack(r.stack)?.environment === service.environment && model.resolver.stack(r.stack)?.region === region);
    const known = rules.map((r) => literalString(r.values.ecr_repository_prefix)).filter((p): p is string => p !== undefined);
    if (rules.some((r) => literalString(r.values.ecr_repository_prefix) === undefined)) {
      checks.push({ ...base, verdict: 'unknown', via: [], reason: `the prefix of a pull-through cache rule is known only after apply` });
      continue;
    }
    // The rule may live in a stack this one reads (the platform stack) that was not loaded.
    const missing = rules.length === 0 ? unloadedProducers(model, service.stack) : [];
    if (missing.length > 0) {
      checks.push({ ...base, verdict: 'unknown', via: [], reason: `${source.display} is pulled through the ECR pull-through cache; its rule may be in ${missing.join(', ')}, which was not loaded` });
      continue;
    }
    checks.push({
      ...base,
      verdict: 'fail',
      via: rules.map((r) => ({ resource: r, note: `prefix ${literalString(r.values.ecr_repository_prefix)}` })),
      reason: `${source.display} is pulled through the ECR pull-through cache (${intent}), but no aws_ecr_pull_through_cache_rule of ${service.environment} in ${region} has ecr_repository_prefix "${prefix}"${known.length > 0 ? ` (the rules have ${known.map((k) => `"${k}"`).join(', ')})` : ' (there is none)'}`,
      awsError: aws.noPullThroughRule(source.display),
      fix: [
        rules[0]
          ? fixOn(rules[0], `use ecr_repository_prefix = "${prefix}", or change the image of container ${container.name ?? '?'} to ${known[0] ? `"${known[0]}/..."` : 'a prefix a rule serves'}`)
          : `add an aws_ecr_pull_through_cache_rule with ecr_repository_prefix = "${prefix}" to the ${service.environment} stacks in ${region}`,
      ],
    });
  }
  if (checks.length <= 1) return checks;
  // One check per service: the worst image decides, the others are listed with it.
  const verdict = worst(checks.map((c) => c.verdict));
  const shown = checks.filter((c) => c.verdict === verdict);
  return [
    {
      ...base,
      verdict,
      via: checks.flatMap((c) => c.via).filter((v, i, all) => all.findIndex((o) => o.resource === v.resource) === i),
      reason: shown.map((c) => c.reason).join('; '),
      awsError: shown.find((c) => c.awsError)?.awsError,
      fix: shown.some((c) => c.fix) ? [...new Set(shown.flatMap((c) => c.fix ?? []))] : undefined,
    },
  ];
}

/** Why the image is meant to come through a pull-through cache, or undefined. */
function intendedPullThrough(model: Model, taskDefinition: TfResource, image: string, region: string, repository: string): string | undefined {
  const scope = model.scope(taskDefinition);
  for (const part of model.resolver.interpolate(scope, image)) {
    if ('target' in part && part.target.kind === 'resource' && part.target.resource.type === 'aws_ecr_pull_through_cache_rule') return `its registry is ${part.target.resource.address}.${part.target.attribute ?? 'id'}`;
  }
  // A repository this configuration creates is not a cached one.
  if (model.resolver.ofType('aws_ecr_repository').some((r) => literalString(r.values.name) === repository)) return undefined;
  const role = executionRole(model, taskDefinition).role;
  if (!role) return undefined;
  const arn = `arn:aws:ecr:${region}:${ACCOUNT}:repository/${repository}`;
  for (const policy of rolePolicies(model, role).policies) {
    for (const statement of policy.statements) {
      const named = (statement.actions ?? []).some((a) => a.toLowerCase() === 'ecr:batchimportupstreamimage');
      if (statement.effect === 'Allow' && named && applies(statement, { action: 'ecr:BatchImportUpstreamImage', resource: arn, context: {} }, policy.sym, false) !== 'no') {
        return `the execution role is granted ecr:BatchImportUpstreamImage on it (statement ${statement.sid ?? 'without Sid'})`;
      }
    }
  }
  return undefined;
}

/** The stacks `stack` reads outputs of (terraform_remote_state) that are not loaded. */
function unloadedProducers(model: Model, stack: TfStack): string[] {
  return Object.values(stack.remoteStates)
    .map((state) => state.producer)
    .filter((producer): producer is string => producer !== undefined && model.resolver.stack(producer) === undefined);
}

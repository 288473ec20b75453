/**
 * Where a container image comes from, which decides the network paths its pull needs:
 * ECR in the task's region (ECR API + ECR DKR + the S3 layer bucket: endpoints or NAT),
 * ECR in another region or any other registry (internet: NAT or a public IP). A
 * public.ecr.aws image pulled through this account's ECR pull-through cache is ECR.
 */
import type { Model } from './model';
import type { Resolver } from './refs';
import { literalString, TfResource } from './tf';

export type ImageSource =
  | { readonly kind: 'ecr'; readonly region: string; readonly display: string; readonly via: readonly TfResource[]; readonly pullThrough?: TfResource }
  | { readonly kind: 'registry'; readonly display: string; readonly host: string }
  | { readonly kind: 'unknown'; readonly display: string; readonly reason: string };

const ECR_HOST = /^([^/]*)\.dkr\.ecr(?:-fips)?\.([a-z0-9-]+)\.amazonaws\.com(?:\.cn)?(\/|$)/;

export function classifyImage(model: Model, taskDefinition: TfResource, image: string | undefined): ImageSource {
  if (image === undefined) return { kind: 'unknown', display: '(none)', reason: 'the container has no literal image' };
  const resolver: Resolver = model.resolver;
  const scope = model.scope(taskDefinition);
  const parts = resolver.interpolate(scope, image);
  const via: TfResource[] = [];
  let display = '';
  let unknownReason: string | undefined;
  for (const part of parts) {
    if ('text' in part) {
      display += part.text;
      continue;
    }
    const target = part.target;
    if (target.kind === 'literal') display += String(target.value);
    else if (target.kind === 'resource') {
      via.push(target.resource);
      const value = target.attribute ? literalString(target.resource.values[target.attribute]) : undefined;
      if (target.resource.type === 'aws_ecr_repository' && target.attribute === 'repository_url') {
        const region = resolver.stack(target.resource.stack)?.region ?? 'unknown-region';
        display += `<account>.dkr.ecr.${region}.amazonaws.com/${literalString(target.resource.values.name) ?? target.resource.name}`;
      } else if (value !== undefined) display += value;
      else display += target.attribute === 'registry_id' || target.attribute === 'account_id' ? '<account>' : `<${target.resource.address}.${target.attribute ?? 'id'}>`;
    } else {
      unknownReason ??= target.reason;
      display += '<unknown>';
    }
  }
  const host = display.split('/')[0];
  const ecr = ECR_HOST.exec(display);
  if (ecr) {
    const region = ecr[2];
    const path = display.slice(display.indexOf('/') + 1);
    const environment = resolver.stack(taskDefinition.stack)?.environment;
    const pullThrough = model.pullThroughRules().find((rule) => {
      const prefix = literalString(rule.values.ecr_repository_prefix);
      const stack = resolver.stack(rule.stack);
      // A rule serves its own registry (region) only; rules of another environment's stacks are not this one's.
      return prefix !== undefined && stack?.region === region && (environment === undefined || stack?.environment === environment) && (prefix === 'ROOT' || path.startsWith(`${prefix}/`));
    });
    if (ecr[1] === '<unknown>' && !pullThrough) return { kind: 'unknown', display, reason: unknownReason ?? 'the registry account is unknown' };
    return { kind: 'ecr', region, display, via, pullThrough };
  }
  if (unknownReason && (host.includes('<unknown>') || display.startsWith('<'))) return { kind: 'unknown', display, reason: unknownReason };
  return { kind: 'registry', display, host: host.includes('.') || host.includes(':') ? host : 'docker.io' };
}

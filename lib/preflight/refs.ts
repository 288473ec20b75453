/**
 * Follows Terraform references between resources, across stacks: a cdktf cross-stack
 * reference `${data.terraform_remote_state.cross-stack-reference-input-<producer>.outputs.<output>}`
 * is resolved through the producer stack's `output` block to the producer's expression
 * (`${aws_subnet.vpc_private-a_XXXX.id}`) and from there to the resource. In plans, a literal
 * id that a loaded resource carries (prior state) leads to that resource too.
 */
import { TfResource, TfStack, UNKNOWN } from './tf';

export type Target =
  | { readonly kind: 'resource'; readonly resource: TfResource; readonly attribute?: string }
  | { readonly kind: 'literal'; readonly value: string | number | boolean }
  | { readonly kind: 'unknown'; readonly reason: string; readonly deleted?: boolean };

/** Where an expression is evaluated: a stack, and a module path inside it (`module.x.`). */
export interface Scope {
  readonly stack: string;
  readonly address?: string;
}

const WHOLE = /^\$\{([^{}]+)\}$/;
const INTERPOLATION = /\$\{([^{}]+)\}/g;
const REMOTE_OUTPUT = /^data\.terraform_remote_state\.([^.[\]]+)\.outputs\.([^.[\]]+)(?:\[(\d+)\])?$/;
const RESOURCE = /^(data\.)?([a-z][a-z0-9_]*)\.([^.[\]]+)(\[[^\]]+\])?(?:\.([a-z0-9_]+))?(?:\[(\d+)\])?(?:\..*)?$/;
const MAX_DEPTH = 25;

export class Resolver {
  private readonly stacks = new Map<string, TfStack>();
  private readonly byAddress = new Map<string, TfResource>();
  private readonly byInstanceBase = new Map<string, TfResource[]>();
  private readonly byLiteralId = new Map<string, { resource: TfResource; attribute: string }>();
  private readonly byTypeIndex = new Map<string, TfResource[]>();

  constructor(stacks: readonly TfStack[]) {
    for (const stack of stacks) {
      this.stacks.set(stack.name, stack);
      for (const resource of stack.resources) {
        this.byAddress.set(`${stack.name}|${resource.address}`, resource);
        const base = resource.address.replace(/\[[^\]]+\]$/, '');
        if (base !== resource.address) this.byInstanceBase.set(`${stack.name}|${base}`, [...(this.byInstanceBase.get(`${stack.name}|${base}`) ?? []), resource]);
        if (resource.mode === 'managed') this.byTypeIndex.set(resource.type, [...(this.byTypeIndex.get(resource.type) ?? []), resource]);
        for (const attribute of identityAttributes(resource.type)) {
          const value = resource.values[attribute];
          if (typeof value === 'string' && value !== '' && !value.includes('${')) this.byLiteralId.set(value, { resource, attribute });
        }
      }
    }
  }

  stack(name: string): TfStack | undefined {
    return this.stacks.get(name);
  }

  allStacks(): TfStack[] {
    return [...this.stacks.values()];
  }

  /** Every managed resource of a type, across stacks. */
  ofType(type: string): TfResource[] {
    return this.byTypeIndex.get(type) ?? [];
  }

  /** Every target a value stands for (lists are flattened). */
  resolve(scope: Scope, value: unknown, depth = 0): Target[] {
    if (depth > MAX_DEPTH) return [{ kind: 'unknown', reason: 'reference chain too deep' }];
    if (Array.isArray(value)) return value.flatMap((v) => this.resolve(scope, v, depth + 1));
    if (value === undefined || value === null) return [];
    if (typeof value === 'number' || typeof value === 'boolean') return [{ kind: 'literal', value }];
    if (typeof value !== 'string') return [{ kind: 'unknown', reason: 'not a simple value' }];
    if (value === UNKNOWN) return [{ kind: 'unknown', reason: 'known only after apply' }];
    const whole = WHOLE.exec(value);
    if (!whole) {
      if (value.includes('${')) return [{ kind: 'unknown', reason: `the expression ${JSON.stringify(value)} is computed by Terraform` }];
      const known = this.byLiteralId.get(value);
      return [known ? { kind: 'resource', resource: known.resource, attribute: known.attribute } : { kind: 'literal', value }];
    }
    return this.resolveTraversal(scope, whole[1].trim(), depth);
  }

  /** The first resource a value refers to (optionally of one of `types`). */
  resource(scope: Scope, value: unknown, ...types: string[]): TfResource | undefined {
    for (const target of this.resolve(scope, value)) {
      if (target.kind === 'resource' && (types.length === 0 || types.includes(target.resource.type))) return target.resource;
    }
    return undefined;
  }

  /** Every resource a (list) value refers to, of one of `types`; `unresolved` counts what could not be followed. */
  resources(scope: Scope, value: unknown, ...types: string[]): { found: TfResource[]; unresolved: Target[] } {
    const found: TfResource[] = [];
    const unresolved: Target[] = [];
    for (const target of this.resolve(scope, value)) {
      if (target.kind === 'resource' && (types.length === 0 || types.includes(target.resource.type))) {
        if (!found.includes(target.resource)) found.push(target.resource);
      } else unresolved.push(target);
    }
    return { found, unresolved };
  }

  /**
   * A string with interpolations, split into literal text and resolved parts, e.g. an image
   * `${...registry_id}.dkr.ecr.<region>.amazonaws.com/x:1`.
   */
  interpolate(scope: Scope, text: string): Array<{ readonly text: string } | { readonly expression: string; readonly target: Target }> {
    if (text === UNKNOWN) return [{ expression: text, target: { kind: 'unknown', reason: 'known only after apply' } }];
    const parts: Array<{ text: string } | { expression: string; target: Target }> = [];
    let last = 0;
    for (const match of text.matchAll(INTERPOLATION)) {
      if (match.index! > last) parts.push({ text: text.slice(last, match.index) });
      const [target] = this.resolve(scope, match[0]);
      parts.push({ expression: match[0], target: target ?? { kind: 'unknown', reason: 'empty' } });
      last = match.index! + match[0].length;
    }
    if (last < text.length) parts.push({ text: text.slice(last) });
    return parts;
  }

  /** `text` with every interpolation that resolves to a literal replaced by it; undefined if any part stays unknown. */
  literalText(scope: Scope, text: string): string | undefined {
    let out = '';
    for (const part of this.interpolate(scope, text)) {
      if ('text' in part) out += part.text;
      else if (part.target.kind === 'literal') out += String(part.target.value);
      else return undefined;
    }
    return out;
  }

  private resolveTraversal(scope: Scope, traversal: string, depth: number): Target[] {
    const stack = this.stacks.get(scope.stack);
    const modulePrefix = /^((?:module\.[^.]+\.)*)/.exec(scope.address ?? '')?.[1] ?? '';

    const remote = REMOTE_OUTPUT.exec(traversal);
    if (remote && stack) {
      const [, name, output, index] = remote;
      const state = stack.remoteStates[name];
      const producer = state?.producer ? this.stacks.get(state.producer) : undefined;
      const pick = (targets: Target[]) => (index === undefined ? targets : targets.slice(Number(index), Number(index) + 1));
      if (producer && output in producer.outputs) return pick(this.resolve({ stack: producer.name }, producer.outputs[output], depth + 1));
      if (state?.outputs && output in state.outputs) return pick(this.resolve(scope, state.outputs[output], depth + 1));
      return [{ kind: 'unknown', reason: `output ${output} of ${state?.producer ?? name}, a stack that was not loaded` }];
    }
    if (traversal.startsWith('local.') && stack) {
      const name = traversal.slice('local.'.length);
      return name in stack.locals ? this.resolve(scope, stack.locals[name], depth + 1) : [{ kind: 'unknown', reason: `local.${name}` }];
    }
    // Inside a module, an input variable is the expression of the module call, evaluated
    // where the module is called; a module output is the expression in the module (plans).
    const variable = /^var\.([^.[\]]+)$/.exec(traversal);
    const call = modulePrefix ? stack?.modules?.[modulePrefix] : undefined;
    if (variable && call && variable[1] in call.inputs) return this.resolve({ stack: scope.stack, address: modulePrefix.replace(/module\.[^.]+\.$/, '') }, call.inputs[variable[1]], depth + 1);
    if (traversal.startsWith('var.')) return [{ kind: 'unknown', reason: `the input variable ${traversal}` }];
    const output = /^module\.([^.[\]]+)\.([^.[\]]+)$/.exec(traversal);
    const child = output ? stack?.modules?.[`${modulePrefix}module.${output[1]}.`] : undefined;
    if (output && child && output[2] in child.outputs) return this.resolve({ stack: scope.stack, address: `${modulePrefix}module.${output[1]}.` }, child.outputs[output[2]], depth + 1);
    if (traversal.startsWith('module.')) return [{ kind: 'unknown', reason: `the module output ${traversal}` }];
    if (traversal.startsWith('each.') || traversal.startsWith('count.') || traversal.startsWith('path.') || traversal.startsWith('terraform.')) {
      return [{ kind: 'unknown', reason: traversal }];
    }
    const match = RESOURCE.exec(traversal);
    if (!match) return [{ kind: 'unknown', reason: `the expression \${${traversal}}` }];
    const [, data, type, name, instance, attribute, index] = match;
    const address = `${modulePrefix}${data ?? ''}${type}.${name}${instance ?? ''}`;
    const direct = this.byAddress.get(`${scope.stack}|${address}`);
    const found = direct ? [direct] : (this.byInstanceBase.get(`${scope.stack}|${address}`) ?? []);
    if (found.length === 0 && stack?.deleted?.includes(address)) return [{ kind: 'unknown', reason: `${address} of ${scope.stack}, which the plan deletes`, deleted: true }];
    if (found.length === 0) return [{ kind: 'unknown', reason: `${address}, which is not declared in ${scope.stack}` }];
    const targets: Target[] = found.map((resource) => ({ kind: 'resource', resource, attribute }));
    return index === undefined ? targets : targets.slice(0, 1);
  }
}

/** Attributes whose literal value identifies the resource itself (so a literal elsewhere can refer to it). */
function identityAttributes(type: string): string[] {
  if (type === 'aws_vpc_endpoint') return ['id', 'arn', 'prefix_list_id'];
  if (type.startsWith('aws_ecr_')) return ['id', 'arn', 'registry_id'];
  return ['id', 'arn'];
}

/** The attribute value of a resource a target points to, when it is a literal. */
export function targetLiteral(target: Target | undefined): string | undefined {
  if (!target) return undefined;
  if (target.kind === 'literal') return String(target.value);
  if (target.kind === 'resource' && target.attribute) {
    const value = target.resource.values[target.attribute];
    return typeof value === 'string' && !value.includes('${') ? value : undefined;
  }
  return undefined;
}


/**
 * Reads `terraform show -json <planfile>` output (format 1.x) into the preflight's stack
 * model, so teams can run the preflight on a plan.
 *
 * Each resource's values are rebuilt from three parts of the plan:
 *  - `configuration` expressions: a reference stays a `${...}` reference (for JSON
 *    configurations such as cdktf's, `constant_value` holds the original template; for HCL
 *    it is rebuilt from `references`), so resources link to each other even when their ids
 *    are unknown until apply;
 *  - `planned_values` (and `prior_state` for data sources read at plan time): the known
 *    values, provider defaults included;
 *  - `resource_changes[].change.after_unknown`: values known only after apply become
 *    `UNKNOWN`, and the checks that need them say "unknown at plan time".
 */
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { producerOf } from './read-synth';
import { awsProviderInfo, isRecord, Json, ModuleCall, RemoteState, TfResource, TfStack, UNKNOWN } from './tf';

export class PlanFormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PlanFormatError';
  }
}

export function readPlanFile(file: string): TfStack {
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new PlanFormatError(`${file}: not a JSON plan (${(error as Error).message}); produce one with \`terraform show -json plan.tfplan > plan.json\``);
  }
  return stackFromPlan(json, path.basename(file).replace(/(\.tfplan)?\.json$/, ''), file);
}

/** One stack from a parsed plan; `fallbackName` names it when its provider has no `Stack` tag. */
export function stackFromPlan(plan: unknown, fallbackName: string, source = 'plan'): TfStack {
  if (!isRecord(plan) || !isRecord(plan.configuration) || typeof plan.format_version !== 'string') {
    throw new PlanFormatError(`${source}: not \`terraform show -json\` plan output (no format_version/configuration); produce one with \`terraform show -json plan.tfplan > plan.json\``);
  }
  const configuration = plan.configuration;
  const providerConfig = isRecord(configuration.provider_config) ? configuration.provider_config : {};
  const info = awsProviderInfo({ aws: [providerBlock(providerConfig.aws)] });
  const name = info.stackTag ?? fallbackName;

  const planned = new Map<string, Json>();
  collectModuleResources(isRecord(plan.planned_values) ? plan.planned_values.root_module : undefined, planned);
  const prior = new Map<string, Json>();
  collectModuleResources(isRecord(plan.prior_state) && isRecord(plan.prior_state.values) ? plan.prior_state.values.root_module : undefined, prior);
  const unknown = new Map<string, unknown>();
  // Instances the plan deletes without replacing them: gone after apply.
  const deleted = new Set<string>();
  for (const change of Array.isArray(plan.resource_changes) ? plan.resource_changes : []) {
    if (!isRecord(change) || typeof change.address !== 'string' || !isRecord(change.change)) continue;
    unknown.set(change.address, change.change.after_unknown);
    const actions = change.change.actions;
    if (Array.isArray(actions) && actions.length === 1 && actions[0] === 'delete') deleted.add(change.address);
  }
  // With planned values, they list every managed instance that exists after apply: a
  // configured resource without one has `count = 0`, an empty `for_each`, or is being
  // destroyed. (A plan without them at all is read from the configuration alone.)
  const hasPlannedValues = isRecord(plan.planned_values) && isRecord(plan.planned_values.root_module);

  const resources: TfResource[] = [];
  const remoteStates: Record<string, RemoteState> = {};
  const modules: Record<string, ModuleCall> = {};
  const gone: string[] = [];
  const walk = (module: unknown, prefix: string) => {
    if (!isRecord(module)) return;
    for (const config of Array.isArray(module.resources) ? module.resources : []) {
      if (!isRecord(config) || typeof config.type !== 'string' || typeof config.name !== 'string') continue;
      const mode = config.mode === 'data' ? 'data' : 'managed';
      const base = `${prefix}${mode === 'data' ? 'data.' : ''}${config.type}.${config.name}`;
      const fromConfig = expressionsToValues(config.expressions);
      // Instances: `base` itself, or `base[0]`, `base["key"]` with count/for_each.
      // Data sources read at plan time are in the prior state; a managed instance there but
      // not in the planned values is being deleted.
      const candidates = mode === 'data' ? [...new Set([...planned.keys(), ...prior.keys()])] : [...planned.keys()];
      const instances = candidates.filter((a) => !deleted.has(a) && (a === base || (a.startsWith(`${base}[`) && a.indexOf('.', base.length) === -1)));
      if (instances.length === 0 && hasPlannedValues) {
        gone.push(base);
        continue;
      }
      for (const address of instances.length > 0 ? instances : [base]) {
        const known = planned.get(address) ?? (mode === 'data' ? prior.get(address) : undefined);
        const afterUnknown = unknown.get(address);
        const values = mergeValues(fromConfig, isRecord(known) ? known.values : undefined, afterUnknown) as Json;
        const configured = isRecord(fromConfig) ? fromConfig : {};
        const computed = isRecord(afterUnknown) ? Object.keys(afterUnknown).filter((k) => afterUnknown[k] === true && configured[k] === undefined) : [];
        resources.push({ stack: name, type: config.type, name: address.slice(prefix.length).replace(/^data\./, '').slice(config.type.length + 1), address, mode, values, computed });
        if (mode === 'data' && config.type === 'terraform_remote_state' && prefix === '') {
          const outputs = isRecord(known) && isRecord(known.values) && isRecord(known.values.outputs) ? known.values.outputs : undefined;
          remoteStates[config.name] = { producer: producerOf(config.name, values), outputs };
        }
      }
    }
    if (isRecord(module.module_calls)) {
      for (const [callName, call] of Object.entries(module.module_calls)) {
        if (!isRecord(call)) continue;
        const childPrefix = `${prefix}module.${callName}.`;
        const inputs = expressionsToValues(call.expressions);
        const childOutputs = isRecord(call.module) && isRecord(call.module.outputs) ? call.module.outputs : {};
        modules[childPrefix] = {
          inputs: isRecord(inputs) ? inputs : {},
          outputs: Object.fromEntries(Object.entries(childOutputs).map(([key, output]) => [key, isRecord(output) ? expressionValue(output.expression) : UNKNOWN])),
        };
        walk(call.module, childPrefix);
      }
    }
  };
  walk(configuration.root_module, '');

  const outputs: Record<string, unknown> = {};
  const rootOutputs = isRecord(configuration.root_module) ? configuration.root_module.outputs : undefined;
  if (isRecord(rootOutputs)) {
    for (const [key, output] of Object.entries(rootOutputs)) if (isRecord(output)) outputs[key] = expressionValue(output.expression);
  }
  return { name, environment: info.environment, region: info.region, account: info.account, resources, outputs, locals: {}, remoteStates, modules, deleted: gone };
}

function providerBlock(aws: unknown): Json {
  if (!isRecord(aws) || !isRecord(aws.expressions)) return {};
  return expressionsToValues(aws.expressions) as Json;
}

function collectModuleResources(module: unknown, into: Map<string, Json>): void {
  if (!isRecord(module)) return;
  for (const resource of Array.isArray(module.resources) ? module.resources : []) {
    if (isRecord(resource) && typeof resource.address === 'string') into.set(resource.address, resource);
  }
  for (const child of Array.isArray(module.child_modules) ? module.child_modules : []) collectModuleResources(child, into);
}

const EXPRESSION_KEYS = new Set(['constant_value', 'references']);

function isExpressionObject(value: unknown): value is { constant_value?: unknown; references?: unknown } {
  return isRecord(value) && Object.keys(value).every((k) => EXPRESSION_KEYS.has(k));
}

/** A configuration `expressions` object (attributes and nested blocks) as plain values. */
export function expressionsToValues(expressions: unknown): unknown {
  if (Array.isArray(expressions)) return expressions.map(expressionsToValues);
  if (!isRecord(expressions)) return undefined;
  if (isExpressionObject(expressions)) return expressionValue(expressions);
  return Object.fromEntries(Object.entries(expressions).map(([key, value]) => [key, expressionsToValues(value)]));
}

/**
 * One expression: its constant value (cdktf's JSON keeps `${...}` templates there), else
 * the references it makes, as `${...}` (one, or a list of several).
 */
export function expressionValue(expression: unknown): unknown {
  if (!isRecord(expression)) return undefined;
  if ('constant_value' in expression) return expression.constant_value;
  const references = Array.isArray(expression.references) ? expression.references.filter((r): r is string => typeof r === 'string') : [];
  const specific = references.filter((r) => !references.some((other) => other !== r && (other.startsWith(`${r}.`) || other.startsWith(`${r}[`))));
  if (specific.length === 0) return UNKNOWN;
  return specific.length === 1 ? `\${${specific[0]}}` : specific.map((r) => `\${${r}}`);
}

/**
 * Configuration value, known planned value and `after_unknown` marker of one attribute
 * (recursively for nested blocks) merged into the value the checks read.
 */
export function mergeValues(config: unknown, known: unknown, unknown: unknown): unknown {
  if (unknown === true) return config !== undefined && config !== null ? config : UNKNOWN;
  // A reference links resources even while ids are unknown; but a known JSON document (a
  // policy, container definitions) built from references is more use as the text itself.
  if (containsReference(config)) return typeof known === 'string' && /^\s*[[{]/.test(known) ? known : config;
  if (Array.isArray(known) && (Array.isArray(config) || config === undefined) && known.every((k) => isRecord(k))) {
    const configs = Array.isArray(config) ? config : [];
    const unknowns = Array.isArray(unknown) ? unknown : [];
    return known.map((k, i) => mergeValues(configs[i], k, unknowns[i]));
  }
  if (isRecord(known) || (isRecord(config) && known === undefined)) {
    const k = isRecord(known) ? known : {};
    const c = isRecord(config) ? config : {};
    const u = isRecord(unknown) ? unknown : {};
    const keys = new Set([...Object.keys(c), ...Object.keys(k), ...Object.keys(u).filter((key) => u[key] === true)]);
    return Object.fromEntries([...keys].map((key) => [key, mergeValues(c[key], k[key], u[key])]));
  }
  return known !== undefined ? known : config;
}

function containsReference(value: unknown): boolean {
  if (typeof value === 'string') return value.includes('${');
  if (Array.isArray(value)) return value.some((v) => typeof v === 'string' && v.includes('${'));
  return false;
}

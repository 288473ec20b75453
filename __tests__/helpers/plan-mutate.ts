/**
 * Test helpers for the preflight on `terraform show -json` plans: the committed real plans of
 * the default configuration's dev stacks (planned offline), and edits that keep a plan
 * consistent across its parts (planned_values, resource_changes, configuration), the way
 * Terraform would write the changed configuration's plan.
 */
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { analyze } from '../../lib/preflight/analyze';
import { stackFromPlan } from '../../lib/preflight/read-plan';
import type { PreflightReport } from '../../lib/preflight/types';

export type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

export const PLAN_STACKS = ['dev-network', 'dev-platform', 'dev-web'] as const;
export type Plans = Record<string, Json>;

const REGION = 'ap-northeast-2';
const FIXTURES = path.join(__dirname, '..', 'fixtures', 'plans');
const cache: Plans = {};

/** Fresh deep copies of the committed dev plans. */
export function realPlans(): Plans {
  for (const stack of PLAN_STACKS) cache[stack] ??= JSON.parse(readFileSync(path.join(FIXTURES, `${stack}.json`), 'utf8'));
  return structuredClone(cache);
}

export function preflightPlans(plans: Plans, only: readonly string[] = Object.keys(plans)): PreflightReport {
  return analyze(
    only.map((name) => stackFromPlan(plans[name], name)),
    'test',
  );
}

/** The full address of the one resource of `type` whose address matches `name`. */
export function addressOf(plan: Json, type: string, name: RegExp = /./): string {
  const all = (plan.resource_changes as Json[]).filter((r) => r.type === type && name.test(r.address)).map((r) => r.address as string);
  if (all.length !== 1) throw new Error(`${all.length} ${type} matching ${name}: ${all.join(', ')}`);
  return all[0];
}

function plannedOf(plan: Json, address: string): Json | undefined {
  return (plan.planned_values.root_module.resources as Json[]).find((r) => r.address === address);
}

function changeOf(plan: Json, address: string): Json | undefined {
  return (plan.resource_changes as Json[]).find((r) => r.address === address);
}

function configOf(plan: Json, address: string): Json | undefined {
  const [type, name] = address.replace(/\[[^\]]+\]$/, '').split('.');
  return (plan.configuration.root_module.resources as Json[]).find((r) => r.type === type && r.name === name);
}

/** Sets a known attribute everywhere the plan states it. */
export function setAttribute(plan: Json, address: string, attribute: string, value: unknown): void {
  plannedOf(plan, address)!.values[attribute] = value;
  const change = changeOf(plan, address)!;
  change.change.after[attribute] = value;
  delete change.change.after_unknown[attribute];
  const config = configOf(plan, address);
  if (config) config.expressions[attribute] = { constant_value: value };
}

/**
 * Makes an attribute known only after apply: gone from the planned values, `true` in
 * after_unknown, and in the configuration an expression of `references` (no constant).
 */
export function makeUnknown(plan: Json, address: string, attribute: string, references: string[] = ['var.input']): void {
  delete plannedOf(plan, address)!.values[attribute];
  const change = changeOf(plan, address)!;
  delete change.change.after[attribute];
  change.change.after_unknown[attribute] = true;
  const config = configOf(plan, address);
  if (config) config.expressions[attribute] = { references };
}

/** The resource is gone from the configuration (and so from the plan). */
export function removeResource(plan: Json, address: string): void {
  plan.planned_values.root_module.resources = (plan.planned_values.root_module.resources as Json[]).filter((r) => r.address !== address);
  plan.resource_changes = (plan.resource_changes as Json[]).filter((r) => r.address !== address);
  const config = configOf(plan, address);
  plan.configuration.root_module.resources = (plan.configuration.root_module.resources as Json[]).filter((r) => r !== config);
}

/**
 * The resource exists now (prior_state) and the plan deletes it: still in the configuration
 * (`count = 0`, or a destroy plan) when `keepConfig`, gone from the planned values.
 */
export function deleteResource(plan: Json, address: string, keepConfig: 'count0' | 'destroy' | false): void {
  const planned = plannedOf(plan, address)!;
  plan.prior_state ??= { format_version: '1.0', values: { root_module: { resources: [] } } };
  plan.prior_state.values ??= { root_module: { resources: [] } };
  plan.prior_state.values.root_module.resources ??= [];
  plan.prior_state.values.root_module.resources.push(structuredClone(planned));
  plan.planned_values.root_module.resources = (plan.planned_values.root_module.resources as Json[]).filter((r) => r !== planned);
  const change = changeOf(plan, address)!;
  change.change = { actions: ['delete'], before: planned.values, after: null, after_unknown: false, before_sensitive: {}, after_sensitive: false };
  const config = configOf(plan, address);
  if (keepConfig === 'count0' && config) {
    config.count_expression = { constant_value: 0 };
    change.address = `${address}[0]`;
    change.index = 0;
    plan.prior_state.values.root_module.resources.at(-1).address = `${address}[0]`;
    plan.prior_state.values.root_module.resources.at(-1).index = 0;
  }
  if (keepConfig === false && config) plan.configuration.root_module.resources = (plan.configuration.root_module.resources as Json[]).filter((r) => r !== config);
}

/** Every planned resource of a stack deleted, as `terraform plan -destroy` writes it. */
export function destroyPlan(plan: Json): void {
  for (const resource of [...(plan.planned_values.root_module.resources as Json[])]) deleteResource(plan, resource.address, 'destroy');
}

/** Marks the resource's change (the planned values stay what they are). */
export function setActions(plan: Json, address: string, actions: string[]): void {
  const change = changeOf(plan, address)!;
  change.change.actions = actions;
  if (actions.includes('delete')) change.change.before = structuredClone(change.change.after);
}

/**
 * Makes the resource one instance of `count` (`index` 0) or `for_each` (`index` "a"): its
 * address gets the index key, and every reference to it in the stack's configuration names
 * that instance (`aws_subnet.x[0].id`).
 */
export function indexResource(plan: Json, address: string, index: number | string): string {
  const key = typeof index === 'number' ? `[${index}]` : `["${index}"]`;
  const indexed = `${address}${key}`;
  const planned = plannedOf(plan, address)!;
  planned.address = indexed;
  planned.index = index;
  const change = changeOf(plan, address)!;
  change.address = indexed;
  change.index = index;
  const config = configOf(plan, address)!;
  if (typeof index === 'number') config.count_expression = { constant_value: index + 1 };
  else config.for_each_expression = { constant_value: { [index]: index } };
  const rewrite = (value: unknown): unknown => {
    if (typeof value === 'string') return value.split(`\${${address}.`).join(`\${${indexed}.`);
    if (Array.isArray(value)) return value.map(rewrite);
    if (value !== null && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, rewrite(v)]));
    return value;
  };
  plan.configuration = rewrite(plan.configuration);
  return indexed;
}

/**
 * The configuration as an HCL one appears in a plan: an expression that makes references
 * has only `references`, no `constant_value` (cdktf's JSON keeps the `${...}` template).
 */
export function asHcl(plan: Json): void {
  const strip = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(strip);
    if (value === null || typeof value !== 'object') return value;
    const record = value as Json;
    if ('references' in record && 'constant_value' in record) return { references: record.references };
    return Object.fromEntries(Object.entries(record).map(([k, v]) => [k, strip(v)]));
  };
  plan.configuration = strip(plan.configuration);
}

/**
 * An update plan of stacks that exist: every instance in the prior state with known ids,
 * every change a no-op (ids and ARNs known, references still in the configuration).
 */
export function asApplied(plan: Json): void {
  const resources = plan.planned_values.root_module.resources as Json[];
  for (const resource of resources) {
    const id = `id-${String(resource.name).toLowerCase().replace(/[^a-z0-9]/g, '')}`;
    resource.values.id ??= id;
    if (resource.type === 'aws_iam_role') resource.values.arn ??= `arn:aws:iam::123456789012:role/${resource.values.name}`;
    if (resource.type === 'aws_cloudwatch_log_group') resource.values.arn ??= `arn:aws:logs:${REGION}:123456789012:log-group:${resource.values.name}`;
    const change = changeOf(plan, resource.address)!;
    change.change = { actions: ['no-op'], before: resource.values, after: resource.values, after_unknown: {}, before_sensitive: {}, after_sensitive: {} };
  }
  plan.prior_state ??= { format_version: '1.0', values: { root_module: { resources: [] } } };
  plan.prior_state.values.root_module.resources = [...(plan.prior_state.values.root_module.resources ?? []), ...structuredClone(resources)];
}

/**
 * The whole stack wrapped in `module "<name>"` (child_modules, module_calls), its outputs
 * read through the module's outputs as HCL writes them.
 */
export function intoModule(plan: Json, name: string): void {
  const prefix = `module.${name}.`;
  const planned = plan.planned_values.root_module.resources as Json[];
  for (const resource of planned) resource.address = `${prefix}${resource.address}`;
  plan.planned_values.root_module = { child_modules: [{ address: `module.${name}`, resources: planned }] };
  for (const change of plan.resource_changes as Json[]) {
    change.address = `${prefix}${change.address}`;
    change.module_address = `module.${name}`;
  }
  const root = plan.configuration.root_module;
  const outputs = root.outputs ?? {};
  const moduleOutputs = Object.fromEntries(Object.entries(outputs).map(([key, output]) => [key, { expression: (output as Json).expression }]));
  root.module_calls = { [name]: { source: `./${name}`, module: { resources: root.resources, outputs: moduleOutputs } } };
  root.resources = (root.resources as Json[]).filter((r) => r.mode === 'data');
  root.module_calls[name].module.resources = (root.module_calls[name].module.resources as Json[]).filter((r) => r.mode !== 'data');
  root.outputs = Object.fromEntries(Object.keys(outputs).map((key) => [key, { ...(outputs[key] as Json), expression: { references: [`module.${name}.${key}`, `module.${name}`] } }]));
}

/**
 * Adds a resource to be created, as cdktf writes it: `values` are known planned values and
 * constant expressions (a `${...}` template refers to another resource); `id` and `arn` are
 * known only after apply. Returns its address.
 */
export function addResource(plan: Json, type: string, name: string, values: Json): string {
  const address = `${type}.${name}`;
  const known = Object.fromEntries(Object.entries(values).filter(([, v]) => !(typeof v === 'string' && v.includes('${'))));
  plan.planned_values.root_module.resources.push({ address, mode: 'managed', type, name, provider_name: 'registry.terraform.io/hashicorp/aws', values: known, sensitive_values: {} });
  const unknown = { id: true, arn: true, ...Object.fromEntries(Object.keys(values).filter((k) => !(k in known)).map((k) => [k, true])) };
  plan.resource_changes.push({ address, mode: 'managed', type, name, change: { actions: ['create'], before: null, after: known, after_unknown: unknown } });
  plan.configuration.root_module.resources.push({ address, mode: 'managed', type, name, provider_config_key: 'aws', expressions: Object.fromEntries(Object.entries(values).map(([k, v]) => [k, { constant_value: v }])) });
  return address;
}

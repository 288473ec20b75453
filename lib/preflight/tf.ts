/**
 * The preflight's view of Terraform configuration: one `TfStack` per root module, built
 * either from a synthesized `cdk.tf.json` or from a `terraform show -json` plan, so every
 * check reads one shape. Values keep Terraform's JSON conventions: literals, `${...}`
 * references, and `UNKNOWN` where a plan says "known after apply".
 */
import { pinnedAccountOf } from '../terraform/deploy-account';

export type Json = Record<string, unknown>;

/** A value a plan marks as known only after apply (never a valid Terraform expression). */
export const UNKNOWN = '${(known after apply)}';

export interface TfResource {
  /** The stack (root module) that declares it. */
  readonly stack: string;
  readonly type: string;
  readonly name: string;
  /** `type.name`, with a module prefix for resources in child modules. */
  readonly address: string;
  /** `resource` or `data`. */
  readonly mode: 'managed' | 'data';
  /** The construct path cdktf records in `//.metadata.path`, when there is one. */
  readonly constructPath?: string;
  readonly values: Json;
  /**
   * Top-level attributes a plan marks as known only after apply although the configuration
   * does not set them: the provider computes them (e.g. an endpoint's default policy).
   */
  readonly computed?: readonly string[];
}

export interface TfStack {
  readonly name: string;
  /** The `Environment` default tag of the stack's AWS provider, when set. */
  readonly environment?: string;
  /** Region of the stack's default AWS provider. */
  readonly region?: string;
  /** The account its AWS provider is pinned to (`allowed_account_ids`); undefined: any. */
  readonly account?: string;
  readonly resources: readonly TfResource[];
  /** Output expressions by name (`output.<name>.value`). */
  readonly outputs: Readonly<Record<string, unknown>>;
  readonly locals: Readonly<Record<string, unknown>>;
  /** `terraform_remote_state` data sources: the producer stack each one reads, when known. */
  readonly remoteStates: Readonly<Record<string, RemoteState>>;
  /**
   * Module calls by the prefix of their resources' addresses (`module.net.`), with their input
   * expressions (evaluated where the module is called) and output expressions (evaluated in
   * the module) -- plans only.
   */
  readonly modules?: Readonly<Record<string, ModuleCall>>;
  /** Configured resources with no instance after apply (the plan deletes them) -- plans only. */
  readonly deleted?: readonly string[];
  /** The `provider` blocks by provider name, as written (synthesized JSON only). */
  readonly providers?: Readonly<Record<string, unknown>>;
  /** The `terraform.backend` block by backend type (synthesized JSON only). */
  readonly backend?: Readonly<Record<string, unknown>>;
}

export interface ModuleCall {
  readonly inputs: Readonly<Record<string, unknown>>;
  readonly outputs: Readonly<Record<string, unknown>>;
}

export interface RemoteState {
  /** The stack whose state it reads (a cdktf cross-stack reference names it). */
  readonly producer?: string;
  /** Output values as read at plan time (plans only). */
  readonly outputs?: Readonly<Record<string, unknown>>;
}

export function isRecord(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A single nested block: cdktf writes it as an object, plans as a one-element list. */
export function block(value: unknown): Json | undefined {
  if (Array.isArray(value)) return isRecord(value[0]) ? value[0] : undefined;
  return isRecord(value) ? value : undefined;
}

/** Repeated nested blocks, whichever way they were written. */
export function blocks(value: unknown): Json[] {
  if (Array.isArray(value)) return value.filter(isRecord);
  return isRecord(value) ? [value] : [];
}

/** A list attribute (a lone value counts as a one-element list). */
export function list(value: unknown): unknown[] {
  if (value === undefined || value === null) return [];
  return Array.isArray(value) ? value : [value];
}

/** True when the value is, or contains, a Terraform expression. */
export function isExpression(value: unknown): boolean {
  return typeof value === 'string' && value.includes('${');
}

/**
 * An attribute as the configuration sets it: a plan's provider-computed value of an attribute
 * the configuration leaves unset (known only after apply) reads as unset, as in synthesized
 * JSON -- e.g. a new gateway endpoint's `subnet_ids`, a new role's `managed_policy_arns`.
 */
export function configuredValue(resource: TfResource, attribute: string): unknown {
  const value = resource.values[attribute];
  return value === UNKNOWN && resource.computed?.includes(attribute) ? undefined : value;
}

/** A literal string (no interpolation). */
export function literalString(value: unknown): string | undefined {
  return typeof value === 'string' && !value.includes('${') ? value : undefined;
}

/** A literal number, or a numeric string. */
export function literalNumber(value: unknown): number | undefined {
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  if (typeof value === 'string' && /^-?\d+(\.\d+)?$/.test(value.trim())) return Number(value);
  return undefined;
}

/**
 * A literal boolean; `fallback` when the attribute is absent (the provider default);
 * undefined when it is an expression or unknown.
 */
export function literalBool(value: unknown, fallback?: boolean): boolean | undefined {
  if (value === undefined || value === null) return fallback;
  if (typeof value === 'boolean') return value;
  if (value === 'true') return true;
  if (value === 'false') return false;
  return undefined;
}

/** The `Environment` tag and region of a stack's default (un-aliased) AWS provider block. */
export function awsProviderInfo(provider: unknown): { region?: string; environment?: string; stackTag?: string; account?: string } {
  const aws = isRecord(provider) ? provider.aws : undefined;
  const first = blocks(aws).find((p) => p.alias === undefined) ?? blocks(aws)[0];
  if (!first) return {};
  const rawTags = block(first.default_tags)?.tags;
  const tags = isRecord(rawTags) ? rawTags : undefined;
  return {
    region: literalString(first.region),
    environment: literalString(tags?.Environment),
    stackTag: literalString(tags?.Stack),
    account: pinnedAccountOf({ aws: first }),
  };
}

/**
 * JSON text that may hold Terraform interpolations (a policy or container definitions as
 * cdktf writes them): quotes inside `${...}` (an instance key, `aws_x.y["k"].arn`) belong to
 * the expression, not to the JSON, so they are escaped before parsing.
 */
export function parseTemplateJson(text: string): unknown {
  return JSON.parse(text.replace(/\$\{[^{}]*\}/g, (expression) => expression.replace(/(?<!\\)"/g, '\\"')));
}

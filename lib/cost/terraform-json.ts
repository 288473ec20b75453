/**
 * Just enough typing of synthesized Terraform JSON (`cdk.tf.json`) for the cost report to
 * read it safely. Values are `unknown` on purpose: escape hatches and overrides can put
 * anything anywhere, so every reader checks the shape it needs instead of trusting it.
 */

export type TfBlock = Readonly<Record<string, unknown>>;

export interface TfJson {
  readonly provider?: Readonly<Record<string, unknown>>;
  readonly resource?: Readonly<Record<string, Readonly<Record<string, TfBlock>>>>;
  readonly data?: Readonly<Record<string, Readonly<Record<string, TfBlock>>>>;
  readonly output?: Readonly<Record<string, { readonly value?: unknown }>>;
}

/** A synthesized stack: its name (the folder under `stacks/`) and its JSON. */
export interface SynthStack {
  readonly name: string;
  readonly json: TfJson;
}

/** A resource of a stack, with the address Terraform knows it by. */
export interface TfResource {
  readonly stack: SynthStack;
  readonly type: string;
  readonly name: string;
  readonly block: TfBlock;
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Every resource of `type` in a stack, in file order. */
export function resourcesOf(stack: SynthStack, type: string): TfResource[] {
  const byName = stack.json.resource?.[type] ?? {};
  return Object.entries(byName).map(([name, block]) => ({ stack, type, name, block }));
}

/** Every resource of any of `types` across stacks. */
export function resourcesIn(stacks: readonly SynthStack[], ...types: string[]): TfResource[] {
  return stacks.flatMap((stack) => types.flatMap((type) => resourcesOf(stack, type)));
}

/**
 * How many real objects a resource block stands for: its literal `count`, else 1. A
 * `count` or `for_each` that is an expression cannot be known before apply; the caller
 * gets `undefined` and reports the assumption.
 */
export function instanceCount(resource: TfResource): number | undefined {
  const count = resource.block.count;
  if (count === undefined && resource.block.for_each === undefined) return 1;
  if (typeof count === 'number') return count;
  if (typeof count === 'string' && /^\d+$/.test(count)) return Number(count);
  return undefined;
}

/** A nested block: cdktf writes single blocks as objects, Terraform JSON also allows a one-element list. */
export function nestedBlock(value: unknown): Record<string, unknown> | undefined {
  if (Array.isArray(value)) return isRecord(value[0]) ? value[0] : undefined;
  return isRecord(value) ? value : undefined;
}

/** Repeated nested blocks, whichever way they were written. */
export function nestedBlocks(value: unknown): Record<string, unknown>[] {
  if (Array.isArray(value)) return value.filter(isRecord);
  return isRecord(value) ? [value] : [];
}

/** A literal number, or a literal numeric string (`cpu = "256"`); expressions give undefined. */
export function literalNumber(value: unknown): number | undefined {
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  if (typeof value === 'string' && /^\s*\d+(\.\d+)?\s*$/.test(value)) return Number(value);
  return undefined;
}

/** A literal string (not a `${...}` expression). */
export function literalString(value: unknown): string | undefined {
  return typeof value === 'string' && !value.includes('${') ? value : undefined;
}

/** The AWS provider blocks of a stack (Terraform JSON allows an object or a list). */
export function awsProviders(stack: SynthStack): Record<string, unknown>[] {
  return nestedBlocks(stack.json.provider?.aws);
}

/** The default (un-aliased) AWS provider of a stack. */
export function defaultAwsProvider(stack: SynthStack): Record<string, unknown> | undefined {
  return awsProviders(stack).find((p) => p.alias === undefined);
}

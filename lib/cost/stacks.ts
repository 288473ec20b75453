/**
 * Reads every synthesized stack of an output folder and groups the stacks by environment.
 * The report reads what was synthesized, not the configuration, so resources added through
 * escape hatches or overrides are priced too.
 */
import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { defaultAwsProvider, isRecord, literalString, nestedBlock, SynthStack, TfJson } from './terraform-json';

/** No synthesized output where the report looked: the user has to synthesize first. */
export class MissingSynthError extends Error {
  constructor(readonly outdir: string) {
    super(`No synthesized stacks in ${outdir}: run \`npm run synth\` first (or set CDKTF_OUTDIR to the folder you synthesized into).`);
    this.name = 'MissingSynthError';
  }
}

export interface EnvironmentStacks {
  /** The environment name, or `(no environment)` for account-wide stacks. */
  readonly name: string;
  /** Region of the environment's default AWS provider (of its first stack that has one). */
  readonly region?: string;
  readonly stacks: readonly SynthStack[];
}

/** Stacks without an environment (the state bootstrap, ...) are grouped under this name. */
export const NO_ENVIRONMENT = '(no environment)';

/** Every stack of `outdir`, in the order of its `manifest.json`. */
export function readSynthesizedStacks(outdir: string): SynthStack[] {
  const manifestFile = path.join(outdir, 'manifest.json');
  if (!existsSync(manifestFile)) throw new MissingSynthError(outdir);
  const manifest = JSON.parse(readFileSync(manifestFile, 'utf8')) as { stacks?: Record<string, { synthesizedStackPath?: string }> };
  return Object.entries(manifest.stacks ?? {}).map(([name, entry]) => {
    const file = path.join(outdir, entry.synthesizedStackPath ?? path.join('stacks', name, 'cdk.tf.json'));
    return { name, json: JSON.parse(readFileSync(file, 'utf8')) as TfJson };
  });
}

/** The `Environment` default tag of a stack's AWS provider, when it has one. */
export function environmentTag(stack: SynthStack): string | undefined {
  const tags = nestedBlock(defaultAwsProvider(stack)?.default_tags)?.tags;
  return isRecord(tags) ? literalString(tags.Environment) : undefined;
}

export function stackRegion(stack: SynthStack): string | undefined {
  return literalString(defaultAwsProvider(stack)?.region);
}

/**
 * Groups stacks by environment: the provider's `Environment` default tag first (every
 * stack of this project carries it), else the `<env>-` prefix of the stack name when that
 * environment is known from another stack's tag; anything else is account-wide.
 */
export function groupByEnvironment(stacks: readonly SynthStack[]): EnvironmentStacks[] {
  const tagged = new Map(stacks.map((s) => [s.name, environmentTag(s)]));
  const known = new Set([...tagged.values()].filter((e): e is string => e !== undefined));
  const groups = new Map<string, SynthStack[]>();
  for (const stack of stacks) {
    const prefix = stack.name.split('-')[0];
    const name = tagged.get(stack.name) ?? (known.has(prefix) ? prefix : NO_ENVIRONMENT);
    groups.set(name, [...(groups.get(name) ?? []), stack]);
  }
  return [...groups.entries()].map(([name, members]) => ({
    name,
    region: members.map(stackRegion).find((r) => r !== undefined),
    stacks: members,
  }));
}

/**
 * The synthesized `manifest.json` as the workflows need it: the stacks, their dependencies
 * (cdktf records a dependency for every cross-stack reference) and an order in which they
 * can be planned and applied. Shared by `npm run plan`/`apply`, `npm run atlantis` and
 * `npm run locks`, so every workflow follows the same order as `cdktf deploy`.
 */
import { readFileSync } from 'node:fs';
import * as path from 'node:path';

export interface ManifestStack {
  readonly name: string;
  /** Stacks this one reads from (their outputs feed its `terraform_remote_state`). */
  readonly dependencies: readonly string[];
  /** Folder of the stack relative to the output folder, e.g. `stacks/dev-network`. */
  readonly workingDirectory: string;
}

interface RawManifest {
  stacks: Record<string, { name?: string; dependencies?: string[]; workingDirectory?: string }>;
}

/** The stacks of a synthesized output folder, in the manifest's order. */
export function readManifest(outdir: string): ManifestStack[] {
  const raw = JSON.parse(readFileSync(path.join(outdir, 'manifest.json'), 'utf8')) as RawManifest;
  return Object.entries(raw.stacks).map(([key, stack]) => ({
    name: stack.name ?? key,
    dependencies: [...(stack.dependencies ?? [])],
    workingDirectory: stack.workingDirectory ?? `stacks/${key}`,
  }));
}

/**
 * Names of `selected` (default: all) in an order where every stack comes after the stacks
 * it depends on; otherwise the manifest's order is kept. Dependencies outside the
 * selection do not pull stacks in. Throws on a dependency cycle or an unknown dependency.
 */
export function dependencyOrder(stacks: readonly ManifestStack[], selected?: readonly string[]): string[] {
  const byName = new Map(stacks.map((s) => [s.name, s]));
  for (const stack of stacks) {
    const unknown = stack.dependencies.filter((d) => !byName.has(d));
    if (unknown.length > 0) throw new Error(`stack ${stack.name} depends on unknown stack(s): ${unknown.join(', ')}`);
  }
  const wanted = new Set(selected ?? stacks.map((s) => s.name));
  const done = new Set<string>();
  const visiting: string[] = [];
  const order: string[] = [];
  const visit = (name: string) => {
    if (done.has(name)) return;
    if (visiting.includes(name)) throw new Error(`dependency cycle: ${[...visiting.slice(visiting.indexOf(name)), name].join(' -> ')}`);
    visiting.push(name);
    for (const dependency of byName.get(name)!.dependencies) visit(dependency);
    visiting.pop();
    done.add(name);
    if (wanted.has(name)) order.push(name);
  };
  for (const stack of stacks) if (wanted.has(stack.name)) visit(stack.name);
  return order;
}

/**
 * The depth of each stack in the dependency graph: 0 for stacks without dependencies,
 * otherwise one more than the deepest dependency. Stacks of one group never depend on
 * each other, so a group can run in parallel once the groups before it are done.
 */
export function executionGroups(stacks: readonly ManifestStack[]): Map<string, number> {
  const byName = new Map(stacks.map((s) => [s.name, s]));
  const groups = new Map<string, number>();
  for (const name of dependencyOrder(stacks)) {
    const deps = byName.get(name)!.dependencies;
    groups.set(name, deps.length === 0 ? 0 : 1 + Math.max(...deps.map((d) => groups.get(d)!)));
  }
  return groups;
}

/** A shell-style glob (`*`, `?`) as an anchored regular expression. */
export function globToRegExp(glob: string): RegExp {
  const source = glob.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${source}$`);
}

/**
 * Stack names matching any of `patterns` (names or globs such as `dev-*`), in the
 * manifest's order, and the patterns that matched nothing.
 */
export function matchStacks(names: readonly string[], patterns: readonly string[]): { matched: string[]; unmatched: string[] } {
  const regexps = patterns.map((p) => [p, globToRegExp(p)] as const);
  const matched = names.filter((n) => regexps.some(([, r]) => r.test(n)));
  const unmatched = regexps.filter(([, r]) => !names.some((n) => r.test(n))).map(([p]) => p);
  return { matched, unmatched };
}

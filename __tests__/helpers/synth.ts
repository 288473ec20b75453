/** Test helpers: synthesize a configuration for real and read the stack JSON back. */
import { App } from 'cdktf';
import { mkdtempSync, readFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseDocument } from 'yaml';
import { buildApp } from '../../main';
import { DEFAULT_CONFIG_PATH, loadConfigFile, validateConfigData } from '../../config/load';
import type { ResolvedConfig } from '../../config/validate';

export type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

export interface Synthesized {
  readonly outdir: string;
  readonly config: ResolvedConfig;
  stack(name: string): Json;
  stackNames(): string[];
}

export function synthConfig(config: ResolvedConfig): Synthesized {
  const outdir = mkdtempSync(path.join(os.tmpdir(), 'synth-test-'));
  const app = new App({ outdir });
  buildApp(app, config);
  app.synth();
  return synthesizedIn(outdir, config);
}

function synthesizedIn(outdir: string, config: ResolvedConfig): Synthesized {
  const cache = new Map<string, Json>();
  return {
    outdir,
    config,
    stack(name) {
      if (!cache.has(name)) cache.set(name, JSON.parse(readFileSync(path.join(outdir, 'stacks', name, 'cdk.tf.json'), 'utf8')));
      return cache.get(name)!;
    },
    stackNames() {
      return Object.keys(JSON.parse(readFileSync(path.join(outdir, 'manifest.json'), 'utf8')).stacks);
    },
  };
}

/**
 * The default configuration, synthesized. Under Jest, the one synth global-setup.js made
 * with `scripts/run.cjs main.ts` (shared by every test file: read it, never write into it);
 * elsewhere, a fresh synth.
 */
export function synthDefault(): Synthesized {
  const config = loadConfigFile(DEFAULT_CONFIG_PATH);
  const shared = process.env.TEST_DEFAULT_SYNTH;
  return shared ? synthesizedIn(shared, config) : synthConfig(config);
}

let defaultData: Json | undefined;

/**
 * The default configuration as a plain object, for tests that change one value: a fresh
 * deep copy on every call (parsing the YAML once per test file, not once per call, saves
 * about a second of the unit tests).
 */
export function defaultConfigData(): Json {
  defaultData ??= parseDocument(readFileSync(DEFAULT_CONFIG_PATH, 'utf8')).toJS() as Json;
  // JSON, not structuredClone: the copy must be made of the test context's own Object and Array.
  return JSON.parse(JSON.stringify(defaultData)) as Json;
}

/** Validates `data` as a configuration file's content (without a YAML round trip). */
export function configFrom(data: Json): ResolvedConfig {
  return validateConfigData(data);
}

/** Every resource of `type` in a stack, as [logical name, config] pairs. */
export function resources(stack: Json, type: string): [string, Json][] {
  return Object.entries((stack.resource?.[type] ?? {}) as Record<string, Json>);
}

export function only(stack: Json, type: string): Json {
  const all = resources(stack, type);
  if (all.length !== 1) throw new Error(`expected one ${type}, found ${all.length}`);
  return all[0][1];
}

/** `${aws_vpc.name.id}` for a resource found by type and predicate. */
export function ref(type: string, name: string, attribute = 'id'): string {
  return `\${${type}.${name}.${attribute}}`;
}

const REMOTE = /^\$\{data\.terraform_remote_state\.cross-stack-reference-input-([^.]+)\.outputs\.([^}]+)\}$/;

/**
 * Follows a cross-stack reference to the producer's output expression:
 * `${data.terraform_remote_state.cross-stack-reference-input-dev-network.outputs.X}` becomes
 * `dev-network: ${aws_subnet....id}`. Other values come back unchanged.
 */
export function resolveRemote(synth: Synthesized, value: unknown): unknown {
  if (Array.isArray(value)) return value.map((v) => resolveRemote(synth, v));
  if (typeof value !== 'string') return value;
  const match = REMOTE.exec(value);
  if (!match) return value;
  const [, producer, output] = match;
  const produced = synth.stack(producer).output?.[output]?.value;
  if (produced === undefined) throw new Error(`${producer} has no output ${output}`);
  return `${producer}: ${produced}`;
}

/** The producer-side expressions of the resources of `type` in a stack, by Name tag suffix. */
export function refsByTag(stack: Json, type: string, stackName: string, tagSuffix: RegExp, attribute = 'id'): string[] {
  return resources(stack, type)
    .filter(([, r]) => tagSuffix.test(r.tags?.Name ?? ''))
    .map(([name]) => `${stackName}: ${ref(type, name, attribute)}`);
}

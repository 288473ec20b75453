/**
 * Stack fingerprints: what a stack's Terraform plan depends on, as hashes computed from the
 * synthesized output alone (no AWS, no Terraform), so that two synths can be compared stack
 * by stack and Atlantis can be told which stacks a change touches.
 *
 * A stack's plan depends on
 *  - its Terraform JSON (`cdk.tf.json`) without what never reaches Terraform: the construct
 *    metadata under `//` keys (construct paths, stack traces) and key order;
 *  - its provider lock file (which provider packages init installs);
 *  - the values of the producer outputs it reads through `terraform_remote_state`.
 * An output's value is not known before apply, so it is represented by the hash of what
 * determines it: the output's expression and, recursively, every resource, data source,
 * local and variable it refers to (in the producer), the producer's provider settings, and
 * the producer outputs those read in turn. A producer change that reaches no output a
 * consumer reads (a log retention, a tag on an unrelated resource) leaves the consumer alone;
 * one that does (a CIDR that replaces the subnets whose ids services read) touches it.
 * The analysis is textual and errs on the side of planning: any known address that appears
 * in an element's JSON counts as a reference.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { dependencyOrder, ManifestStack, readManifest } from '../atlantis/manifest';
import { LOCK_FILE_NAME } from '../terraform/locks';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

export interface StackFingerprint {
  readonly stack: string;
  /** sha256 of the stack's Terraform JSON without construct metadata. */
  readonly terraform: string;
  /** sha256 of the stack's provider lock file, `none` without one. */
  readonly lock: string;
  /** `<producer>.<output>` read through terraform_remote_state -> that output's fingerprint. */
  readonly inputs: Readonly<Record<string, string>>;
  /** The stack's own outputs -> their fingerprints (what consumers' `inputs` hold). */
  readonly outputs: Readonly<Record<string, string>>;
  /** One hash of all of the above but `outputs`: equal digests, equal plans. */
  readonly digest: string;
}

export function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/** The JSON without `//` keys (recursively), with sorted keys: what Terraform reads, canonically. */
export function canonicalJson(value: unknown): string {
  const strip = (v: unknown): Json => {
    if (Array.isArray(v)) return v.map(strip);
    if (v !== null && typeof v === 'object') {
      const entries = Object.entries(v as Record<string, unknown>)
        .filter(([key]) => key !== '//')
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
      return Object.fromEntries(entries.map(([key, inner]) => [key, strip(inner)]));
    }
    return v as Json;
  };
  return JSON.stringify(strip(value));
}

interface StackJson {
  resource?: Record<string, Record<string, unknown>>;
  data?: Record<string, Record<string, unknown>>;
  locals?: Record<string, unknown>;
  variable?: Record<string, unknown>;
  module?: Record<string, unknown>;
  output?: Record<string, unknown>;
  provider?: unknown;
  terraform?: { required_providers?: unknown; backend?: { local?: Record<string, unknown> } };
}

/**
 * The stack as far as it shapes the plan. A local backend's `path` is relative to the folder
 * the stack was synthesized into (cdktf.out, a temporary folder), not a property of the
 * change, so it is left out.
 */
function planInputs(json: StackJson): StackJson {
  const local = json.terraform?.backend?.local;
  if (!local || !('path' in local)) return json;
  const { path: _ignored, ...rest } = local;
  return { ...json, terraform: { ...json.terraform, backend: { ...json.terraform!.backend, local: rest } } };
}

/** The referable elements of a stack by their Terraform address (`aws_vpc.x`, `data.t.n`, `local.n`, `var.n`, `module.n`). */
function elementsOf(json: StackJson): Map<string, unknown> {
  const elements = new Map<string, unknown>();
  for (const [type, byName] of Object.entries(json.resource ?? {})) for (const [name, body] of Object.entries(byName)) elements.set(`${type}.${name}`, body);
  for (const [type, byName] of Object.entries(json.data ?? {})) for (const [name, body] of Object.entries(byName)) elements.set(`data.${type}.${name}`, body);
  for (const [name, body] of Object.entries(json.locals ?? {})) elements.set(`local.${name}`, body);
  for (const [name, body] of Object.entries(json.variable ?? {})) elements.set(`var.${name}`, body);
  for (const [name, body] of Object.entries(json.module ?? {})) elements.set(`module.${name}`, body);
  return elements;
}

const REMOTE_OUTPUT = /data\.terraform_remote_state\.([\w-]+)\.outputs\.([\w-]+)/g;
const ADDRESS = /(?:data\.[\w-]+\.[\w-]+)|(?:[\w-]+\.[\w-]+)/g;

/** Addresses of `elements` that appear in `text`, and the remote outputs it reads. */
function referencesIn(text: string, elements: ReadonlyMap<string, unknown>): { addresses: string[]; remote: Array<[string, string]> } {
  const remote = [...text.matchAll(REMOTE_OUTPUT)].map((m) => [m[1], m[2]] as [string, string]);
  const addresses = new Set<string>();
  for (const match of text.matchAll(ADDRESS)) if (elements.has(match[0])) addresses.add(match[0]);
  return { addresses: [...addresses].sort(), remote };
}

/** The producer stack a cdktf cross-stack `terraform_remote_state` reads: its state key is `<env>/<stack>.tfstate`. */
export function remoteStateProducer(body: unknown, stacks: readonly string[]): string | undefined {
  const config = ((body ?? {}) as { config?: { key?: unknown; path?: unknown } }).config ?? {};
  const base = path.posix.basename(String(config.key ?? config.path ?? '')).replace(/\.tfstate$/, '');
  return stacks.find((s) => s === base);
}

/**
 * Fingerprints of one stack's JSON, given the fingerprints of the outputs of the stacks it
 * reads (`producerOutputs(stack, output)`, undefined when unknown).
 */
export function fingerprintStack(stack: string, synthesized: StackJson, lockFile: string | undefined, stacks: readonly string[], producerOutputs: (producer: string, output: string) => string | undefined): StackFingerprint {
  const json = planInputs(synthesized);
  const elements = elementsOf(json);
  const remoteStates = (json.data?.terraform_remote_state ?? {}) as Record<string, unknown>;
  // What every value of the stack depends on besides its references: provider settings and versions.
  const ambient = sha256(canonicalJson({ provider: json.provider ?? null, required_providers: json.terraform?.required_providers ?? null }));
  const inputs: Record<string, string> = {};
  const remoteFingerprint = (dataName: string, output: string): string => {
    const producer = remoteStateProducer(remoteStates[dataName], stacks);
    // A state this app does not synthesize: only its configuration is known.
    const fingerprint = (producer && producerOutputs(producer, output)) ?? sha256(canonicalJson(remoteStates[dataName] ?? null) + output);
    inputs[`${producer ?? `data.terraform_remote_state.${dataName}`}.${output}`] = fingerprint;
    return fingerprint;
  };
  const memo = new Map<string, string>();
  const visiting = new Set<string>();
  const fingerprintOf = (address: string, body: unknown): string => {
    const known = memo.get(address);
    if (known) return known;
    // Terraform refuses reference cycles; a textual false positive may still form one.
    if (visiting.has(address)) return sha256(`cycle:${address}`);
    visiting.add(address);
    const text = canonicalJson(body);
    const { addresses, remote } = referencesIn(text, elements);
    const parts = [
      address,
      text,
      ambient,
      ...addresses.filter((a) => a !== address).map((a) => `${a}=${fingerprintOf(a, elements.get(a))}`),
      ...remote.map(([data, output]) => `remote:${data}.${output}=${remoteFingerprint(data, output)}`),
    ];
    visiting.delete(address);
    const fingerprint = sha256(parts.join('\n'));
    memo.set(address, fingerprint);
    return fingerprint;
  };
  const outputs = Object.fromEntries(Object.entries(json.output ?? {}).map(([name, body]) => [name, fingerprintOf(`output.${name}`, body)]));
  // Inputs read anywhere in the stack, not only by its outputs.
  for (const [, data, output] of canonicalJson(json).matchAll(REMOTE_OUTPUT)) remoteFingerprint(data, output);
  const terraform = sha256(canonicalJson(json));
  const lock = lockFile === undefined ? 'none' : sha256(lockFile);
  const sortedInputs = Object.fromEntries(Object.entries(inputs).sort(([a], [b]) => (a < b ? -1 : 1)));
  const digest = sha256([terraform, lock, ...Object.entries(sortedInputs).map(([k, v]) => `${k}=${v}`)].join('\n'));
  return { stack, terraform, lock, inputs: sortedInputs, outputs, digest };
}

/** Fingerprints of every stack of a synthesized output folder, in the manifest's order. */
export function fingerprintOutdir(outdir: string): Map<string, StackFingerprint> {
  const stacks = readManifest(outdir);
  const names = stacks.map((s) => s.name);
  const byName = new Map<string, ManifestStack>(stacks.map((s) => [s.name, s]));
  const done = new Map<string, StackFingerprint>();
  // Producers first, so their outputs' fingerprints are known to their consumers.
  for (const name of dependencyOrder(stacks)) {
    const dir = path.join(outdir, byName.get(name)!.workingDirectory);
    const json = JSON.parse(readFileSync(path.join(dir, 'cdk.tf.json'), 'utf8')) as StackJson;
    const lockPath = path.join(dir, LOCK_FILE_NAME);
    const lock = existsSync(lockPath) ? readFileSync(lockPath, 'utf8') : undefined;
    done.set(name, fingerprintStack(name, json, lock, names, (producer, output) => done.get(producer)?.outputs[output]));
  }
  return new Map(names.map((n) => [n, done.get(n)!]));
}

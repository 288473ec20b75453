/**
 * The provider lock file: one for all stacks, `locks/providers.terraform.lock.hcl`,
 * committed, and copied into `<outdir>/stacks/<stack>/.terraform.lock.hcl` on every synth so
 * that `terraform init -lockfile=readonly`, `cdktf diff/deploy` and Atlantis all install
 * exactly the provider packages it names, on every platform users run. Every stack requires
 * the same providers at the same versions (`npm run locks` refuses otherwise), so one file
 * serves them all, whatever the configuration: a configuration of your own (INFRA_CONFIG)
 * with other stacks needs no other lock file.
 *
 * The hashes come from `locks/provider-hashes.json` (see its provenance notes): per provider
 * version the registry's complete `zh:` set (the sha256 of every platform's zip, as the
 * signed SHA256SUMS lists them) and `h1:` hashes. `npm run locks` renders the lock file
 * from it, after checking it against `terraform providers lock` when the registry is reachable.
 *
 * This module is imported by the app (main.ts): node built-ins only.
 */
import { copyFileSync, existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';

/** The repository root (this file is lib/terraform/locks.ts). */
export const REPO_ROOT = path.resolve(__dirname, '..', '..');
export const LOCKS_DIR = path.join(REPO_ROOT, 'locks');
export const HASHES_FILE = path.join(LOCKS_DIR, 'provider-hashes.json');
export const LOCK_FILE_NAME = '.terraform.lock.hcl';
/** The committed lock file's name in locks/. */
export const SHARED_LOCK_FILE = 'providers.terraform.lock.hcl';

/** Platforms every lock file must serve: CI/Atlantis (linux) and developers' Macs and Windows PCs. */
export const LOCK_PLATFORMS = ['linux_amd64', 'darwin_arm64', 'darwin_amd64', 'windows_amd64'] as const;

export interface ProviderHashes {
  readonly version: string;
  /** Where the hashes come from, written as comments into every lock file. */
  readonly provenance: readonly string[];
  readonly h1: readonly string[];
  /** The registry's complete zh: set: one per platform zip (plus the release manifest). */
  readonly zh: readonly string[];
  /** zh: hashes whose platform is known. */
  readonly zhByPlatform: Readonly<Record<string, string>>;
  /** h1: hashes whose platform is known (linux_amd64 is verified against the local mirror). */
  readonly h1ByPlatform: Readonly<Record<string, string>>;
}

export interface HashesFile {
  readonly $comment?: string;
  readonly providers: Readonly<Record<string, ProviderHashes>>;
}

export function readHashes(file = HASHES_FILE): HashesFile {
  return JSON.parse(readFileSync(file, 'utf8')) as HashesFile;
}

export function lockFilePath(locksDir = LOCKS_DIR): string {
  return path.join(locksDir, SHARED_LOCK_FILE);
}

/** A provider requirement of a synthesized stack. */
export interface ProviderRequirement {
  /** Fully qualified source address, e.g. `registry.terraform.io/hashicorp/aws`. */
  readonly address: string;
  /** The version constraint as written in the stack, e.g. `5.100.0`. */
  readonly constraint: string;
}

/** `aws` (cdktf's short form), `hashicorp/aws` or a full address, as a full address. */
export function providerAddress(source: string): string {
  const parts = source.split('/');
  if (parts.length === 1) return `registry.terraform.io/hashicorp/${parts[0]}`;
  if (parts.length === 2) return `registry.terraform.io/${source}`;
  return source;
}

export interface StackJsonTerraform {
  terraform?: { required_providers?: Record<string, { source?: string; version?: string }> };
}

export function providerRequirements(stackJson: StackJsonTerraform): ProviderRequirement[] {
  return Object.entries(stackJson.terraform?.required_providers ?? {})
    .map(([name, p]) => ({ address: providerAddress(p.source ?? name), constraint: p.version ?? '' }))
    .sort((a, b) => a.address.localeCompare(b.address));
}

export function readStackJson(outdir: string, stack: string): StackJsonTerraform {
  return JSON.parse(readFileSync(path.join(outdir, 'stacks', stack, 'cdk.tf.json'), 'utf8')) as StackJsonTerraform;
}

/** The exact version a constraint pins (`5.100.0` or `= 5.100.0`), else undefined. */
export function pinnedVersion(constraint: string): string | undefined {
  return /^\s*=?\s*(\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?)\s*$/.exec(constraint)?.[1];
}

/** The constraint as Terraform writes it into a lock file (`= 5.100.0` -> `5.100.0`). */
export function lockConstraint(constraint: string): string {
  return pinnedVersion(constraint) ?? constraint.trim();
}

export interface LockedProvider {
  readonly address: string;
  readonly version: string;
  readonly constraints?: string;
  readonly hashes: readonly string[];
}

/**
 * The lock file text. Apart from the comment header it is what `terraform providers lock`
 * writes, so `init -lockfile=readonly` finds nothing to change.
 */
export function renderLockFile(providers: readonly LockedProvider[], provenance: Readonly<Record<string, readonly string[]>> = {}): string {
  const lines = [
    '# Terraform dependency lock file of every stack. Generated by `npm run locks` from',
    '# locks/provider-hashes.json; do not edit. Every synth copies it to',
    '# cdktf.out/stacks/<stack>/.terraform.lock.hcl, where `terraform init -lockfile=readonly` checks it.',
    `# It carries the registry's zh: hash of every platform's package, so init verifies on ${LOCK_PLATFORMS.join(', ')} and others alike.`,
  ];
  const blocks: string[] = [];
  for (const p of [...providers].sort((a, b) => a.address.localeCompare(b.address))) {
    const notes = provenance[p.address] ?? [];
    if (notes.length > 0) lines.push('#', `# Hashes of ${p.address} ${p.version}:`, ...notes.map((note) => `#   ${note}`));
    const header = p.constraints === undefined ? [`  version = "${p.version}"`] : [`  version     = "${p.version}"`, `  constraints = "${p.constraints}"`];
    const hashes = [...new Set(p.hashes)].sort();
    blocks.push([`provider "${p.address}" {`, ...header, '  hashes = [', ...hashes.map((h) => `    "${h}",`), '  ]', '}', ''].join('\n'));
  }
  return `${lines.join('\n')}\n\n${blocks.join('\n')}`;
}

/** The provider blocks of a lock file (comments ignored). */
export function parseLockFile(text: string): LockedProvider[] {
  const providers: LockedProvider[] = [];
  const blockRe = /^provider\s+"([^"]+)"\s*\{([\s\S]*?)^\}/gm;
  for (const match of text.matchAll(blockRe)) {
    const body = match[2];
    const version = /^\s*version\s*=\s*"([^"]*)"/m.exec(body)?.[1] ?? '';
    const constraints = /^\s*constraints\s*=\s*"([^"]*)"/m.exec(body)?.[1];
    const hashes = [.../"((?:h1|zh):[^"]+)"/g[Symbol.matchAll](/hashes\s*=\s*\[([\s\S]*?)\]/.exec(body)?.[1] ?? '')].map((m) => m[1]);
    providers.push({ address: match[1], version, constraints, hashes });
  }
  return providers;
}

/**
 * The provider requirements every stack shares. Throws when stacks differ: one lock file
 * serves all stacks only while they require the same providers at the same versions.
 */
export function sharedRequirements(stacks: ReadonlyArray<{ readonly name: string; readonly json: StackJsonTerraform }>): ProviderRequirement[] {
  const key = (reqs: ProviderRequirement[]) => reqs.map((r) => `${r.address} ${r.constraint}`).join(', ');
  const first = providerRequirements(stacks[0]?.json ?? {});
  for (const stack of stacks.slice(1)) {
    const reqs = providerRequirements(stack.json);
    if (key(reqs) !== key(first)) {
      throw new Error(`${stack.name} requires ${key(reqs) || 'no providers'}, ${stacks[0].name} ${key(first) || 'no providers'}: every stack must pin the same providers and versions (one lock file serves them all)`);
    }
  }
  return first;
}

/** The lock file for these provider requirements (of every stack) from the committed hashes. */
export function expectedLockFile(stackJson: StackJsonTerraform, hashes: HashesFile): string {
  const provenance: Record<string, readonly string[]> = {};
  const providers = providerRequirements(stackJson).map((req) => {
    const known = hashes.providers[req.address];
    const version = pinnedVersion(req.constraint);
    if (!version) throw new Error(`${req.address} is constrained to "${req.constraint}"; pin an exact version so the lock file can be generated`);
    if (!known || known.version !== version) {
      throw new Error(`no committed hashes for ${req.address} ${version} in locks/provider-hashes.json; run \`npm run locks\` with registry access`);
    }
    provenance[req.address] = known.provenance;
    return { address: req.address, version, constraints: lockConstraint(req.constraint), hashes: [...known.h1, ...known.zh] };
  });
  return renderLockFile(providers, provenance);
}

/**
 * What is wrong with a stack's lock file: missing, a provider missing or at another
 * version, or hashes missing, naming the platform a missing zh: belongs to when known.
 * An empty list means the lock file serves every platform.
 */
export function checkLockFile(stack: string, text: string | undefined, stackJson: StackJsonTerraform, hashes: HashesFile): string[] {
  if (text === undefined) return [`${stack}: no lock file (locks/${SHARED_LOCK_FILE}); run \`npm run locks\``];
  const problems: string[] = [];
  const locked = new Map(parseLockFile(text).map((p) => [p.address, p]));
  for (const req of providerRequirements(stackJson)) {
    const lock = locked.get(req.address);
    const version = pinnedVersion(req.constraint);
    if (!lock) {
      problems.push(`${stack}: lock file has no entry for ${req.address}`);
      continue;
    }
    if (version && lock.version !== version) problems.push(`${stack}: ${req.address} is locked at ${lock.version}, the stack requires ${version}`);
    if ((lock.constraints ?? '') !== lockConstraint(req.constraint)) {
      problems.push(`${stack}: ${req.address} lock constraints "${lock.constraints ?? ''}" differ from the stack's "${lockConstraint(req.constraint)}"`);
    }
    const known = hashes.providers[req.address];
    if (!known || known.version !== lock.version) {
      problems.push(`${stack}: no committed hashes for ${req.address} ${lock.version} to check against`);
      continue;
    }
    const have = new Set(lock.hashes);
    const platformOf = new Map(Object.entries(known.zhByPlatform).map(([platform, zh]) => [zh, platform]));
    for (const zh of known.zh) {
      if (have.has(zh)) continue;
      const platform = platformOf.get(zh);
      problems.push(`${stack}: ${req.address} lacks ${zh}${platform ? ` (the ${platform} package)` : ' (one of the platform packages)'}`);
    }
    for (const [platform, h1] of Object.entries(known.h1ByPlatform)) {
      if (!have.has(h1)) problems.push(`${stack}: ${req.address} lacks the ${platform} h1: hash ${h1}`);
    }
  }
  return problems;
}

/**
 * Copies `locks/providers.terraform.lock.hcl` into every stack folder of a synthesized
 * output. Returns the stacks left without a lock file: all of them when it is missing (they
 * still synthesize; `npm run locks` creates it).
 */
export function copyLockFiles(outdir: string, locksDir = LOCKS_DIR): string[] {
  const manifest = JSON.parse(readFileSync(path.join(outdir, 'manifest.json'), 'utf8')) as { stacks: Record<string, { workingDirectory?: string }> };
  const source = lockFilePath(locksDir);
  if (!existsSync(source)) return Object.keys(manifest.stacks);
  for (const [stack, entry] of Object.entries(manifest.stacks)) {
    copyFileSync(source, path.join(outdir, entry.workingDirectory ?? path.join('stacks', stack), LOCK_FILE_NAME));
  }
  return [];
}

/**
 * The committed hashes updated with what `terraform providers lock` got from the registry
 * (provider address -> locked version and hashes). For a version already recorded, the zh:
 * sets must be equal (else it throws: the registry and the committed hashes disagree) and
 * new h1: hashes are added; a new version replaces the record, with nothing attributed to
 * platforms yet.
 */
export function mergeRegistryHashes(committed: HashesFile, registry: ReadonlyMap<string, { version: string; hashes: readonly string[] }>): HashesFile {
  const providers: Record<string, ProviderHashes> = { ...committed.providers };
  for (const [address, { version, hashes }] of registry) {
    const h1 = hashes.filter((h) => h.startsWith('h1:'));
    const zh = hashes.filter((h) => h.startsWith('zh:')).sort();
    const known = providers[address];
    if (known && known.version === version) {
      const committedZh = [...known.zh].sort();
      if (committedZh.join() !== zh.join()) {
        throw new Error(`${address} ${version}: the registry's zh: hashes differ from locks/provider-hashes.json\n  registry:  ${zh.join(' ')}\n  committed: ${committedZh.join(' ')}`);
      }
      providers[address] = { ...known, h1: [...new Set([...known.h1, ...h1])].sort() };
    } else {
      providers[address] = {
        version,
        provenance: [`h1: and zh: from \`terraform providers lock\` against the registry for ${LOCK_PLATFORMS.join(', ')}.`],
        h1: [...h1].sort(),
        zh,
        zhByPlatform: {},
        h1ByPlatform: {},
      };
    }
  }
  return { ...committed, providers };
}

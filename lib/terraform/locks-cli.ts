/**
 * npm run locks [-- --offline] [-- --check]
 *
 * (Re)generates locks/providers.terraform.lock.hcl, the lock file of every stack.
 *
 *  1. Synthesizes the app from the committed configuration (INFRA_CONFIG and ENVIRONMENTS
 *     are ignored: the lock file does not depend on them) into a temporary folder to learn
 *     the stacks' providers, which must be the same for every stack.
 *  2. Online (the registry answers): runs `terraform providers lock` for linux_amd64,
 *     darwin_arm64, darwin_amd64 and windows_amd64 and checks the result against
 *     locks/provider-hashes.json: the same provider version must have the same zh: set
 *     (anything else means the registry and the committed hashes disagree: it stops);
 *     new h1: hashes are added; a new provider version is recorded there.
 *     Offline (or --offline): uses the committed hashes as they are.
 *  3. Writes the lock file and removes any other lock file in locks/ (the per-stack files of
 *     earlier versions).
 *
 * --check writes nothing and exits 1 when the lock file is missing or stale, or another is left over.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { runSynth } from '../../main';
import { readManifest } from '../atlantis/manifest';
import {
  expectedLockFile,
  HASHES_FILE,
  LOCK_PLATFORMS,
  lockFilePath,
  LOCKS_DIR,
  parseLockFile,
  mergeRegistryHashes,
  pinnedVersion,
  readHashes,
  readStackJson,
  SHARED_LOCK_FILE,
  sharedRequirements,
} from './locks';

interface Options {
  offline: boolean;
  check: boolean;
}

const ANSI = new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*m`, 'g');

function stripAnsi(text: string): string {
  return text.replace(ANSI, '');
}

function say(text: string): void {
  process.stdout.write(`${text}\n`);
}

/** Synthesizes the committed configuration into a temporary folder; returns it. */
function synthesize(): string {
  for (const name of ['INFRA_CONFIG', 'ENVIRONMENTS']) {
    if (process.env[name]) say(`${name} is ignored: the lock file is made from the committed configuration and serves every configuration.`);
  }
  const outdir = mkdtempSync(path.join(os.tmpdir(), 'locks-synth-'));
  const quiet = { write: (text: string) => (text.startsWith('warning: no provider lock file') ? true : process.stderr.write(text)) };
  if (runSynth({ ...process.env, CDKTF_OUTDIR: outdir, INFRA_CONFIG: '', ENVIRONMENTS: '' }, quiet) !== 0) process.exit(1);
  return outdir;
}

/** `terraform providers lock` against the registry; undefined when it cannot be reached. */
function registryHashes(required: Map<string, string>): Map<string, { version: string; hashes: string[] }> | undefined {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'locks-registry-'));
  try {
    const providers = Object.fromEntries([...required].map(([address, version], i) => [`p${i}`, { source: address, version }]));
    writeFileSync(path.join(dir, 'main.tf.json'), JSON.stringify({ terraform: { required_providers: providers } }, null, 2));
    const args = ['providers', 'lock', ...LOCK_PLATFORMS.map((p) => `-platform=${p}`)];
    say(`terraform ${args.join(' ')}  (registry)`);
    const result = spawnSync('terraform', args, { cwd: dir, encoding: 'utf8', env: { ...process.env, CHECKPOINT_DISABLE: '1' } });
    if (result.error || result.status !== 0) {
      const output = stripAnsi(`${result.stderr}\n${result.stdout}`).split('\n').map((l) => l.replace(/^[│╷╵]\s*/, '').trim()).filter(Boolean);
      const errorAt = output.findIndex((l) => l.startsWith('Error:'));
      const reason = result.error?.message ?? output.slice(Math.max(0, errorAt), Math.max(0, errorAt) + 3).join(' ');
      say(`The registry is not reachable (${reason}): using the committed hashes of locks/provider-hashes.json (all a lock file needs while the provider version is unchanged).`);
      return undefined;
    }
    const lock = parseLockFile(readFileSync(path.join(dir, '.terraform.lock.hcl'), 'utf8'));
    return new Map(lock.map((p) => [p.address, { version: p.version, hashes: [...p.hashes] }]));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function main(options: Options): void {
  const outdir = synthesize();
  try {
    const stacks = readManifest(outdir).map((s) => ({ name: s.name, json: readStackJson(outdir, s.name) }));
    const required = new Map<string, string>();
    for (const req of sharedRequirements(stacks)) {
      const version = pinnedVersion(req.constraint);
      if (!version) throw new Error(`${req.address} is constrained to "${req.constraint}"; pin an exact version`);
      required.set(req.address, version);
    }

    let hashes = readHashes();
    const online = options.offline || process.env.LOCKS_OFFLINE === '1' ? undefined : registryHashes(required);
    if (online) {
      for (const [address, { version }] of online) {
        const known = hashes.providers[address]?.version;
        say(known === version ? `${address} ${version}: checking the registry's hashes against locks/provider-hashes.json` : `${address}: recording version ${version} (was ${known ?? 'absent'}) from the registry`);
      }
      hashes = mergeRegistryHashes(hashes, online);
    }

    const problems: string[] = [];
    let written = 0;
    const write = (file: string, text: string) => {
      const current = existsSync(file) ? readFileSync(file, 'utf8') : undefined;
      if (current === text) return;
      if (options.check) problems.push(`${path.relative(process.cwd(), file)} is ${current === undefined ? 'missing' : 'out of date'}`);
      else {
        writeFileSync(file, text);
        written++;
        say(`wrote ${path.relative(process.cwd(), file)}`);
      }
    };
    write(HASHES_FILE, `${JSON.stringify(hashes, null, 2)}\n`);
    write(lockFilePath(), expectedLockFile(stacks[0].json, hashes));

    // Any other lock file: the per-stack files of earlier versions.
    for (const file of readdirSync(LOCKS_DIR).filter((f) => f.endsWith('.terraform.lock.hcl') && f !== SHARED_LOCK_FILE)) {
      if (options.check) problems.push(`locks/${file} is left over (locks/${SHARED_LOCK_FILE} serves every stack)`);
      else {
        unlinkSync(path.join(LOCKS_DIR, file));
        say(`removed locks/${file} (locks/${SHARED_LOCK_FILE} serves every stack)`);
      }
    }
    if (problems.length > 0) {
      process.stderr.write(`${problems.join('\n')}\nRun \`npm run locks\` and commit locks/.\n`);
      process.exitCode = 1;
      return;
    }
    const providers = [...required].map(([a, v]) => `${a} ${v}`).join(', ');
    say(`locks/${SHARED_LOCK_FILE} (${providers}, for all ${stacks.length} stacks): ${written === 0 ? 'up to date' : `${written} file(s) written`}.`);
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}

/** The command: `npm run locks [-- --offline] [-- --check]`; sets `process.exitCode` on failure. */
export function runLocks(args: readonly string[]): void {
  const unknown = args.filter((a) => a !== '--offline' && a !== '--check');
  if (unknown.length > 0) {
    process.stderr.write(`Unknown argument(s): ${unknown.join(' ')}\nUsage: npm run locks [-- --offline] [-- --check]\n`);
    process.exitCode = 2;
    return;
  }
  try {
    main({ offline: args.includes('--offline'), check: args.includes('--check') });
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n`);
    process.exitCode = 1;
  }
}

/**
 * The provider lock file: one for every stack, current, carrying the zh: hash of every
 * platform's package and the verified linux_amd64 h1:; the synth copies it into every stack
 * folder, whatever the configuration. No Terraform binary needed (locks.tf.test.ts checks it
 * with Terraform).
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { runSynth } from '../main';
import { readManifest } from '../lib/atlantis/manifest';
import {
  checkLockFile,
  copyLockFiles,
  expectedLockFile,
  lockFilePath,
  LOCK_PLATFORMS,
  LOCKS_DIR,
  mergeRegistryHashes,
  parseLockFile,
  pinnedVersion,
  providerAddress,
  providerRequirements,
  readHashes,
  readStackJson,
  renderLockFile,
  SHARED_LOCK_FILE,
  sharedRequirements,
} from '../lib/terraform/locks';

const AWS = 'registry.terraform.io/hashicorp/aws';
const hashes = readHashes();
const aws = hashes.providers[AWS];
const LINUX_ZH = aws.zhByPlatform.linux_amd64;
const LINUX_H1 = aws.h1ByPlatform.linux_amd64;

let outdir: string;
let stacks: string[];
const stderr: string[] = [];

beforeAll(() => {
  outdir = path.join(mkdtempSync(path.join(os.tmpdir(), 'locks-test-')), 'out');
  const code = runSynth({ ...process.env, CDKTF_OUTDIR: outdir, INFRA_CONFIG: '', ENVIRONMENTS: '' }, { write: (t: string) => stderr.push(t) });
  expect({ code, stderr: code === 0 ? [] : stderr }).toEqual({ code: 0, stderr: [] });
  stacks = readManifest(outdir).map((s) => s.name);
});

describe('the committed hashes (locks/provider-hashes.json)', () => {
  test('hashicorp/aws is recorded at the version every stack pins', () => {
    for (const stack of stacks) {
      const req = providerRequirements(readStackJson(outdir, stack)).find((r) => r.address === AWS);
      expect(req && pinnedVersion(req.constraint)).toBe(aws.version);
    }
  });

  test('the zh: set is complete: 14 platform packages and the release manifest, all distinct sha256 hex', () => {
    expect(aws.zh).toHaveLength(15);
    expect(new Set(aws.zh).size).toBe(15);
    for (const zh of aws.zh) expect(zh).toMatch(/^zh:[0-9a-f]{64}$/);
    for (const h1 of aws.h1) expect(h1).toMatch(/^h1:[A-Za-z0-9+/]{43}=$/);
  });

  test('the platform-attributed hashes belong to the sets', () => {
    expect(Object.keys(aws.zhByPlatform)).toEqual(expect.arrayContaining(['linux_amd64', 'darwin_arm64']));
    for (const zh of Object.values(aws.zhByPlatform)) expect(aws.zh).toContain(zh);
    expect(aws.h1).toContain(LINUX_H1);
  });
});

describe('locks/providers.terraform.lock.hcl', () => {
  test('the lock file passes every check for every stack', () => {
    const file = lockFilePath();
    const problems = stacks.flatMap((stack) => checkLockFile(stack, existsSync(file) ? readFileSync(file, 'utf8') : undefined, readStackJson(outdir, stack), hashes));
    expect(problems).toEqual([]);
  });

  test('it is exactly what `npm run locks` writes (not stale)', () => {
    expect(readFileSync(lockFilePath(), 'utf8')).toBe(expectedLockFile(readStackJson(outdir, stacks[0]), hashes));
  });

  test('it is the only lock file: every stack requires the same providers, so one serves all', () => {
    const files = readdirSync(LOCKS_DIR).filter((f) => f.endsWith('.terraform.lock.hcl'));
    expect(files).toEqual([SHARED_LOCK_FILE]);
    expect(sharedRequirements(stacks.map((name) => ({ name, json: readStackJson(outdir, name) })))).toEqual([{ address: AWS, constraint: aws.version }]);
  });

  test('stacks that require different providers cannot share it: named in the error', () => {
    const pinned = (version: string) => ({ terraform: { required_providers: { aws: { source: 'aws', version } } } });
    expect(() => sharedRequirements([{ name: 'a', json: pinned(aws.version) }, { name: 'b', json: pinned('6.0.0') }])).toThrow(
      `b requires ${AWS} 6.0.0, a ${AWS} ${aws.version}: every stack must pin the same providers and versions (one lock file serves them all)`,
    );
  });

  test('a lock file says where its hashes come from and which platforms it serves', () => {
    const text = readFileSync(lockFilePath(), 'utf8');
    expect(text.split('\n')[0]).toMatch(/^# .*npm run locks/);
    expect(text).toMatch(/# .*public lock files committed for hashicorp\/aws 5\.100\.0/);
    for (const platform of LOCK_PLATFORMS) expect(text).toContain(platform);
  });
});

describe('checkLockFile finds what a lock file lacks', () => {
  const stack = 'dev-network';
  const stackJson = { terraform: { required_providers: { aws: { source: 'aws', version: aws.version } } } };
  const good = expectedLockFile(stackJson, hashes);
  const without = (hash: string) => good.replace(`    "${hash}",\n`, '');

  test('a complete lock file has no problems', () => {
    expect(checkLockFile(stack, good, stackJson, hashes)).toEqual([]);
  });

  test('a missing lock file', () => {
    expect(checkLockFile(stack, undefined, stackJson, hashes)).toEqual([`dev-network: no lock file (locks/${SHARED_LOCK_FILE}); run \`npm run locks\``]);
  });

  test.each(Object.entries(aws.zhByPlatform))('a lock file without the %s package hash names the platform', (platform, zh) => {
    expect(without(zh)).not.toContain(zh);
    expect(checkLockFile(stack, without(zh), stackJson, hashes)).toEqual([`${stack}: ${AWS} lacks ${zh} (the ${platform} package)`]);
  });

  test('a lock file without a package hash of an unattributed platform (darwin_amd64, windows_amd64, ...)', () => {
    const unattributed = aws.zh.filter((zh) => !Object.values(aws.zhByPlatform).includes(zh));
    expect(unattributed.length).toBeGreaterThanOrEqual(LOCK_PLATFORMS.length - 2);
    for (const zh of unattributed) {
      expect(checkLockFile(stack, without(zh), stackJson, hashes)).toEqual([`${stack}: ${AWS} lacks ${zh} (one of the platform packages)`]);
    }
  });

  test('a lock file without the linux_amd64 h1: the local mirror verifies', () => {
    expect(checkLockFile(stack, without(LINUX_H1), stackJson, hashes)).toEqual([`${stack}: ${AWS} lacks the linux_amd64 h1: hash ${LINUX_H1}`]);
  });

  test('a lock file written on one platform only (h1: of the machine, no zh:) lacks every package hash', () => {
    const onePlatform = renderLockFile([{ address: AWS, version: aws.version, constraints: aws.version, hashes: [LINUX_H1] }]);
    const problems = checkLockFile(stack, onePlatform, stackJson, hashes);
    expect(problems).toHaveLength(15);
    expect(problems).toContain(`${stack}: ${AWS} lacks ${LINUX_ZH} (the linux_amd64 package)`);
  });

  test('a lock file at another version or constraint, or without the provider', () => {
    expect(checkLockFile(stack, good.replace(/version {5}= "5\.100\.0"/, 'version     = "5.99.0"'), stackJson, hashes)).toEqual(
      expect.arrayContaining([`${stack}: ${AWS} is locked at 5.99.0, the stack requires 5.100.0`]),
    );
    expect(checkLockFile(stack, good.replace('constraints = "5.100.0"', 'constraints = "~> 5.0"'), stackJson, hashes)).toEqual([
      `${stack}: ${AWS} lock constraints "~> 5.0" differ from the stack's "5.100.0"`,
    ]);
    expect(checkLockFile(stack, '# empty\n', stackJson, hashes)).toEqual([`${stack}: lock file has no entry for ${AWS}`]);
  });

  test('a provider version without committed hashes cannot be rendered offline', () => {
    const newer = { terraform: { required_providers: { aws: { source: 'aws', version: '6.0.0' } } } };
    expect(() => expectedLockFile(newer, hashes)).toThrow(/no committed hashes for registry\.terraform\.io\/hashicorp\/aws 6\.0\.0.*npm run locks/);
    const loose = { terraform: { required_providers: { aws: { source: 'aws', version: '~> 5.0' } } } };
    expect(() => expectedLockFile(loose, hashes)).toThrow(/pin an exact version/);
  });
});

describe('`npm run locks` online: the registry answer against the committed hashes', () => {
  const registry = (version: string, hashes: readonly string[]) => new Map([[AWS, { version, hashes }]]);

  test('the same version and zh: set: the committed record stays, new h1: hashes are added', () => {
    const merged = mergeRegistryHashes(hashes, registry(aws.version, [LINUX_H1, 'h1:new-platform-hash', ...aws.zh]));
    expect(merged.providers[AWS]).toEqual({ ...aws, h1: [...aws.h1, 'h1:new-platform-hash'].sort() });
    expect(mergeRegistryHashes(hashes, registry(aws.version, [LINUX_H1, ...aws.zh]))).toEqual(hashes);
  });

  test('a different zh: set for the same version stops the regeneration', () => {
    expect(() => mergeRegistryHashes(hashes, registry(aws.version, [LINUX_H1, ...aws.zh.slice(1), `zh:${'0'.repeat(64)}`]))).toThrow(/registry's zh: hashes differ/);
  });

  test('a new provider version is recorded from the registry, and its lock files render from it', () => {
    const merged = mergeRegistryHashes(hashes, registry('6.0.0', ['h1:x', 'zh:b', 'zh:a']));
    expect(merged.providers[AWS]).toMatchObject({ version: '6.0.0', h1: ['h1:x'], zh: ['zh:a', 'zh:b'], zhByPlatform: {} });
    const text = expectedLockFile({ terraform: { required_providers: { aws: { source: 'aws', version: '6.0.0' } } } }, merged);
    expect(parseLockFile(text)).toEqual([{ address: AWS, version: '6.0.0', constraints: '6.0.0', hashes: ['h1:x', 'zh:a', 'zh:b'] }]);
  });
});

describe('lock file format', () => {
  test('renders like `terraform providers lock` (sorted, aligned) and parses back', () => {
    const text = renderLockFile([{ address: AWS, version: '1.2.3', constraints: '1.2.3', hashes: ['zh:bb', 'h1:b', 'zh:aa', 'h1:a', 'h1:a'] }]);
    expect(text).toContain(['provider "registry.terraform.io/hashicorp/aws" {', '  version     = "1.2.3"', '  constraints = "1.2.3"', '  hashes = [', '    "h1:a",', '    "h1:b",', '    "zh:aa",', '    "zh:bb",', '  ]', '}'].join('\n'));
    expect(parseLockFile(text)).toEqual([{ address: AWS, version: '1.2.3', constraints: '1.2.3', hashes: ['h1:a', 'h1:b', 'zh:aa', 'zh:bb'] }]);
  });

  test('provider addresses and pinned versions', () => {
    expect(providerAddress('aws')).toBe(AWS);
    expect(providerAddress('hashicorp/aws')).toBe(AWS);
    expect(providerAddress('example.com/acme/thing')).toBe('example.com/acme/thing');
    expect(pinnedVersion('5.100.0')).toBe('5.100.0');
    expect(pinnedVersion('= 5.100.0')).toBe('5.100.0');
    expect(pinnedVersion('~> 5.0')).toBeUndefined();
  });
});

describe('the synth copies the lock file into the stack folders', () => {
  test('every synthesized stack folder holds the committed lock file, byte for byte', () => {
    for (const stack of stacks) {
      expect(readFileSync(path.join(outdir, 'stacks', stack, '.terraform.lock.hcl'), 'utf8')).toBe(readFileSync(lockFilePath(), 'utf8'));
    }
    expect(stderr.join('')).not.toMatch(/no provider lock file/);
  });

  test('without the lock file every stack is reported and gets none', () => {
    const copy = mkdtempSync(path.join(os.tmpdir(), 'locks-copy-'));
    writeFileSync(path.join(copy, 'manifest.json'), readFileSync(path.join(outdir, 'manifest.json')));
    for (const stack of stacks) mkdirSync(path.join(copy, 'stacks', stack), { recursive: true });
    expect(copyLockFiles(copy, mkdtempSync(path.join(os.tmpdir(), 'locks-none-')))).toEqual(stacks);
    expect(existsSync(path.join(copy, 'stacks', stacks[0], '.terraform.lock.hcl'))).toBe(false);
  });

  test('a configuration of your own (INFRA_CONFIG) with other stacks gets the same lock file in every stack', () => {
    const own = path.join(mkdtempSync(path.join(os.tmpdir(), 'locks-own-')), 'own.yaml');
    const yaml = readFileSync(path.join(__dirname, '..', 'config', 'environments.yaml'), 'utf8').replace(/^(\s+)web:$/m, '$1shop:');
    expect(yaml).toMatch(/^\s+shop:$/m);
    writeFileSync(own, yaml);
    const ownOut = path.join(path.dirname(own), 'out');
    const messages: string[] = [];
    expect(runSynth({ ...process.env, CDKTF_OUTDIR: ownOut, INFRA_CONFIG: own, ENVIRONMENTS: 'dev' }, { write: (t: string) => messages.push(t) })).toBe(0);
    expect(messages.join('')).not.toMatch(/no provider lock file/);
    const ownStacks = readManifest(ownOut).map((s) => s.name);
    expect(ownStacks).toContain('dev-shop');
    for (const stack of ownStacks) {
      expect(readFileSync(path.join(ownOut, 'stacks', stack, '.terraform.lock.hcl'), 'utf8')).toBe(readFileSync(lockFilePath(), 'utf8'));
    }
  });
});

/**
 * The lock file with real Terraform: its linux_amd64 h1: is what Terraform computes for
 * the provider package it installs, `init -lockfile=readonly` passes with it, and fails
 * when the lock file does not vouch for the package (provider drift fails loudly).
 */
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { runSynth } from '../main';
import { lockFilePath, parseLockFile, providerRequirements, readHashes, readStackJson } from '../lib/terraform/locks';
import { planStacksOffline, terraformEnv } from '../lib/terraform/offline';
import { describeWithTerraform } from './helpers/terraform';

jest.setTimeout(300_000);

const STACK = 'dev-network';
const AWS = 'registry.terraform.io/hashicorp/aws';

describeWithTerraform('provider lock files with Terraform', () => {
  let outdir: string;

  beforeAll(() => {
    outdir = path.join(mkdtempSync(path.join(os.tmpdir(), 'locks-tf-')), 'out');
    expect(runSynth({ ...process.env, CDKTF_OUTDIR: outdir, INFRA_CONFIG: '', ENVIRONMENTS: '' }, { write: () => true })).toBe(0);
  });

  test('the linux_amd64 h1: in every lock file is the one Terraform computes for the package it installs', () => {
    // From the local mirror when there is one (offline CI), else from the registry.
    const dir = mkdtempSync(path.join(os.tmpdir(), 'locks-h1-'));
    const required = Object.fromEntries(providerRequirements(readStackJson(outdir, STACK)).map((r, i) => [`p${i}`, { source: r.address, version: r.constraint }]));
    writeFileSync(path.join(dir, 'main.tf.json'), JSON.stringify({ terraform: { required_providers: required } }));
    const mirror = process.env.TF_PLUGIN_MIRROR;
    const args = ['providers', 'lock', '-platform=linux_amd64', ...(mirror ? [`-fs-mirror=${path.resolve(mirror)}`] : [])];
    const result = spawnSync('terraform', args, { cwd: dir, encoding: 'utf8', env: terraformEnv() });
    expect({ status: result.status, stderr: result.status === 0 ? '' : result.stderr }).toEqual({ status: 0, stderr: '' });
    const computed = parseLockFile(readFileSync(path.join(dir, '.terraform.lock.hcl'), 'utf8')).find((p) => p.address === AWS)!;
    const h1 = computed.hashes.filter((h) => h.startsWith('h1:'));
    expect(h1).toHaveLength(1);
    expect(readHashes().providers[AWS].h1ByPlatform.linux_amd64).toBe(h1[0]);
    for (const stack of readdirStacks(outdir)) {
      const locked = parseLockFile(readFileSync(lockFilePath(), 'utf8')).find((p) => p.address === AWS)!;
      expect({ stack, version: locked.version, has: locked.hashes.includes(h1[0]) }).toEqual({ stack, version: computed.version, has: true });
    }
  });

  test('init -lockfile=readonly passes with the committed lock file, and fails when it does not vouch for the package', async () => {
    const [ok] = await planStacksOffline(outdir, [STACK], { plan: false });
    expect(ok.steps[0].command).toContain('-lockfile=readonly');
    expect({ ok: ok.ok, failed: ok.failedStep, out: ok.ok ? '' : ok.steps.at(-1)?.stderr }).toEqual({ ok: true, failed: undefined, out: '' });

    // A lock file from another provider build: no hash matches what the mirror installs.
    const tampered = path.join(mkdtempSync(path.join(os.tmpdir(), 'locks-tampered-')), 'out');
    cpSync(outdir, tampered, { recursive: true });
    const lock = path.join(tampered, 'stacks', STACK, '.terraform.lock.hcl');
    const text = readFileSync(lock, 'utf8').replace(/"(h1|zh):[^"]+",\n/g, '').replace('hashes = [\n', `hashes = [\n    "h1:${'A'.repeat(43)}=",\n`);
    writeFileSync(lock, text);
    const [bad] = await planStacksOffline(tampered, [STACK], { plan: false });
    expect(bad.ok).toBe(false);
    expect(bad.failedStep).toBe('init');
    expect(bad.steps[0].stderr.replace(/\s+/g, ' ')).toMatch(/doesn't match any of the checksums previously recorded in the dependency lock file/);
  });
});

function readdirStacks(outdir: string): string[] {
  return Object.keys(JSON.parse(readFileSync(path.join(outdir, 'manifest.json'), 'utf8')).stacks);
}

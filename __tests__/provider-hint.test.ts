/**
 * Without a way to get the hashicorp/aws provider, every Terraform-running command says how to
 * point Terraform at a mirror: the hint's detection, where Terraform finds a mirror by itself,
 * and `npm run plan` with a `terraform` on the PATH that fails the way an offline init does.
 * (provider-hint.tf.test.ts does the same with the real Terraform.)
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { impliedMirrorDirs, isProviderFailure, PROVIDER_HINT, providerSource, withProviderHint } from '../lib/terraform/provider-hint';
import { synthDefault } from './helpers/synth';

const ROOT = path.resolve(__dirname, '..');

/** What `terraform init` prints without registry access (Terraform 1.11). */
const OFFLINE_INIT = [
  'Initializing provider plugins...',
  '- Finding hashicorp/aws versions matching "5.100.0"...',
  '╷',
  '│ Error: Failed to query available provider packages',
  '│ ',
  '│ Could not retrieve the list of available versions for provider hashicorp/aws: could not connect to registry.terraform.io: failed to request discovery document: Get "https://registry.terraform.io/.well-known/terraform.json": dial tcp: lookup registry.terraform.io on 127.0.0.53:53: no such host',
  '╵',
].join('\n');

describe('the provider hint', () => {
  test('is added to the output of an init that could not get the provider, once', () => {
    expect(isProviderFailure(OFFLINE_INIT)).toBe(true);
    const hinted = withProviderHint(OFFLINE_INIT);
    expect(hinted).toContain(PROVIDER_HINT);
    expect(withProviderHint(hinted)).toBe(hinted);
    for (const text of ['TF_PLUGIN_MIRROR', 'TF_CLI_CONFIG_FILE=docs/examples/terraformrc.offline', '~/.terraform.d/plugins', 'docs/workflows.md']) expect(PROVIDER_HINT).toContain(text);
  });

  test('is not added to other failures', () => {
    const other = 'Error: Reference to undeclared resource';
    expect(withProviderHint(other)).toBe(other);
  });
});

describe('where Terraform gets the provider from', () => {
  const home = () => mkdtempSync(path.join(os.tmpdir(), 'home-'));
  const bare = { PATH: process.env.PATH };

  test('TF_PLUGIN_MIRROR, an existing TF_CLI_CONFIG_FILE or ~/.terraformrc decide first', () => {
    const h = home();
    expect(providerSource({ ...bare, TF_PLUGIN_MIRROR: '/somewhere' }, h)).toBe('mirror');
    const rc = path.join(h, 'offline.tfrc');
    writeFileSync(rc, '');
    expect(providerSource({ ...bare, TF_CLI_CONFIG_FILE: rc }, h)).toBe('cli-config');
    expect(providerSource({ ...bare, TF_CLI_CONFIG_FILE: path.join(h, 'missing.tfrc') }, h)).toBe('registry');
    writeFileSync(path.join(h, '.terraformrc'), '');
    expect(providerSource(bare, h)).toBe('cli-config');
  });

  test.each([
    ['~/.terraform.d/plugins', (h: string) => path.join(h, '.terraform.d', 'plugins'), {}],
    ['~/.local/share/terraform/plugins', (h: string) => path.join(h, '.local', 'share', 'terraform', 'plugins'), {}],
    ['$XDG_DATA_HOME/terraform/plugins', (h: string) => path.join(h, 'data', 'terraform', 'plugins'), { XDG_DATA_HOME: 'data' }],
    ['a $XDG_DATA_DIRS entry', (h: string) => path.join(h, 'shared', 'terraform', 'plugins'), { XDG_DATA_DIRS: 'shared' }],
  ])('an implied mirror directory holding hashicorp/aws: %s', (_name, dir, extra) => {
    const h = home();
    const env: NodeJS.ProcessEnv = { ...bare, ...Object.fromEntries(Object.entries(extra).map(([k, v]) => [k, path.join(h, v as string)])) };
    expect(providerSource(env, h)).toBe('registry');
    expect(impliedMirrorDirs(env, h)).toContain(dir(h));
    mkdirSync(path.join(dir(h), 'registry.terraform.io', 'hashicorp', 'aws'), { recursive: true });
    expect(providerSource(env, h)).toBe('mirror');
  });

  test('the defaults of the system-wide folders', () => {
    expect(impliedMirrorDirs({}, '/home/u')).toEqual(expect.arrayContaining(['/usr/local/share/terraform/plugins', '/usr/share/terraform/plugins']));
  });
});

describe('`npm run plan` when terraform init cannot get the provider', () => {
  test('passes init\'s error on and adds the hint', () => {
    const bin = mkdtempSync(path.join(os.tmpdir(), 'fake-terraform-'));
    const fake = path.join(bin, 'terraform');
    writeFileSync(fake, `#!/bin/sh\ncat >&2 <<'EOF'\n${OFFLINE_INIT}\nEOF\nexit 1\n`);
    chmodSync(fake, 0o755);
    const result = spawnSync(process.execPath, ['scripts/run.cjs', 'scripts/terraform-run.ts', 'plan', 'dev-network', '--skip-synth'], {
      cwd: ROOT,
      encoding: 'utf8',
      env: { ...process.env, PATH: `${bin}${path.delimiter}${process.env.PATH}`, CDKTF_OUTDIR: synthDefault().outdir },
    });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('could not connect to registry.terraform.io');
    expect(result.stderr).toContain('dev-network: terraform init failed; stopping.');
    expect(result.stderr).toContain(PROVIDER_HINT);
  });
});

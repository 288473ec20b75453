/**
 * The documented offline path (README "Offline", docs/workflows.md "Offline"), with the real
 * Terraform and cdktf CLI:
 *  - Terraform accepts docs/examples/terraformrc.offline (its mirror path set to this
 *    machine's mirror) and, after `npm run plan:offline -- --write-override`, plain
 *    `terraform init -lockfile=readonly && terraform plan` and
 *    `cdktf diff --skip-synth --skip-provider-lock` plan synthesized stacks with it, without
 *    the checkpoint error CHECKPOINT_DISABLE=1 prevents;
 *  - without the provider (a CLI configuration whose mirror is empty), `npm run plan:offline`
 *    fails with the hint that says how to point Terraform at a mirror.
 */
import { spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { OVERRIDE_FILE } from '../lib/terraform/offline';
import { hasAwsProvider, OFFLINE_CLI_CONFIG, PROVIDER_HINT } from '../lib/terraform/provider-hint';
import { synthDefault } from './helpers/synth';
import { describeWithTerraform } from './helpers/terraform';

jest.setTimeout(600_000);

const ROOT = path.resolve(__dirname, '..');

interface Ran {
  code: number;
  output: string;
}

function run(command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv): Promise<Ran> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { cwd, env });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    child.on('close', (code) => resolve({ code: code ?? 1, output }));
  });
}

/** The environment a user has: no mirror variable of the test harness, no Terraform data dir. */
function userEnv(extra: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, ...extra };
  for (const name of ['TF_PLUGIN_MIRROR', 'TF_DATA_DIR', 'TF_PLUGIN_CACHE_DIR', 'TF_CLI_ARGS']) delete env[name];
  return env;
}

const shipped = readFileSync(path.join(ROOT, OFFLINE_CLI_CONFIG), 'utf8');
const shippedPath = /^\s*path\s*=\s*"([^"]+)"/m.exec(shipped)?.[1] ?? '';
const mirror = process.env.TF_PLUGIN_MIRROR ? path.resolve(process.env.TF_PLUGIN_MIRROR) : shippedPath;

describeWithTerraform('the documented offline path', () => {
  (hasAwsProvider(mirror) ? test : test.skip)('terraform plan and cdktf diff of synthesized stacks, with the sample CLI configuration', async () => {
    const work = mkdtempSync(path.join(os.tmpdir(), 'offline-docs-'));
    const outdir = path.join(work, 'cdktf.out');
    cpSync(synthDefault().outdir, outdir, { recursive: true });
    const rc = path.join(work, 'terraformrc.offline');
    writeFileSync(rc, shipped.replace(`"${shippedPath}"`, JSON.stringify(mirror)));
    const env = userEnv({ TF_CLI_CONFIG_FILE: rc, CHECKPOINT_DISABLE: '1', CDKTF_OUTDIR: outdir });

    const write = await run(process.execPath, ['scripts/run.cjs', 'scripts/plan-offline.ts', '--write-override', 'dev-network', 'dev-platform'], ROOT, env);
    expect(write).toMatchObject({ code: 0 });
    expect(write.output).toContain(`export TF_CLI_CONFIG_FILE=$PWD/${OFFLINE_CLI_CONFIG} CHECKPOINT_DISABLE=1`);
    for (const stack of ['dev-network', 'dev-platform']) expect(existsSync(path.join(outdir, 'stacks', stack, OVERRIDE_FILE))).toBe(true);

    const stackDir = path.join(outdir, 'stacks', 'dev-network');
    const init = await run('terraform', ['init', '-lockfile=readonly', '-input=false', '-no-color'], stackDir, env);
    expect({ code: init.code, output: init.code === 0 ? '' : init.output }).toEqual({ code: 0, output: '' });
    const plan = await run('terraform', ['plan', '-input=false', '-no-color'], stackDir, env);
    expect({ code: plan.code, output: plan.code === 0 ? '' : plan.output }).toEqual({ code: 0, output: '' });
    expect(plan.output).toMatch(/Plan: \d+ to add, 0 to change, 0 to destroy/);

    // dev-platform reads dev-network's outputs: the override feeds it placeholders.
    const diff = await run('npx', ['cdktf', 'diff', 'dev-platform', '--skip-synth', '--skip-provider-lock', '--no-color', '--output', outdir], ROOT, env);
    expect({ code: diff.code, output: diff.code === 0 ? '' : diff.output }).toEqual({ code: 0, output: '' });
    expect(diff.output).toMatch(/Plan: \d+ to add, 0 to change, 0 to destroy/);
    expect(diff.output).not.toContain('checkpoint-api.hashicorp.com');
  });

  test('without the provider, npm run plan:offline fails with the hint naming TF_PLUGIN_MIRROR and the sample CLI configuration', async () => {
    const work = mkdtempSync(path.join(os.tmpdir(), 'offline-hint-'));
    const empty = path.join(work, 'empty-mirror');
    mkdirSync(empty);
    const rc = path.join(work, 'empty.tfrc');
    writeFileSync(rc, `provider_installation {\n  filesystem_mirror {\n    path = ${JSON.stringify(empty)}\n  }\n}\n`);
    const env = userEnv({ TF_CLI_CONFIG_FILE: rc, CDKTF_OUTDIR: synthDefault().outdir });
    const result = await run(process.execPath, ['scripts/run.cjs', 'scripts/plan-offline.ts', 'dev-network'], ROOT, env);
    expect(result.code).toBe(1);
    expect(result.output).toContain('dev-network: terraform init failed');
    expect(result.output).toContain(PROVIDER_HINT);
  });
});

/**
 * One commit, one plan, whichever tool runs it:
 *  - `npm run synth`, `npx cdktf synth` and the app under tsx (`DEBUG=1 npm run synth`) write
 *    byte-identical stacks (and lock files): the cached bundle of scripts/run.cjs changes nothing;
 *  - `npx cdktf diff <stack>` and plain Terraform (`npm run plan -- <stack>`: init with the
 *    lock file read-only, plan to a file) propose the same actions on the same addresses.
 * Offline: the test supplies the provider mirror (TF_CLI_CONFIG_FILE), a local backend and
 * dummy AWS credentials through an override file in each synthesized stack folder; the
 * product knows nothing about them. dev-network reads no other stack's state.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { readManifest } from '../lib/atlantis/manifest';
import { terraformEnv } from '../lib/terraform/offline';
import { describeWithTerraform } from './helpers/terraform';

jest.setTimeout(600_000);

const ROOT = path.resolve(__dirname, '..');
const STACK = 'dev-network';

interface Ran {
  code: number;
  stdout: string;
  stderr: string;
}

function run(command: string, args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): Promise<Ran> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { cwd: options.cwd ?? ROOT, env: options.env ?? terraformEnv() });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (code) => resolve({ code: code ?? 1, stdout, stderr }));
  });
}

function expectOk(what: string, result: Ran): void {
  expect({ what, code: result.code, output: result.code === 0 ? '' : `${result.stdout}\n${result.stderr}` }).toEqual({ what, code: 0, output: '' });
}

/** The offline override a test (never the product) drops into a synthesized stack folder. */
function writeOfflineOverride(stackDir: string): void {
  const override = {
    terraform: { backend: { local: { path: path.join(stackDir, 'test.tfstate') } } },
    provider: {
      aws: {
        access_key: 'offline-dummy',
        secret_key: 'offline-dummy',
        skip_credentials_validation: true,
        skip_requesting_account_id: true,
        skip_metadata_api_check: true,
        skip_region_validation: true,
      },
    },
  };
  writeFileSync(path.join(stackDir, 'zz_test_override.tf.json'), JSON.stringify(override, null, 2));
}

/**
 * The changes a plan output lists, as "<address> <action>": Terraform prints
 * "# <address> will be created"; cdktf diff prints the same lines with the construct path
 * added, "# <address> (<construct path>) will be created".
 */
function printedChanges(output: string): string[] {
  const verbs: Record<string, string> = {
    'will be created': 'create',
    'will be destroyed': 'delete',
    'will be updated in-place': 'update',
    'must be replaced': 'replace',
    'will be read during apply': 'read',
  };
  const re = /# (\S+)(?: \([^)]*\))? (will be created|will be destroyed|will be updated in-place|must be replaced|will be read during apply)/g;
  return [...output.matchAll(re)].map((m) => `${m[1]} ${verbs[m[2]]}`).sort();
}

describeWithTerraform('cdktf CLI and plain Terraform give the same result', () => {
  let npmOut: string;
  let cliOut: string;
  let tsxOut: string;
  let diff: Ran;
  let planRun: Ran;

  beforeAll(async () => {
    const work = mkdtempSync(path.join(os.tmpdir(), 'parity-'));
    npmOut = path.join(work, 'npm.out');
    cliOut = path.join(work, 'cli.out');
    tsxOut = path.join(work, 'tsx.out');
    const env = { ...terraformEnv(), INFRA_CONFIG: '', ENVIRONMENTS: '', DEBUG: '' };
    const [npmSynth, cliSynth, tsxSynth] = await Promise.all([
      run('npm', ['run', '--silent', 'synth'], { env: { ...env, CDKTF_OUTDIR: npmOut } }),
      run('npx', ['cdktf', 'synth', '--output', cliOut], { env }),
      run('npm', ['run', '--silent', 'synth'], { env: { ...env, CDKTF_OUTDIR: tsxOut, DEBUG: '1' } }),
    ]);
    expectOk('npm run synth', npmSynth);
    expectOk('npx cdktf synth', cliSynth);
    expectOk('DEBUG=1 npm run synth', tsxSynth);

    writeOfflineOverride(path.join(cliOut, 'stacks', STACK));
    writeOfflineOverride(path.join(npmOut, 'stacks', STACK));
    [diff, planRun] = await Promise.all([
      run('npx', ['cdktf', 'diff', STACK, '--skip-synth', '--skip-provider-lock', '--no-color', '--output', cliOut], { env }),
      run(process.execPath, ['scripts/run.cjs', 'scripts/terraform-run.ts', 'plan', STACK, '--skip-synth', '-no-color'], { env: { ...env, CDKTF_OUTDIR: npmOut } }),
    ]);
  });

  test.each([
    ['`npx cdktf synth`', () => cliOut],
    ['the app under tsx (`DEBUG=1 npm run synth`)', () => tsxOut],
  ])('`npm run synth` and %s write byte-identical stacks and lock files', (_name, other) => {
    const stacks = readManifest(npmOut).map((s) => s.name);
    expect(readManifest(other()).map((s) => s.name)).toEqual(stacks);
    expect(stacks).toContain(STACK);
    for (const stack of stacks) {
      for (const file of ['cdk.tf.json', '.terraform.lock.hcl']) {
        const a = readFileSync(path.join(npmOut, 'stacks', stack, file));
        const b = readFileSync(path.join(other(), 'stacks', stack, file));
        expect({ stack, file, identical: a.equals(b) }).toEqual({ stack, file, identical: true });
      }
    }
  });

  test('`npm run plan -- <stack>` inits with the lock file read-only and saves the plan', () => {
    expectOk('npm run plan', planRun);
    expect(planRun.stdout).toContain('terraform init -input=false -lockfile=readonly');
    expect(existsSync(path.join(npmOut, 'stacks', STACK, `${STACK}.tfplan`))).toBe(true);
    // The lock file is the committed one, untouched by init.
    expect(readFileSync(path.join(npmOut, 'stacks', STACK, '.terraform.lock.hcl'), 'utf8')).toBe(readFileSync(path.join(ROOT, 'locks', 'providers.terraform.lock.hcl'), 'utf8'));
  });

  test('`cdktf diff` runs offline and proposes the same changes as plain `terraform plan`', () => {
    expectOk('npx cdktf diff', diff);
    const terraform = printedChanges(planRun.stdout);
    expect(terraform.length).toBeGreaterThan(10);
    expect(printedChanges(diff.stdout)).toEqual(terraform);
    const summary = /Plan: (\d+) to add, (\d+) to change, (\d+) to destroy/;
    expect(summary.exec(diff.stdout)?.slice(1)).toEqual(summary.exec(planRun.stdout)?.slice(1));
    expect(summary.exec(planRun.stdout)?.[1]).toBe(String(terraform.length));
    // cdktf diff saved its plan beside the stack, as `npm run plan` did.
    expect(existsSync(path.join(cliOut, 'stacks', STACK, 'plan'))).toBe(true);
  });
});

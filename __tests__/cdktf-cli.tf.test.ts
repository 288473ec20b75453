/**
 * The real cdktf CLI (cdktf.json's `app`, into a temporary output folder) after a synth with
 * fewer stacks. The CLI lists the stack folders before it runs the app and deletes those of
 * stacks the app no longer synthesizes afterwards: with the app's atomic swap those folders
 * were already gone, and every such run failed with ENOENT. Terraform's working files of
 * the remaining stacks survive the CLI's synth too.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describeWithTerraform } from './helpers/terraform';

jest.setTimeout(300_000);

const root = path.join(__dirname, '..');

describeWithTerraform('the cdktf CLI after a synth that leaves out stacks', () => {
  const work = mkdtempSync(path.join(os.tmpdir(), 'cdktf-cli-'));
  const out = path.join(work, 'cdktf.out');
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  function cdktf(args: string[], env: NodeJS.ProcessEnv = {}): { code: number; output: string } {
    const base = { ...process.env };
    delete base.ENVIRONMENTS;
    delete base.INFRA_CONFIG;
    const result = spawnSync(process.execPath, [require.resolve('cdktf-cli/bundle/bin/cdktf'), ...args, '--output', out], {
      cwd: root,
      env: { ...base, CHECKPOINT_DISABLE: '1', CI: '1', FORCE_COLOR: '0', ...env },
      encoding: 'utf8',
      timeout: 240_000,
    });
    return { code: result.status ?? 1, output: `${result.stdout}\n${result.stderr}` };
  }

  const stacks = () => readdirSync(path.join(out, 'stacks')).sort();

  test('cdktf synth, then cdktf synth and cdktf list with one environment fewer: no ENOENT, the removed folders gone, .terraform/ kept', () => {
    const full = cdktf(['synth']);
    expect(full.output).not.toMatch(/ENOENT/);
    expect(full.code).toBe(0);
    expect(stacks()).toEqual(expect.arrayContaining(['dev-web', 'prod-web']));
    mkdirSync(path.join(out, 'stacks', 'dev-web', '.terraform'));
    writeFileSync(path.join(out, 'stacks', 'dev-web', '.terraform', 'marker'), 'init');

    const fewer = cdktf(['synth'], { ENVIRONMENTS: 'dev' });
    expect(fewer.output).not.toMatch(/ENOENT/);
    expect(fewer.code).toBe(0);
    expect(stacks().filter((s) => s.startsWith('prod-'))).toEqual([]);
    expect(existsSync(path.join(out, 'stacks', 'dev-web', '.terraform', 'marker'))).toBe(true);

    expect(cdktf(['synth']).code).toBe(0);
    const list = cdktf(['list'], { ENVIRONMENTS: 'dev' });
    expect(list.output).not.toMatch(/ENOENT/);
    expect(list.code).toBe(0);
    expect(list.output).toMatch(/dev-web/);
    expect(list.output).not.toMatch(/prod-web/);
    expect(stacks().filter((s) => s.startsWith('prod-'))).toEqual([]);
  });
});

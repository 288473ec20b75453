/**
 * The synth replaces the output folder atomically but keeps what Terraform left in the stack
 * folders, and refuses (nothing changed, exit 1) while state could be lost: an
 * errored.tfstate waiting to be pushed, a held local lock, local state of a removed stack.
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { runSynth } from '../main';
import { synthesizeAtomically, WorkingStateError } from '../lib/synth/atomic';

let root: string;
beforeEach(() => (root = mkdtempSync(path.join(os.tmpdir(), 'atomic-'))));
afterEach(() => rmSync(root, { recursive: true, force: true }));

/** A stand-in for the app: writes a manifest and one cdk.tf.json per stack. */
function fakeSynth(stacks: string[], marker = 'new') {
  return (dir: string) => {
    for (const stack of stacks) {
      mkdirSync(path.join(dir, 'stacks', stack), { recursive: true });
      writeFileSync(path.join(dir, 'stacks', stack, 'cdk.tf.json'), `{"marker":"${marker}"}`);
      writeFileSync(path.join(dir, 'stacks', stack, '.terraform.lock.hcl'), `# ${marker}`);
    }
    writeFileSync(path.join(dir, 'manifest.json'), JSON.stringify({ stacks: Object.fromEntries(stacks.map((s) => [s, {}])) }));
  };
}

function write(file: string, text = 'x'): void {
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, text);
}

/** Every file under `dir`, relative, with its content: to prove nothing changed. */
function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else out[path.relative(dir, p)] = readFileSync(p, 'utf8');
    }
  };
  walk(dir);
  return out;
}

describe('Terraform working files survive a synth', () => {
  test('.terraform/, saved plans and local state move into the new stack folders; the lock file and cdk.tf.json are the new ones', () => {
    const out = path.join(root, 'cdktf.out');
    synthesizeAtomically(out, fakeSynth(['dev-network', 'dev-web'], 'old'));
    const web = path.join(out, 'stacks', 'dev-web');
    write(path.join(web, '.terraform', 'providers', 'registry.terraform.io', 'hashicorp', 'aws', 'binary'), 'provider');
    write(path.join(web, '.terraform', 'terraform.tfstate'), 'backend settings');
    write(path.join(web, 'dev-web.tfplan'), 'saved plan');
    write(path.join(web, 'plan'), 'cdktf plan');
    write(path.join(out, 'stacks', 'dev-network', 'terraform.tfstate'), 'local state');
    write(path.join(web, 'stray.txt'), 'not terraform');

    synthesizeAtomically(out, fakeSynth(['dev-network', 'dev-web'], 'new'));

    expect(readFileSync(path.join(web, '.terraform', 'providers', 'registry.terraform.io', 'hashicorp', 'aws', 'binary'), 'utf8')).toBe('provider');
    expect(readFileSync(path.join(web, '.terraform', 'terraform.tfstate'), 'utf8')).toBe('backend settings');
    expect(readFileSync(path.join(web, 'dev-web.tfplan'), 'utf8')).toBe('saved plan');
    expect(readFileSync(path.join(web, 'plan'), 'utf8')).toBe('cdktf plan');
    expect(readFileSync(path.join(out, 'stacks', 'dev-network', 'terraform.tfstate'), 'utf8')).toBe('local state');
    expect(readFileSync(path.join(web, 'cdk.tf.json'), 'utf8')).toBe('{"marker":"new"}');
    expect(readFileSync(path.join(web, '.terraform.lock.hcl'), 'utf8')).toBe('# new');
    expect(existsSync(path.join(web, 'stray.txt'))).toBe(false);
    // No temporary siblings left behind.
    expect(readdirSync(root)).toEqual(['cdktf.out']);
  });

  test('the folder of a removed stack goes away, or stays empty for the cdktf CLI to delete', () => {
    const out = path.join(root, 'cdktf.out');
    synthesizeAtomically(out, fakeSynth(['dev-web', 'prod-web']));
    write(path.join(out, 'stacks', 'prod-web', '.terraform', 'x'));
    synthesizeAtomically(out, fakeSynth(['dev-web']));
    expect(readdirSync(path.join(out, 'stacks'))).toEqual(['dev-web']);

    synthesizeAtomically(out, fakeSynth(['dev-web', 'prod-web']));
    synthesizeAtomically(out, fakeSynth(['dev-web']), { keepRemovedStackFolders: true });
    expect(readdirSync(path.join(out, 'stacks')).sort()).toEqual(['dev-web', 'prod-web']);
    expect(readdirSync(path.join(out, 'stacks', 'prod-web'))).toEqual([]);
  });
});

describe('a synth that could lose state is refused, and nothing changes', () => {
  function refusal(out: string, stacks: string[]): WorkingStateError {
    const before = snapshot(out);
    let caught: unknown;
    try {
      synthesizeAtomically(out, fakeSynth(stacks, 'refused'));
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(WorkingStateError);
    expect(snapshot(out)).toEqual(before);
    expect(readdirSync(root)).toEqual(['cdktf.out']);
    return caught as WorkingStateError;
  }

  test('errored.tfstate in any stack folder: the recovery steps, for every such folder', () => {
    const out = path.join(root, 'cdktf.out');
    synthesizeAtomically(out, fakeSynth(['dev-network', 'dev-web', 'prod-web']));
    write(path.join(out, 'stacks', 'dev-web', 'errored.tfstate'), '{"version":4}');
    write(path.join(out, 'stacks', 'prod-web', 'errored.tfstate'), '{"version":4}');
    const error = refusal(out, ['dev-network', 'dev-web', 'prod-web']);
    expect(error.problems).toHaveLength(2);
    expect(error.message).toMatch(/stacks\/dev-web\/errored\.tfstate: Terraform could not save the state of dev-web to its backend; this file is the only copy/);
    expect(error.message).toMatch(/cd .*cdktf\.out\/stacks\/dev-web\n {4}terraform state push errored\.tfstate\n {4}rm errored\.tfstate/);
    expect(error.message).toMatch(/stacks\/prod-web\/errored\.tfstate/);
  });

  test('a held local state lock', () => {
    const out = path.join(root, 'cdktf.out');
    synthesizeAtomically(out, fakeSynth(['terraform-state']));
    write(path.join(out, 'stacks', 'terraform-state', '.terraform.tfstate.lock.info'), '{}');
    expect(refusal(out, ['terraform-state']).message).toMatch(/holds the local state lock of terraform-state/);
  });

  test('a stack no longer synthesized whose folder holds local state', () => {
    const out = path.join(root, 'cdktf.out');
    synthesizeAtomically(out, fakeSynth(['dev-web', 'dev-old']));
    write(path.join(out, 'stacks', 'dev-old', 'terraform.tfstate'), '{"version":4}');
    expect(refusal(out, ['dev-web']).message).toMatch(/the stack dev-old is no longer synthesized, but its folder holds Terraform state/);
  });

  test('npm run synth: exit 1 with the recovery steps, the output folder untouched', () => {
    const out = path.join(root, 'cdktf.out');
    synthesizeAtomically(out, fakeSynth(['dev-web']));
    write(path.join(out, 'stacks', 'dev-web', 'errored.tfstate'), '{"version":4}');
    const before = snapshot(out);
    let stderr = '';
    const code = runSynth({ CDKTF_OUTDIR: out }, { write: (t: string) => (stderr += t) });
    expect(code).toBe(1);
    expect(stderr).toMatch(/errored\.tfstate: Terraform could not save the state of dev-web/);
    expect(stderr).toMatch(/terraform state push errored\.tfstate/);
    expect(stderr).toMatch(/Nothing was written; .*cdktf\.out is unchanged\./);
    expect(stderr).not.toMatch(/\n\s+at /);
    expect(snapshot(out)).toEqual(before);
  });
});

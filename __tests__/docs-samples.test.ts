/**
 * Every sample output in README.md and docs/*.md is the real output: a code block preceded
 * by `<!-- sample: <id> -->` is compared with what the command behind <id> prints now. A
 * sample may be an excerpt: it must appear in the real output as a run of lines, where a
 * line ending in `...` stands for the rest of that line and any lines after it. Paths of
 * temporary folders read as the user's (`cdktf.out`, `config/environments.yaml`) and a
 * duration as `0.9 s`.
 *
 * One real `npm run synth` (for its summary line); everything else reads the default synth
 * made once for all test files, or a hand-edited copy of it.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { runSynth } from '../main';
import { runCost } from '../lib/cost/cli';
import { runPreflight } from '../lib/preflight/cli';
import { readSynthesized } from '../lib/preflight/read-synth';
import { checkGuardrails, formatViolations } from '../modules/guardrails';
import { BackendCheck, describeBackendProblem, stackBackends } from '../lib/state/backend';
import { describeLock } from '../lib/state/lock';
import { DEFAULT_CONFIG_PATH } from '../config/load';
import { configFrom, defaultConfigData, synthConfig, synthDefault } from './helpers/synth';

const ROOT = path.resolve(__dirname, '..');
const MARKER = /<!-- sample: (.+?) -->\s*\n```[a-z]*\n([\s\S]*?)\n```/g;

interface Sample {
  readonly file: string;
  readonly id: string;
  readonly text: string;
}

function samplesIn(file: string): Sample[] {
  const text = readFileSync(path.join(ROOT, file), 'utf8');
  return [...text.matchAll(MARKER)].map((m) => ({ file, id: m[1].trim(), text: m[2] }));
}

const DOCS = ['README.md', ...readdirSync(path.join(ROOT, 'docs')).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`)];
const SAMPLES = DOCS.flatMap(samplesIn);

/** A copy of the default synth, changed by `edit(stackName, stackJson)` in place. */
function editedCopy(edit: (stack: string, json: Record<string, any>) => void): string { // eslint-disable-line @typescript-eslint/no-explicit-any
  const outdir = path.join(mkdtempSync(path.join(os.tmpdir(), 'docs-sample-')), 'cdktf.out');
  cpSync(synthDefault().outdir, outdir, { recursive: true });
  for (const stack of synthDefault().stackNames()) {
    const file = path.join(outdir, 'stacks', stack, 'cdk.tf.json');
    const json = JSON.parse(readFileSync(file, 'utf8'));
    edit(stack, json);
    writeFileSync(file, JSON.stringify(json));
  }
  return outdir;
}

function capture(run: (out: { write(t: string): boolean }, err: { write(t: string): boolean }) => unknown): string {
  let text = '';
  const sink = { write: (t: string) => ((text += t), true) };
  run(sink, sink);
  return text;
}

/** The real output behind each sample id, with temporary paths read as the user's. */
const PRODUCERS: Record<string, () => { output: string; paths: string[]; json?: unknown }> = {
  'npm run synth': () => {
    const outdir = path.join(mkdtempSync(path.join(os.tmpdir(), 'docs-synth-')), 'cdktf.out');
    const result = spawnSync(process.execPath, ['scripts/run.cjs', 'main.ts'], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, CDKTF_OUTDIR: outdir, INFRA_CONFIG: '', ENVIRONMENTS: '', DEBUG: '' } });
    return { output: `${result.stdout}${result.stderr}`, paths: [outdir] };
  },
  'config error': () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'docs-config-'));
    const file = path.join(dir, 'environments.yaml');
    const yaml = readFileSync(DEFAULT_CONFIG_PATH, 'utf8').replace(/(prod:[\s\S]*?\n(\s+)cidr: )10\.20\.0\.0\/16/, '$1"10.20.0.0/33"\n$2cidrr: 10.20.0.0/16');
    writeFileSync(file, yaml);
    const outdir = path.join(dir, 'cdktf.out');
    return { output: capture((_out, err) => runSynth({ ...process.env, INFRA_CONFIG: file, CDKTF_OUTDIR: outdir, ENVIRONMENTS: '' }, err)), paths: [outdir, file] };
  },
  'npm run cost': () => {
    const outdir = synthDefault().outdir;
    return { output: capture((out, err) => runCost([], { CDKTF_OUTDIR: outdir }, out, err)), paths: [outdir] };
  },
  'npm run preflight': () => {
    const outdir = synthDefault().outdir;
    return { output: capture((out, err) => runPreflight([], { CDKTF_OUTDIR: outdir }, out, err)), paths: [outdir] };
  },
  'npm run preflight (ECR API private DNS off, logs endpoint removed in dev)': () => {
    const outdir = editedCopy((stack, json) => {
      if (stack !== 'dev-network') return;
      const endpoints = json.resource.aws_vpc_endpoint as Record<string, { service_name: string; private_dns_enabled?: boolean }>;
      for (const [name, endpoint] of Object.entries(endpoints)) {
        if (endpoint.service_name.endsWith('.ecr.api')) endpoint.private_dns_enabled = false;
        if (endpoint.service_name.endsWith('.logs')) delete endpoints[name];
      }
    });
    return { output: capture((out, err) => runPreflight([], { CDKTF_OUTDIR: outdir }, out, err)), paths: [outdir] };
  },
  'synth with a public task IP in dev-web and private DNS off on the prod logs endpoint': () => {
    const outdir = editedCopy((stack, json) => {
      if (stack === 'dev-web') for (const service of Object.values(json.resource.aws_ecs_service) as any[]) service.network_configuration.assign_public_ip = true; // eslint-disable-line @typescript-eslint/no-explicit-any
      if (stack === 'prod-network') {
        for (const endpoint of Object.values(json.resource.aws_vpc_endpoint) as any[]) if (endpoint.service_name.endsWith('.logs')) endpoint.private_dns_enabled = false; // eslint-disable-line @typescript-eslint/no-explicit-any
      }
    });
    return { output: formatViolations(checkGuardrails(readSynthesized(outdir)).violations), paths: [outdir] };
  },
};

/**
 * What `npm run state:check` prints for a backend problem (lib/state/check-cli.ts prints
 * `FAIL <message>`); the detection itself runs against real S3 servers in state-backend.tf.test.ts.
 */
function stateCheckFailure(problem: BackendCheck['problem'], stacks: string[], actualRegion?: string): { output: string; paths: string[] } {
  const backend = stackBackends(synthDefault().outdir).find((b) => b.stack === stacks[0])!;
  const check: BackendCheck = { ok: false, problem, actualRegion, init: { command: 'terraform init', code: 1, stdout: '', stderr: '' } };
  return { output: `FAIL ${describeBackendProblem(backend, check, { configFile: 'config/environments.yaml', stacks })}\n`, paths: [] };
}

PRODUCERS['npm run state:check (no state bucket)'] = () => stateCheckFailure('missing-bucket', ['dev-network']);
PRODUCERS['npm run state:check (state bucket in another region)'] = () => stateCheckFailure('wrong-region', ['dev-network', 'prod-network'], 'eu-west-1');

/** A lock left by a killed apply, as Terraform reports it; found through real S3 in state-lock.tf.test.ts. */
PRODUCERS['npm run state:check (stale lock)'] = () => {
  const backend = stackBackends(synthDefault().outdir).find((b) => b.stack === 'dev-web')!;
  const lock = { ID: '5b0e6c1a-2f4d-4e8b-9a71-0c3d5e7f9a12', Operation: 'OperationTypeApply', Who: 'ci@runner-7', Version: '1.11.4', Created: '2026-11-27 10:00:00.123456 +0000 UTC' };
  const now = new Date(Date.UTC(2026, 10, 27, 13, 12, 30));
  return { output: `FAIL ${describeLock(backend, lock, 'cdktf.out/stacks/dev-web', now)}\n`, paths: [] };
};

/** A JSON sample (an excerpt of a synthesized stack) is compared as data: `{<sample>}`. */
PRODUCERS['the S3 backend of prod-network with a lock table and a state role'] = () => {
  const data = defaultConfigData();
  data.state.lockTable = 'acme-terraform-locks';
  data.environments.prod.stateRoleArn = 'arn:aws:iam::123456789012:role/terraform-state';
  return { output: '', paths: [], json: { backend: synthConfig(configFrom(data)).stack('prod-network').terraform.backend } };
};

/** The output with temporary paths replaced and durations made `0.9 s`. */
function normalize(output: string, paths: readonly string[]): string {
  let text = output;
  for (const p of paths) {
    const user = path.basename(p) === 'cdktf.out' ? 'cdktf.out' : 'config/environments.yaml';
    text = text.split(p).join(user);
  }
  return text.replace(/\b\d+\.\d s\b/g, '0.9 s');
}

/** A regular expression matching the sample as a run of lines of the output. */
export function sampleRegExp(sample: string): RegExp {
  const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const lines = sample.split('\n').map((line) => (line.trimEnd().endsWith('...') ? `${escape(line.trimEnd().slice(0, -3))}[^\\n]*(?:\\n[\\s\\S]*?)?` : `${escape(line.trimEnd())}[ \\t]*`));
  return new RegExp(`(?:^|\\n)${lines.join('\\n')}(?:\\n|$)`);
}

describe('sample outputs in README.md and docs/ are the real output', () => {
  test('the samples are found, each with a known command', () => {
    expect(SAMPLES.map((s) => s.id).sort()).toEqual(expect.arrayContaining(Object.keys(PRODUCERS).sort()));
    for (const sample of SAMPLES) expect({ sample: `${sample.file}: ${sample.id}`, known: sample.id in PRODUCERS }).toEqual({ sample: `${sample.file}: ${sample.id}`, known: true });
  });

  test.each(SAMPLES.map((s) => [`${s.file}: ${s.id}`, s]))('%s', (_name, sample) => {
    const { output, paths, json } = PRODUCERS[(sample as Sample).id]();
    if (json !== undefined) {
      expect(JSON.parse(`{${(sample as Sample).text}}`)).toEqual(json);
      return;
    }
    const real = normalize(output, paths);
    if (!sampleRegExp((sample as Sample).text).test(real)) {
      throw new Error(`The sample in ${(sample as Sample).file} ("${(sample as Sample).id}") is not what the command prints now:\n--- sample\n${(sample as Sample).text}\n--- real output\n${real}`);
    }
  });

  test('an excerpt matches; a changed line does not', () => {
    const output = 'a\nb: one\nc\nd\ne';
    expect(sampleRegExp('b: ...\nd').test(output)).toBe(true);
    expect(sampleRegExp('b: one\nc').test(output)).toBe(true);
    expect(sampleRegExp('b: two\nc').test(output)).toBe(false);
    expect(sampleRegExp('c\ne').test(output)).toBe(false);
  });
});

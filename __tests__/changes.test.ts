/**
 * Change detection (lib/changes): stack fingerprints from the synthesized JSON, what counts
 * as a change, how a producer's output change reaches its consumers, the fingerprint files,
 * `npm run plan -- --changed` arguments, and the preflight/cost lines of the Atlantis report.
 */
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { compareFingerprints, reasonsOf } from '../lib/changes/compare';
import { canonicalJson, fingerprintOutdir, fingerprintStack, StackFingerprint } from '../lib/changes/fingerprint';
import { renderFingerprintFile, staleFingerprintFiles, writeFingerprintFiles } from '../lib/changes/fingerprint-files';
import { configForCheckout } from '../lib/changes/revision-synth';
import { renderChanges, parseChangedArgs } from '../lib/changes/cli';
import { affectedStacks, baseCacheKey, costLine, preflightLine, projectReport } from '../lib/atlantis/project-report';
import { parseArgs } from '../lib/terraform/run-cli';
import { synthDefault } from './helpers/synth';

/** A producer with two outputs (one reads the VPC, one the log group) and a consumer of the first. */
function app(mutate: (net: Record<string, any>, svc: Record<string, any>) => void = () => undefined): Map<string, StackFingerprint> { // eslint-disable-line @typescript-eslint/no-explicit-any
  const net = {
    '//': { metadata: { stackName: 'net' } },
    provider: { aws: [{ region: 'eu-west-1' }] },
    resource: {
      aws_vpc: { vpc: { '//': { metadata: { path: 'net/vpc' } }, cidr_block: '10.0.0.0/16' } },
      aws_subnet: { a: { vpc_id: '${aws_vpc.vpc.id}', cidr_block: '10.0.0.0/24' } },
      aws_cloudwatch_log_group: { logs: { retention_in_days: 30 } },
    },
    output: { subnet: { value: '${aws_subnet.a.id}' }, logs: { value: '${aws_cloudwatch_log_group.logs.name}' } },
  };
  const svc = {
    data: { terraform_remote_state: { 'cross-stack-reference-input-net': { backend: 's3', config: { key: 'dev/net.tfstate' } } } },
    resource: { aws_ecs_service: { s: { network_configuration: { subnets: ['${data.terraform_remote_state.cross-stack-reference-input-net.outputs.subnet}'] } } } },
  };
  mutate(net, svc);
  const fpNet = fingerprintStack('net', net, 'lock', ['net', 'svc'], () => undefined);
  const fpSvc = fingerprintStack('svc', svc, 'lock', ['net', 'svc'], (producer, output) => (producer === 'net' ? fpNet.outputs[output] : undefined));
  return new Map([
    ['net', fpNet],
    ['svc', fpSvc],
  ]);
}

describe('stack fingerprints', () => {
  const base = app();

  test('are stable, and ignore construct metadata and key order', () => {
    expect(app()).toEqual(base);
    const reordered = app((net) => {
      net['//'] = { metadata: { stackName: 'net', stack: 'trace at somewhere.ts:1' } };
      net.resource.aws_vpc.vpc = { cidr_block: '10.0.0.0/16', '//': { metadata: { path: 'elsewhere' } } };
    });
    expect(compareFingerprints(base, reordered)).toEqual([]);
    expect(canonicalJson({ b: 1, a: { '//': 'x', d: [2, { c: 1 }] } })).toBe('{"a":{"d":[2,{"c":1}]},"b":1}');
  });

  test('a change that reaches an output the consumer reads touches the consumer too', () => {
    const changes = compareFingerprints(base, app((net) => (net.resource.aws_vpc.vpc.cidr_block = '10.1.0.0/16')));
    expect(changes).toEqual([
      { stack: 'net', kind: 'changed', reasons: ['Terraform JSON'] },
      { stack: 'svc', kind: 'changed', reasons: ['input net.subnet'] },
    ]);
  });

  test('a change that reaches no output the consumer reads touches the producer alone', () => {
    expect(compareFingerprints(base, app((net) => (net.resource.aws_cloudwatch_log_group.logs.retention_in_days = 90)))).toEqual([
      { stack: 'net', kind: 'changed', reasons: ['Terraform JSON'] },
    ]);
  });

  test("the producer's provider settings reach every output (a region moves everything)", () => {
    const changes = compareFingerprints(base, app((net) => (net.provider.aws[0].region = 'eu-central-1')));
    expect(changes.map((c) => c.stack)).toEqual(['net', 'svc']);
  });

  test('a consumer change, a lock file change, new and removed stacks', () => {
    expect(compareFingerprints(base, app((_net, svc) => (svc.resource.aws_ecs_service.s.desired_count = 2)))).toEqual([{ stack: 'svc', kind: 'changed', reasons: ['Terraform JSON'] }]);
    const relocked = new Map(base);
    relocked.set('svc', fingerprintStack('svc', {}, 'other lock', [], () => undefined));
    expect(reasonsOf(base.get('svc')!, relocked.get('svc')!)).toEqual(expect.arrayContaining(['provider lock file']));
    const grown = new Map([...base, ['new', fingerprintStack('new', {}, undefined, [], () => undefined)]]);
    expect(compareFingerprints(base, grown)).toEqual([{ stack: 'new', kind: 'added', reasons: ['new stack'] }]);
    expect(compareFingerprints(grown, base)).toEqual([{ stack: 'new', kind: 'removed', reasons: ['stack removed'] }]);
  });

  test("a local backend's path (relative to the output folder) is not a change", () => {
    const at = (p: string) => fingerprintStack('s', { terraform: { backend: { local: { path: p } } } }, undefined, [], () => undefined);
    expect(at('../../../terraform-state/terraform.tfstate').digest).toBe(at('../../../../tmp/x/terraform-state/terraform.tfstate').digest);
  });
});

describe('the default configuration', () => {
  const synth = synthDefault();

  test('every stack has a fingerprint; services read their network and platform outputs', () => {
    const fps = fingerprintOutdir(synth.outdir);
    expect([...fps.keys()].sort()).toEqual(synth.stackNames().sort());
    const inputs = Object.keys(fps.get('dev-web')!.inputs);
    expect(inputs.some((i) => i.startsWith('dev-network.'))).toBe(true);
    expect(inputs.some((i) => i.startsWith('dev-platform.'))).toBe(true);
  });

  test('fingerprint files: written, then current; a stale or left-over one is reported', () => {
    const root = mkdtempSync(path.join(os.tmpdir(), 'fingerprints-'));
    const fps = fingerprintOutdir(synth.outdir);
    const expected = new Map([...fps.values()].map((fp) => [`fingerprints/${fp.stack}.txt`, renderFingerprintFile(fp)]));
    expect(writeFingerprintFiles(root, expected)).toHaveLength(expected.size);
    expect(staleFingerprintFiles(root, expected)).toEqual({ outdated: [], extra: [] });
    writeFileSync(path.join(root, 'fingerprints', 'dev-web.txt'), 'edited');
    writeFileSync(path.join(root, 'fingerprints', 'gone.txt'), 'old');
    expect(staleFingerprintFiles(root, expected)).toEqual({ outdated: ['fingerprints/dev-web.txt'], extra: ['fingerprints/gone.txt'] });
    expect(readFileSync(path.join(root, 'fingerprints', 'dev-network.txt'), 'utf8')).toMatch(/^terraform-json [0-9a-f]{64}\nlock-file [0-9a-f]{64}\n$/m);
  });

  test('the report after a plan: preflight of the services the stack can affect, cost against the base', () => {
    expect(affectedStacks(synth.outdir, 'dev-network')).toEqual(['dev-network', 'dev-platform', 'dev-web']);
    expect(preflightLine(synth.outdir, 'dev-web')).toMatch(/^Preflight \(dev-web\): 1 service, \d+ checks \(path x subnet\): \d+ pass, 0 warn, 0 unknown, 0 fail; every task can reach what it needs to start\.$/);
    expect(preflightLine(synth.outdir, 'dev-network')).toMatch(/^Preflight \(dev-web\): 1 service/);
    const same = costLine(synth.outdir, 'dev-web', { dir: synth.outdir });
    expect(same).toMatch(/^Cost \(dev, list prices from pricing\/ap-northeast-2\.json\): \$(\d+\.\d\d)\/month before, \$\1\/month after: \+\$0\.00\/month\.$/);
    // A base with one task fewer: the change costs one task more.
    const base = mkdtempSync(path.join(os.tmpdir(), 'cost-base-'));
    cpSync(synth.outdir, base, { recursive: true });
    const file = path.join(base, 'stacks', 'dev-web', 'cdk.tf.json');
    const json = JSON.parse(readFileSync(file, 'utf8'));
    const service = Object.values(json.resource.aws_ecs_service)[0] as { desired_count: number };
    service.desired_count = 0;
    writeFileSync(file, JSON.stringify(json));
    expect(costLine(synth.outdir, 'dev-web', { dir: base })).toMatch(/: \$\d+\.\d\d\/month before, \$\d+\.\d\d\/month after: \+\$\d+\.\d\d\/month\.$/);
    expect(costLine(synth.outdir, 'dev-web', { dir: base })).not.toContain('+$0.00/month');
    expect(costLine(synth.outdir, 'dev-web', { error: 'no base revision in this clone' })).toMatch(/\/month now; the change's delta is unknown: no base revision in this clone\.$/);
    // No base in the clone: the cost line says why there is no delta.
    const noBase = projectReport({ root: base, outdir: synth.outdir, project: 'dev-web', baseRef: 'no-such-ref', env: { ...process.env, BASE_BRANCH_NAME: '' } });
    expect(noBase).toMatch(/^Preflight \(dev-web\): 1 service/);
    expect(noBase).toMatch(/^Cost \(dev, .*the change's delta is unknown: no-such-ref is not a commit in this clone\.$/m);
    // A region without a price sheet: the line says so, the step (and so the plan) does not fail.
    const unpriced = mkdtempSync(path.join(os.tmpdir(), 'cost-unpriced-'));
    cpSync(synth.outdir, unpriced, { recursive: true });
    for (const stack of ['dev-network', 'dev-platform', 'dev-web']) {
      const stackFile = path.join(unpriced, 'stacks', stack, 'cdk.tf.json');
      writeFileSync(stackFile, readFileSync(stackFile, 'utf8').replaceAll('ap-northeast-2', 'xx-nowhere-1'));
    }
    expect(projectReport({ root: base, outdir: unpriced, project: 'dev-web', baseRef: 'no-such-ref', env: process.env })).toMatch(/^Cost \(dev-web\): unavailable: .*xx-nowhere-1/m);
  });
});

describe('command lines', () => {
  test('npm run changed', () => {
    expect(parseChangedArgs(['--base', 'origin/main', '--json'])).toEqual({ base: 'origin/main', json: true });
    expect(() => parseChangedArgs([])).toThrow(/--base needs a git ref/);
    expect(() => parseChangedArgs(['--base', 'main', '--jsn'])).toThrow(/Unknown argument\(s\): --jsn/);
    const text = renderChanges({ base: { ref: 'main', commit: 'a'.repeat(40) }, stacks: 3, changes: [{ stack: 'net', kind: 'changed', reasons: ['Terraform JSON'] }], planOrder: ['net'] });
    expect(text).toBe(`Base: main (merge base aaaaaaaaaaaa); compared: the working tree.\n1 of 3 stacks touched:\n  net  changed  Terraform JSON\nPlan order: net\n`);
  });

  test('npm run plan -- --changed [--base <ref>]', () => {
    expect(parseArgs(['plan', '--changed'])).toMatchObject({ command: 'plan', patterns: [], terraformArgs: [], changedSince: 'origin/main' });
    expect(parseArgs(['plan', '--changed', '--base', 'main', '-refresh=false'])).toMatchObject({ patterns: [], terraformArgs: ['-refresh=false'], changedSince: 'main' });
    expect(parseArgs(['plan', 'dev-*']).changedSince).toBeUndefined();
    expect(() => parseArgs(['plan', '--base', 'main'])).toThrow(/--base goes with --changed/);
    expect(() => parseArgs(['plan', '--changed', 'dev-*'])).toThrow(/--changed selects the stacks itself/);
    expect(() => parseArgs(['apply', 'dev-web', '--changed'])).toThrow(/plans only/);
  });

  test('a cached base synth is reused only for the same commit, dependencies and configuration', () => {
    const outside = path.join(mkdtempSync(path.join(os.tmpdir(), 'infra-')), 'infra.yaml');
    writeFileSync(outside, 'a: 1');
    const key = (commit: string, env: NodeJS.ProcessEnv) => baseCacheKey('/repo', commit, env, '/repo');
    expect(key('c1', { INFRA_CONFIG: 'config/x.yaml' })).toBe(key('c1', { INFRA_CONFIG: '/repo/config/x.yaml' }));
    expect(key('c1', {})).not.toBe(key('c2', {}));
    expect(key('c1', {})).not.toBe(key('c1', { ENVIRONMENTS: 'dev' }));
    const before = key('c1', { INFRA_CONFIG: outside });
    writeFileSync(outside, 'a: 2');
    expect(key('c1', { INFRA_CONFIG: outside })).not.toBe(before);
  });

  test("the base's configuration file is the base's copy when it lives in the repository", () => {
    expect(configForCheckout('/repo', '/tmp/co', 'config/x.yaml', '/repo')).toBe('/tmp/co/config/x.yaml');
    expect(configForCheckout('/repo', '/tmp/co', '/etc/infra.yaml', '/repo')).toBe('/etc/infra.yaml');
    expect(configForCheckout('/repo', '/tmp/co', undefined)).toBeUndefined();
  });
});

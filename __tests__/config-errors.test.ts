/**
 * Bad configuration: every fault names its key, the synth exits non-zero without a stack
 * trace, and an earlier output folder is left exactly as it was.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { runSynth } from '../main';
import { expectRejected, mutated, previousOutput, synthWith, workDir } from './helpers/bad-config';

const root = path.join(__dirname, '..');

const faults: Array<[string, string | undefined, RegExp]> = [
  ['missing file', undefined, /environments\.yaml: 1 configuration error:\n {2}- file not found/],
  ['empty file', '', /the file is empty; expected a mapping with the keys project, state and environments/],
  ['malformed YAML', 'project: acme\nenvironments: [dev\n', /malformed YAML: .* at line 3, column 1$/m],
  ['bad CIDR', mutated((d) => (d.environments.prod.network.cidr = '10.20.0.0/33')), /environments\.prod\.network\.cidr: "10\.20\.0\.0\/33" is not a valid IPv4 network CIDR/],
  ['CIDR with host bits', mutated((d) => (d.environments.dev.network.cidr = '10.10.1.0/16')), /environments\.dev\.network\.cidr: "10\.10\.1\.0\/16" is not a valid IPv4 network CIDR/],
  ['VPC too large', mutated((d) => (d.environments.dev.network.cidr = '10.0.0.0/8')), /environments\.dev\.network\.cidr: a VPC CIDR must be \/16 to \/24, got \/8/],
  [
    'overlapping subnets',
    mutated((d) => (d.environments.dev.network.subnets = { public: ['10.10.0.0/24', '10.10.1.0/24'], private: ['10.10.1.0/24', '10.10.2.0/24'] })),
    /environments\.dev\.network\.subnets\.private\.0: 10\.10\.1\.0\/24 overlaps 10\.10\.1\.0\/24 \(environments\.dev\.network\.subnets\.public\.1\)/,
  ],
  [
    'subnet outside the VPC',
    mutated((d) => (d.environments.dev.network.subnets = { public: ['10.10.0.0/24', '10.99.1.0/24'], private: ['10.10.2.0/24', '10.10.3.0/24'] })),
    /environments\.dev\.network\.subnets\.public\.1: 10\.99\.1\.0\/24 does not fit inside the VPC CIDR 10\.10\.0\.0\/16/,
  ],
  [
    'wrong subnet count',
    mutated((d) => (d.environments.dev.network.subnets = { public: ['10.10.0.0/24'], private: ['10.10.2.0/24', '10.10.3.0/24'] })),
    /environments\.dev\.network\.subnets\.public: needs one public subnet per availability zone: 2 expected, 1 given/,
  ],
  [
    'unknown availability zone',
    mutated((d) => (d.environments.prod.network.availabilityZones = ['ap-northeast-2a', 'us-east-1a'])),
    /environments\.prod\.network\.availabilityZones\.1: "us-east-1a" is not an availability zone of ap-northeast-2; valid zones: ap-northeast-2a, ap-northeast-2b, ap-northeast-2c, ap-northeast-2d/,
  ],
  ['one zone only', mutated((d) => (d.environments.dev.network.availabilityZones = ['ap-northeast-2a'])), /environments\.dev\.network\.availabilityZones: at least two availability zones/],
  ['unknown endpoint service', mutated((d) => (d.environments.dev.network.extraEndpoints = ['secretsmanagr'])), /environments\.dev\.network\.extraEndpoints\.0: unknown interface endpoint service "secretsmanagr"; valid services: .*secretsmanager/],
  ['S3 as an interface endpoint', mutated((d) => (d.environments.dev.network.extraEndpoints = ['s3'])), /extraEndpoints\.0: .*S3 is always served by the gateway endpoint/],
  ['wrong type', mutated((d) => (d.environments.dev.network.flowLogs = { retentionDays: 'thirty' })), /environments\.dev\.network\.flowLogs\.retentionDays: must be one of the retention periods CloudWatch Logs accepts/],
  ['unknown key', mutated((d) => (d.environments.prod.network.cidrr = '10.0.0.0/16')), /environments\.prod\.network\.cidrr: unknown key; valid keys here: cidr, availabilityZones, subnets, egress/],
  ['unknown top-level key', mutated((d) => (d.enviroments = {})), /enviroments: unknown key; valid keys here: \$schema, project, state, tags, environments/],
  ['missing required key', mutated((d) => delete d.environments.dev.network.cidr), /environments\.dev\.network\.cidr: is required \(expected string\)/],
  ['unknown region', mutated((d) => (d.environments.dev.region = 'ap-northeast-9')), /environments\.dev\.region: unknown AWS region "ap-northeast-9"; valid regions: us-east-1/],
  ['bad enum', mutated((d) => (d.environments.dev.network.egress = 'internet')), /environments\.dev\.network\.egress: Invalid option: expected one of "endpoints"\|"nat"/],
  ['NAT count without NAT', mutated((d) => (d.environments.dev.network.natGateways = 'per-az')), /environments\.dev\.network\.natGateways: is only used with egress: "nat"/],
  ['endpoints off without NAT', mutated((d) => (d.environments.dev.network.interfaceEndpoints = false)), /environments\.dev\.network\.interfaceEndpoints: cannot be false with egress: "endpoints".*ResourceInitializationError/],
  ['bad environment name', mutated((d) => (d.environments.Prod_1 = d.environments.prod)), /environments\.Prod_1: environment name must be lowercase letters/],
  ['no environments', mutated((d) => (d.environments = {})), /environments: at least one environment is required/],
  ['bad state role ARN', mutated((d) => (d.environments.dev.stateRoleArn = 'arn:aws:iam::12:user/x')), /environments\.dev\.stateRoleArn: must be an IAM role ARN/],
];

describe('configuration errors', () => {
  test.each(faults)('%s: names the key, exits non-zero, leaves the previous output unchanged', (_name, content, message) => {
    expectRejected(synthWith(content), message);
  });

  test('all errors of a file are reported at once', () => {
    const content = mutated((d) => {
      d.environments.dev.network.egress = 'internet';
      d.environments.prod.network.cidrr = 'x';
      d.environments.prod.region = 'mars-1';
    });
    const { stderr, code } = synthWith(content);
    expect(code).toBe(1);
    expect(stderr).toMatch(/3 configuration errors/);
    expect(stderr).toMatch(/environments\.dev\.network\.egress/);
    expect(stderr).toMatch(/environments\.prod\.network\.cidrr/);
    expect(stderr).toMatch(/environments\.prod\.region/);
  });

  test('ENVIRONMENTS naming an unknown environment is an error', () => {
    const { stderr, code, unchanged } = synthWith(mutated(() => undefined), { ENVIRONMENTS: 'dev,staging' });
    expect(code).toBe(1);
    expect(stderr).toMatch(/ENVIRONMENTS: no environment "staging" in the configuration; valid: dev, prod/);
    expect(unchanged).toBe(true);
  });

  test('a successful synth replaces the previous output whole', () => {
    const { outdir } = previousOutput();
    const code = runSynth({ CDKTF_OUTDIR: outdir, ENVIRONMENTS: 'dev' }, { write: () => undefined });
    expect(code).toBe(0);
    const stacks = readdirSync(path.join(outdir, 'stacks'));
    expect(stacks).toEqual(expect.arrayContaining(['dev-network', 'dev-platform', 'dev-web']));
    expect(stacks.filter((s) => s.startsWith('prod-'))).toEqual([]);
    expect(JSON.parse(readFileSync(path.join(outdir, 'stacks', 'dev-network', 'cdk.tf.json'), 'utf8')).previous).toBeUndefined();
  });

  test('the real process exits 1 with the message and no stack trace', () => {
    const { outdir, snapshot } = previousOutput();
    const before = snapshot();
    const file = path.join(workDir, 'bad-process.yaml');
    writeFileSync(file, mutated((d) => (d.environments.prod.network.cidr = 'ten')));
    const result = spawnSync(process.execPath, ['scripts/run.cjs', 'main.ts'], {
      cwd: root,
      env: { ...process.env, INFRA_CONFIG: file, CDKTF_OUTDIR: outdir },
      encoding: 'utf8',
    });
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/environments\.prod\.network\.cidr: "ten" is not a valid IPv4 network CIDR/);
    expect(result.stderr).not.toMatch(/\n\s+at /);
    expect(snapshot()).toBe(before);
  });
});

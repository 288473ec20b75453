/**
 * The pure parts of `npm run state:check` and `npm run state:migrate`: reading -backend-config
 * options, classifying Terraform's init failures, the messages, the cross-stack consistency
 * checks, and the state comparison the migration relies on. (The servers test runs them for real.)
 */
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { App, TerraformOutput } from 'cdktf';
import { Construct } from 'constructs';
import {
  BackendCheck,
  classifyInitFailure,
  describeBackendProblem,
  lastError,
  locationOf,
  overrideConflicts,
  parseBackendConfigArgs,
  remoteStateMismatches,
  remoteStateRefs,
  s3EndpointFor,
  stackBackends,
  topLevelKeys,
} from '../lib/state/backend';
import { canonicalJson, sameStateContent } from '../lib/state/migrate';
import { runStateCheck } from '../lib/state/check-cli';
import { BaseStack } from '../stacks/base-stack';
import { NetworkStack } from '../stacks/network-stack';
import { StateStack } from '../terraform-state/state-stack';
import { configFrom, defaultConfigData, Json } from './helpers/synth';

const work = mkdtempSync(path.join(os.tmpdir(), 'state-scripts-'));

/** The bootstrap, dev-network, and a stack reading dev-network's VPC id. */
function producerAndConsumer(): string {
  const data = defaultConfigData();
  data.state.lockTable = 'acme-terraform-locks';
  const config = configFrom(data);
  const outdir = mkdtempSync(path.join(work, 'app-'));
  const app = new App({ outdir });
  new StateStack(app, { config });
  const network = new NetworkStack(app, { config, environment: config.environments[0] });
  new (class extends BaseStack {
    constructor(scope: Construct) {
      super(scope, 'dev-consumer', { config, environment: 'dev', region: 'ap-northeast-2' });
      new TerraformOutput(this, 'vpc', { value: network.vpc.vpc.id });
    }
  })(app);
  app.synth();
  return outdir;
}

const outdir = producerAndConsumer();

describe('stack backends and remote-state references', () => {
  test('reads each stack\'s backend and each terraform_remote_state with its producer', () => {
    const backends = Object.fromEntries(stackBackends(outdir).map((b) => [b.stack, b]));
    expect(backends['terraform-state'].type).toBe('local');
    expect(backends['dev-network']).toMatchObject({ type: 's3', config: { bucket: 'acme-terraform-state-apne2', key: 'dev/dev-network.tfstate' } });
    expect(remoteStateRefs(outdir)).toEqual([
      expect.objectContaining({ consumer: 'dev-consumer', backend: 's3', producer: 'dev-network', config: expect.objectContaining({ key: 'dev/dev-network.tfstate' }) }),
    ]);
  });

  test('the synthesized references agree with their producers', () => {
    expect(remoteStateMismatches(outdir)).toEqual([]);
  });

  test('a reference that disagrees with its producer is reported, key by key', () => {
    const tampered = mkdtempSync(path.join(work, 'tampered-'));
    cpSync(outdir, tampered, { recursive: true });
    const file = path.join(tampered, 'stacks', 'dev-consumer', 'cdk.tf.json');
    const json = JSON.parse(readFileSync(file, 'utf8')) as Json;
    const remote = Object.values(json.data.terraform_remote_state as Record<string, Json>)[0];
    remote.config.bucket = 'elsewhere';
    delete remote.config.dynamodb_table;
    writeFileSync(file, JSON.stringify(json));
    expect(remoteStateMismatches(tampered)).toEqual([
      expect.stringMatching(/^dev-consumer: data\.terraform_remote_state\.\S+: bucket is "elsewhere", but dev-network's backend has "acme-terraform-state-apne2"$/),
      expect.stringMatching(/: dynamodb_table is unset, but dev-network's backend has "acme-terraform-locks"$/),
    ]);
    remote.config.key = 'dev/nothing.tfstate';
    writeFileSync(file, JSON.stringify(json));
    expect(remoteStateMismatches(tampered)).toEqual([expect.stringContaining('reads "dev/nothing.tfstate", which is no stack of this app')]);
  });

  test('init-time overrides of location keys conflict for producers and consumers only', () => {
    const keys = new Set(['bucket', 'endpoints', 'use_path_style']);
    expect(overrideConflicts(outdir, ['dev-network'], keys)).toEqual([
      "dev-network: -backend-config sets bucket, but dev-consumer reads dev-network's state through terraform_remote_state with the synthesized values, which an init option cannot change",
    ]);
    expect(overrideConflicts(outdir, ['dev-consumer'], new Set(['region', 'assume_role']))).toEqual([
      'dev-consumer: -backend-config sets region, assume_role for this stack only; the state it reads from dev-network keeps the synthesized location',
    ]);
    expect(overrideConflicts(outdir, ['terraform-state'], keys)).toEqual([]);
    expect(overrideConflicts(outdir, ['dev-network'], new Set(['endpoints', 'access_key', 'skip_s3_checksum', 'max_retries']))).toEqual([]);
  });

  test('stacks sharing bucket, region and identity are checked once', () => {
    const [network, consumer] = stackBackends(outdir).filter((b) => b.type === 's3');
    expect(locationOf(network)).toBe(locationOf(consumer));
    expect(locationOf({ ...network, config: { ...network.config, assume_role: { role_arn: 'arn:aws:iam::1:role/x' } } })).not.toBe(locationOf(network));
  });

  test('state:check without synthesized output says to synthesize first', async () => {
    let err = '';
    const code = await runStateCheck([], { CDKTF_OUTDIR: path.join(work, 'nothing-here') }, { out: () => undefined, err: (t) => (err += t) });
    expect(code).toBe(1);
    expect(err).toMatch(/No synthesized stacks in .*nothing-here: run `npm run synth` first/);
  });

  test('state:check refuses unknown stacks and stray arguments before running Terraform', async () => {
    let err = '';
    const io = { out: () => undefined, err: (t: string) => (err += t) };
    expect(await runStateCheck(['dev-netwrk'], { CDKTF_OUTDIR: outdir }, io)).toBe(1);
    expect(err).toContain('Unknown stack(s): dev-netwrk. Stacks: ');
    err = '';
    expect(await runStateCheck(['-reconfigure'], { CDKTF_OUTDIR: outdir }, io)).toBe(1);
    expect(err).toContain('unexpected argument "-reconfigure"');
  });
});

describe('-backend-config options', () => {
  test('key=value pairs and files, with the keys they set and the S3 endpoint', () => {
    const file = path.join(work, 'ci.s3.tfbackend');
    writeFileSync(
      file,
      [
        '# CI settings',
        'endpoints = {',
        '  s3       = "https://s3.example.test"  # the S3 endpoint',
        '  dynamodb = "https://ddb.example.test"',
        '}',
        'assume_role = { role_arn = "arn:aws:iam::123456789012:role/ci" }',
        'skip_s3_checksum = true',
        '',
      ].join('\n'),
    );
    const parsed = parseBackendConfigArgs([`-backend-config=${file}`, '-backend-config=region=eu-west-1', '-backend-config', 'bucket=b'], work);
    expect([...parsed.keys].sort()).toEqual(['assume_role', 'bucket', 'endpoints', 'region', 'skip_s3_checksum']);
    expect(parsed.s3Endpoint).toBe('https://s3.example.test');
    expect(parsed.args).toEqual([`-backend-config=${file}`, '-backend-config=region=eu-west-1', '-backend-config=bucket=b']);
    expect(parseBackendConfigArgs(['-backend-config=endpoints={s3="http://127.0.0.1:9000"}']).s3Endpoint).toBe('http://127.0.0.1:9000');
    expect(topLevelKeys('endpoints = { s3 = "http://x:1", sts = "http://y" }\nuse_path_style = true').s3Endpoint).toBe('http://x:1');
  });

  test('a missing file or another option is an error', () => {
    expect(() => parseBackendConfigArgs(['-backend-config=missing.tfbackend'], work)).toThrow('-backend-config file missing.tfbackend does not exist');
    expect(() => parseBackendConfigArgs(['-upgrade'])).toThrow('unexpected argument "-upgrade"');
  });

  test('the endpoint probed for the bucket\'s region: the option, the environment, or AWS', () => {
    const none = parseBackendConfigArgs([]);
    expect(s3EndpointFor('eu-west-1', none, {})).toBe('https://s3.eu-west-1.amazonaws.com');
    expect(s3EndpointFor('eu-west-1', none, { AWS_ENDPOINT_URL_S3: 'http://s3.local' })).toBe('http://s3.local');
    expect(s3EndpointFor('eu-west-1', parseBackendConfigArgs(['-backend-config=endpoints={s3="http://opt"}']), { AWS_ENDPOINT_URL_S3: 'http://s3.local' })).toBe('http://opt');
  });
});

describe('Terraform init failures and the messages about them', () => {
  test.each([
    ['missing-bucket', 'Error: Failed to get existing workspaces: S3 bucket "acme" does not exist.\n\nThe referenced S3 bucket must have been previously created.'],
    ['wrong-region', 'operation error S3: ListObjectsV2, https response error StatusCode: 301, RequestID: , HostID: , requested bucket from "ap-northeast-2", actual location "eu-west-1"'],
    ['wrong-region', 'api error PermanentRedirect: The bucket you are attempting to access must be addressed using the specified endpoint.'],
    ['access-denied', 'operation error S3: ListObjectsV2, https response error StatusCode: 403, RequestID: X, api error AccessDenied: Access Denied'],
    ['no-credentials', 'Error: No valid credential sources found'],
    ['other', 'Error: Unsupported argument'],
  ])('%s: %s', (problem, output) => {
    expect(classifyInitFailure(output)).toBe(problem);
  });

  const backend = { stack: 'dev-network', type: 's3', config: { bucket: 'acme-state', region: 'ap-northeast-2', key: 'dev/dev-network.tfstate' } };
  const check = (problem: BackendCheck['problem'], actualRegion?: string): BackendCheck => ({
    ok: false,
    problem,
    actualRegion,
    init: { command: 'terraform init', code: 1, stdout: '', stderr: 'Error: Something "failed" here.\n\nmore' },
  });
  const context = { configFile: 'config/environments.yaml', stacks: ['dev-network', 'dev-web'] };

  test('missing bucket: the bootstrap steps and the key to check', () => {
    const message = describeBackendProblem(backend, check('missing-bucket'), context);
    expect(message).toContain('The state bucket "acme-state" does not exist in ap-northeast-2 (or these credentials cannot see it); stacks: dev-network, dev-web.');
    expect(message).toContain('npm run state:migrate');
    expect(message).toContain('set state.bucket in config/environments.yaml');
  });

  test('wrong region: the region to configure, or how to find it', () => {
    expect(describeBackendProblem(backend, check('wrong-region', 'eu-west-1'), context)).toContain('Set state.region: eu-west-1 in config/environments.yaml');
    const unknown = describeBackendProblem(backend, check('wrong-region'), context);
    expect(unknown).toContain('is not in ap-northeast-2 (S3 redirected the request to another region)');
    expect(unknown).toContain('aws s3api head-bucket --bucket acme-state');
  });

  test('access denied and other failures quote Terraform', () => {
    const denied = describeBackendProblem(backend, check('access-denied'), context);
    expect(denied).toContain('backend_access_policy_arn');
    expect(denied).toContain('Terraform said: Something "failed" here.');
    expect(describeBackendProblem(backend, check('other'), context)).toContain('terraform init of the S3 backend failed for dev-network, dev-web');
    expect(lastError('noise\nError: first line\n  second line\n\nError: later')).toBe('first line second line');
  });
});

describe('state comparison for the migration', () => {
  const state = { version: 4, serial: 3, lineage: 'a', outputs: { x: { value: 1, type: 'number' } }, resources: [{ mode: 'managed', type: 't', name: 'n', instances: [{ attributes: { b: 1, a: 2 } }] }] };

  test('same resources and outputs in another encoding, lineage and serial compare equal', () => {
    const reordered = { lineage: 'b', serial: 1, version: 4, resources: [{ instances: [{ attributes: { a: 2, b: 1 } }], name: 'n', type: 't', mode: 'managed' }], outputs: { x: { type: 'number', value: 1 } } };
    expect(canonicalJson(state.resources)).toBe(canonicalJson(reordered.resources));
    expect(sameStateContent(state, reordered)).toBe(true);
  });

  test('a different attribute or output does not', () => {
    expect(sameStateContent(state, { ...state, outputs: { x: { value: 2, type: 'number' } } })).toBe(false);
    expect(sameStateContent(state, { ...state, resources: [] })).toBe(false);
  });
});

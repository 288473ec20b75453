/**
 * Real Terraform against S3 and DynamoDB protocol servers (s3rver, dynalite) started here on
 * free loopback ports: the synthesized backends initialize, plan reads and locks state, state
 * round-trips byte for byte, locks exclude each other, and the wrapper scripts explain a
 * missing bucket or a wrong region. Endpoints, credentials and skip flags reach Terraform only
 * through a `-backend-config` file written here; the synthesized backends stay as they are.
 *
 * What each server proves about locking (docs/remote-state.md):
 *  - DynamoDB table (`dynamodb_table`): dynalite enforces the conditional PutItem Terraform
 *    locks with, so a second plan is refused while the first holds the lock.
 *  - S3 lock file (`use_lockfile`): s3rver 3.7 stores `<key>.tflock` and deletes it on unlock,
 *    but ignores `If-None-Match` on PUT (proved below), so on s3rver alone a second writer
 *    overwrites the lock file instead of being refused. Mutual exclusion through lock files is
 *    proved with the test's front, which answers `If-None-Match: *` like S3 (412).
 */
import { ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { App, TerraformOutput } from 'cdktf';
import { Construct } from 'constructs';
import { parseBackendConfigArgs, probeBucketRegion } from '../lib/state/backend';
import { migrateBootstrapState } from '../lib/state/migrate';
import { CommandResult, run, terraformEnv } from '../lib/terraform/offline';
import { runStateCheck } from '../lib/state/check-cli';
import { main as migrateMain } from '../lib/state/migrate-cli';
import { BaseStack } from '../stacks/base-stack';
import { NetworkStack } from '../stacks/network-stack';
import type { ResolvedConfig } from '../config/validate';
import { mutated } from './helpers/bad-config';
import { DynamoServer, S3Front, S3Server, startDynamo, startS3, startS3Front, writeTestBackendConfig } from './helpers/state-servers';
import { synthStateAndNetwork } from './helpers/state-synth';
import { configFrom, defaultConfigData, Json, Synthesized, synthConfig } from './helpers/synth';
import { describeWithTerraform } from './helpers/terraform';

jest.setTimeout(180_000);

const root = path.join(__dirname, '..');
const LOCK_TABLE = 'acme-tf-locks';

function configWith(change: (data: Json) => void): ResolvedConfig {
  const data = defaultConfigData();
  change(data);
  return configFrom(data);
}

interface Holder {
  /** Answers the prompt; the plan then finishes and releases the lock. */
  release(value: string): Promise<CommandResult>;
  kill(): void;
}

const holders = new Set<ChildProcessWithoutNullStreams>();

/**
 * A `terraform plan` that holds the state lock: Terraform locks the state, then asks for the
 * unset variable `hold` and waits on stdin until `release`. Killed after 90 s at the latest.
 */
async function holdLock(dir: string): Promise<Holder> {
  const child = spawn('terraform', ['plan', '-input=true', '-no-color'], { cwd: dir, env: { ...terraformEnv(), TF_INPUT: '1' } });
  holders.add(child);
  let stdout = '';
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<CommandResult>((resolve) =>
    child.on('close', (code) => {
      holders.delete(child);
      resolve({ command: 'terraform plan (lock holder)', code: code ?? 1, stdout, stderr });
    }),
  );
  const guard = setTimeout(() => child.kill('SIGKILL'), 90_000);
  await new Promise<void>((resolve, reject) => {
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
      if (stdout.includes('Enter a value:')) resolve();
    });
    void exited.then((r) => reject(new Error(`the lock holder exited before prompting:\n${r.stderr || r.stdout}`)));
  });
  return {
    async release(value) {
      child.stdin.end(`${value}\n`);
      const result = await exited;
      clearTimeout(guard);
      return result;
    },
    kill() {
      clearTimeout(guard);
      child.kill('SIGKILL');
    },
  };
}

describeWithTerraform('remote state against S3 and DynamoDB protocol servers', () => {
  const work = mkdtempSync(path.join(os.tmpdir(), 'state-servers-'));
  let s3: S3Server;
  let ddb: DynamoServer;
  let front: S3Front;
  // The product's configuration with a lock table (both lock modes on), and the default one (lock file only).
  let withTable: Synthesized;
  let lockfileOnly: Synthesized;
  const env = terraformEnv();
  const tf = (args: string[], cwd: string) => run('terraform', args, cwd, env);

  /** The stack's synthesized backend block, verbatim, with a variable and an output: no provider needed. */
  function backendOnly(synth: Synthesized, stack: string, name: string): string {
    const dir = path.join(work, name);
    mkdirSync(dir);
    const backend = synth.stack(stack).terraform.backend;
    writeFileSync(
      path.join(dir, 'main.tf.json'),
      JSON.stringify({ terraform: { backend }, variable: { hold: { type: 'string' } }, output: { hold: { value: '${var.hold}' } } }, null, 2),
    );
    return dir;
  }

  /** A state file as Terraform writes it (from a local apply), with outputs of several types. */
  let fixtureFile: string;

  beforeAll(async () => {
    const fixtureDir = path.join(work, 'fixture');
    mkdirSync(fixtureDir);
    writeFileSync(
      path.join(fixtureDir, 'main.tf.json'),
      JSON.stringify({ output: { text: { value: 'héllo "state"' }, number: { value: 42 }, list: { value: ['a', 'b'] }, map: { value: { k: 'v' } } } }),
    );
    const apply = await tf(['apply', '-auto-approve', '-input=false', '-no-color'], fixtureDir);
    if (apply.code !== 0) throw new Error(apply.stderr);
    fixtureFile = path.join(fixtureDir, 'terraform.tfstate');

    s3 = await startS3(['acme-state', 'acme-lockfile', 'acme-other', 'acme-boot']);
    ddb = await startDynamo();
    await ddb.createLockTable(LOCK_TABLE);
    front = await startS3Front(s3.endpoint, { conditionalWrites: true, bucketRegions: { 'acme-eu': 'eu-west-1' } });
    withTable = synthConfig(
      configWith((d) => {
        d.state.bucket = 'acme-state';
        d.state.lockTable = LOCK_TABLE;
        d.state.bootstrapBackend = 's3';
      }),
    );
    lockfileOnly = synthStateAndNetwork(configWith((d) => (d.state.bucket = 'acme-lockfile')));
  });

  afterAll(async () => {
    for (const child of holders) child.kill('SIGKILL');
    await Promise.all([s3?.close(), ddb?.close(), front?.close()]);
    rmSync(work, { recursive: true, force: true });
  });

  test('a synthesized stack initializes against the S3 server; plan reads its state there and locks it with both the lock file and the table', async () => {
    const dir = path.join(work, 'dev-network');
    cpSync(path.join(withTable.outdir, 'stacks', 'dev-network'), dir, { recursive: true, filter: (src) => path.basename(src) !== '.terraform' });
    // The provider gets dummy credentials (the plan creates resources only); the backend stays as synthesized.
    writeFileSync(
      path.join(dir, 'zz_test_provider_override.tf.json'),
      JSON.stringify({
        provider: {
          aws: {
            access_key: 'test',
            secret_key: 'test',
            skip_credentials_validation: true,
            skip_requesting_account_id: true,
            skip_metadata_api_check: true,
            skip_region_validation: true,
          },
        },
      }),
    );
    const backendFile = writeTestBackendConfig(dir, { s3: front.endpoint, dynamodb: ddb.endpoint });
    const init = await tf(['init', '-input=false', '-no-color', `-backend-config=${backendFile}`], dir);
    expect(init.stderr).toBe('');
    expect(init.stdout).toContain('Successfully configured the backend "s3"');

    // A state in the bucket for the plan to read: its outputs are not in the stack, so the plan removes them.
    expect((await tf(['state', 'push', fixtureFile], dir)).code).toBe(0);

    const seen = front.requests.length;
    const plan = await tf(['plan', '-input=false', '-no-color', '-lock-timeout=0s'], dir);
    if (plan.code !== 0) throw new Error(plan.stderr);
    expect(plan.stdout).toMatch(/Plan: \d+ to add, 0 to change, 0 to destroy/);
    expect(plan.stdout).toMatch(/- number +?= 42 -> null/);

    const during = front.requests.slice(seen).map((r) => ({ ...r, line: `${r.method} ${r.path} ${r.status}` }));
    const lockPath = '/acme-state/dev/dev-network.tfstate.tflock';
    const lockPut = during.find((r) => r.method === 'PUT' && r.path === lockPath);
    expect(lockPut).toBeDefined();
    expect(lockPut!.headers).toMatchObject({
      'if-none-match': '*',
      'x-amz-server-side-encryption': 'aws:kms',
      'x-amz-server-side-encryption-aws-kms-key-id': 'alias/terraform-state/acme-state',
    });
    const lines = during.map((r) => r.line);
    const lockedAt = lines.indexOf(`PUT ${lockPath} 200`);
    const readAt = lines.findIndex((l, i) => i > lockedAt && l.startsWith('GET /acme-state/dev/dev-network.tfstate '));
    const unlockedAt = lines.findIndex((l, i) => i > readAt && l.startsWith(`DELETE ${lockPath} `));
    if (![lockedAt, readAt, unlockedAt].every((i) => i >= 0)) throw new Error(`expected lock, read, unlock in order:\n${lines.join('\n')}`);
    expect(await s3.getObject('acme-state', 'dev/dev-network.tfstate.tflock')).toBeUndefined();
    // The table lock was taken and released as well: no lock item is left.
    expect((await ddb.scan(LOCK_TABLE)).filter((i) => i.LockID.S === 'acme-state/dev/dev-network.tfstate')).toEqual([]);
  });

  test('state push / pull: Terraform reads back exactly the bytes it stored, and a pulled file round-trips byte for byte', async () => {
    const dir = backendOnly(withTable, 'prod-network', 'push-pull');
    const backendFile = writeTestBackendConfig(dir, { s3: s3.endpoint, dynamodb: ddb.endpoint });
    expect((await tf(['init', '-input=false', '-no-color', `-backend-config=${backendFile}`], dir)).code).toBe(0);
    const fixture = JSON.parse(readFileSync(fixtureFile, 'utf8'));

    // A state written elsewhere: its content arrives; the empty key gives it a new lineage (Terraform 1.11).
    const push = await tf(['state', 'push', '-no-color', fixtureFile], dir);
    expect(push.stderr).toBe('');
    expect(push.code).toBe(0);
    const stored = (await s3.getObject('acme-state', 'prod/prod-network.tfstate'))!;
    const pull = await tf(['state', 'pull'], dir);
    expect(pull.code).toBe(0);
    expect(Buffer.from(pull.stdout)).toEqual(Buffer.concat([stored, Buffer.from('\n')])); // `state pull` prints a final newline
    const pulled = JSON.parse(pull.stdout);
    expect(pulled.outputs).toEqual(fixture.outputs);
    expect(pulled.lineage).toMatch(/^[0-9a-f-]{36}$/);

    // The pulled file pushed back and pulled again: identical bytes, in S3 and out of it.
    const pulledFile = path.join(dir, 'pulled.tfstate');
    writeFileSync(pulledFile, pull.stdout);
    expect((await tf(['state', 'push', '-no-color', pulledFile], dir)).code).toBe(0);
    expect(await s3.getObject('acme-state', 'prod/prod-network.tfstate')).toEqual(stored);
    expect((await tf(['state', 'pull'], dir)).stdout).toBe(pull.stdout);

    // A stale copy (other lineage) is refused, and the stored bytes stay.
    const refused = await tf(['state', 'push', '-no-color', fixtureFile], dir);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/lineage/i);
    expect(await s3.getObject('acme-state', 'prod/prod-network.tfstate')).toEqual(stored);
  });

  test('partial configuration: -backend-config=bucket=... at init moves this stack\'s state to another bucket', async () => {
    const dir = backendOnly(withTable, 'prod-network', 'partial');
    const backendFile = writeTestBackendConfig(dir, { s3: s3.endpoint, dynamodb: ddb.endpoint });
    const init = await tf(['init', '-input=false', '-no-color', `-backend-config=${backendFile}`, '-backend-config=bucket=acme-other'], dir);
    expect(init.code).toBe(0);
    expect((await tf(['apply', '-auto-approve', '-input=false', '-no-color', '-var', 'hold=elsewhere'], dir)).code).toBe(0);
    const state = JSON.parse((await s3.getObject('acme-other', 'prod/prod-network.tfstate'))!.toString());
    expect(state.outputs.hold.value).toBe('elsewhere');
    // ...which terraform_remote_state readers would not see: they keep reading the synthesized bucket
    // (state:check flags such an override below).
    const synthesizedBucket = JSON.parse((await s3.getObject('acme-state', 'prod/prod-network.tfstate'))!.toString());
    expect(synthesizedBucket.outputs.hold).toBeUndefined();
  });

  test('DynamoDB lock (dynalite): while one plan holds the lock, a second with -lock-timeout=0s fails with Terraform\'s lock error and changes nothing', async () => {
    const dir = backendOnly(withTable, 'terraform-state', 'dynamodb-lock');
    // Lock files off for this test only, to see the table lock alone (s3rver cannot refuse a second lock file).
    const backendFile = writeTestBackendConfig(dir, { s3: s3.endpoint, dynamodb: ddb.endpoint }, { use_lockfile: false });
    expect((await tf(['init', '-input=false', '-no-color', `-backend-config=${backendFile}`], dir)).code).toBe(0);
    expect((await tf(['apply', '-auto-approve', '-input=false', '-no-color', '-var', 'hold=first'], dir)).code).toBe(0);
    const stateBefore = await s3.getObject('acme-state', 'global/terraform-state.tfstate');
    expect(stateBefore).toBeDefined();

    const holder = await holdLock(dir);
    const lockItem = (await ddb.scan(LOCK_TABLE)).find((i) => i.LockID.S === 'acme-state/global/terraform-state.tfstate');
    expect(lockItem).toBeDefined();
    const info = JSON.parse(lockItem!.Info.S!) as { ID: string; Operation: string; Path: string };
    expect(info).toMatchObject({ Operation: 'OperationTypePlan', Path: 'acme-state/global/terraform-state.tfstate' });

    const second = await tf(['plan', '-input=false', '-no-color', '-lock-timeout=0s', '-var', 'hold=second'], dir);
    expect(second.code).toBe(1);
    expect(second.stderr).toMatch(/Error acquiring the state lock/);
    expect(second.stderr).toMatch(/ConditionalCheckFailedException/);
    expect(second.stderr).toContain(`ID:        ${info.ID}`);
    expect(await s3.getObject('acme-state', 'global/terraform-state.tfstate')).toEqual(stateBefore);
    expect(await s3.getObject('acme-state', 'global/terraform-state.tfstate.tflock')).toBeUndefined();

    const released = await holder.release('held');
    expect(released.stderr).toBe('');
    expect(released.code).toBe(0);
    expect((await ddb.scan(LOCK_TABLE)).filter((i) => !i.LockID.S!.endsWith('-md5'))).toEqual([]);
    expect((await tf(['plan', '-input=false', '-no-color', '-lock-timeout=0s', '-var', 'hold=third'], dir)).code).toBe(0);
  });

  test('s3rver ignores If-None-Match on PUT (no conditional writes); the test front refuses it with 412 like S3', async () => {
    expect(await s3.putObject('acme-other', 'probe.tflock', '{"n":1}')).toBe(200);
    expect(await s3.putObject('acme-other', 'probe.tflock', '{"n":2}', { 'if-none-match': '*' })).toBe(200);
    expect((await s3.getObject('acme-other', 'probe.tflock'))!.toString()).toBe('{"n":2}');
    const viaFront = await fetch(`${front.endpoint}/acme-other/probe.tflock`, { method: 'PUT', headers: { 'if-none-match': '*' }, body: '{"n":3}' });
    expect(viaFront.status).toBe(412);
    expect(await viaFront.text()).toContain('<Code>PreconditionFailed</Code>');
    expect((await s3.getObject('acme-other', 'probe.tflock'))!.toString()).toBe('{"n":2}');
  });

  test('S3 lock file (default configuration, conditional writes): a second plan is refused while the first holds <key>.tflock', async () => {
    const dir = backendOnly(lockfileOnly, 'dev-network', 'lockfile-lock');
    expect(lockfileOnly.stack('dev-network').terraform.backend.s3.dynamodb_table).toBeUndefined();
    const backendFile = writeTestBackendConfig(dir, { s3: front.endpoint });
    expect((await tf(['init', '-input=false', '-no-color', `-backend-config=${backendFile}`], dir)).code).toBe(0);
    expect((await tf(['apply', '-auto-approve', '-input=false', '-no-color', '-var', 'hold=first'], dir)).code).toBe(0);
    const stateBefore = await s3.getObject('acme-lockfile', 'dev/dev-network.tfstate');

    const holder = await holdLock(dir);
    const lockFile = JSON.parse((await s3.getObject('acme-lockfile', 'dev/dev-network.tfstate.tflock'))!.toString()) as { ID: string; Operation: string; Path: string };
    expect(lockFile).toMatchObject({ Operation: 'OperationTypePlan', Path: 'acme-lockfile/dev/dev-network.tfstate' });

    const second = await tf(['plan', '-input=false', '-no-color', '-lock-timeout=0s', '-var', 'hold=second'], dir);
    expect(second.code).toBe(1);
    expect(second.stderr).toMatch(/Error acquiring the state lock/);
    expect(second.stderr).toMatch(/StatusCode: 412[\s\S]*PreconditionFailed/);
    expect(await s3.getObject('acme-lockfile', 'dev/dev-network.tfstate')).toEqual(stateBefore);
    // The holder's lock file is intact (on s3rver alone the second writer would have replaced it).
    expect(JSON.parse((await s3.getObject('acme-lockfile', 'dev/dev-network.tfstate.tflock'))!.toString()).ID).toBe(lockFile.ID);

    const released = await holder.release('held');
    expect(released.stderr).toBe('');
    expect(released.code).toBe(0);
    expect(await s3.getObject('acme-lockfile', 'dev/dev-network.tfstate.tflock')).toBeUndefined();
    expect((await tf(['plan', '-input=false', '-no-color', '-lock-timeout=0s', '-var', 'hold=third'], dir)).code).toBe(0);
  });

  test('both lock modes (lock table configured, conditional writes): refused cleanly, and the holder releases both', async () => {
    const dir = backendOnly(withTable, 'terraform-state', 'both-locks');
    const backendFile = writeTestBackendConfig(dir, { s3: front.endpoint, dynamodb: ddb.endpoint });
    expect((await tf(['init', '-input=false', '-no-color', `-backend-config=${backendFile}`], dir)).code).toBe(0);
    expect((await tf(['apply', '-auto-approve', '-input=false', '-no-color', '-var', 'hold=first'], dir)).code).toBe(0);

    const holder = await holdLock(dir);
    const lockFile = await s3.getObject('acme-state', 'global/terraform-state.tfstate.tflock');
    expect(lockFile).toBeDefined();
    const tableLock = () => ddb.scan(LOCK_TABLE).then((items) => items.filter((i) => i.LockID.S === 'acme-state/global/terraform-state.tfstate'));
    expect(await tableLock()).toHaveLength(1);

    const second = await tf(['plan', '-input=false', '-no-color', '-lock-timeout=0s', '-var', 'hold=second'], dir);
    expect(second.code).toBe(1);
    expect(second.stderr).toMatch(/Error acquiring the state lock/);
    expect(await s3.getObject('acme-state', 'global/terraform-state.tfstate.tflock')).toEqual(lockFile);
    expect(await tableLock()).toHaveLength(1);

    const released = await holder.release('held');
    expect(released.stderr).toBe('');
    expect(released.code).toBe(0);
    expect(await s3.getObject('acme-state', 'global/terraform-state.tfstate.tflock')).toBeUndefined();
    expect(await tableLock()).toEqual([]);
  });

  describe('npm run state:check', () => {
    const check = async (outdir: string, args: string[]) => {
      let out = '';
      let err = '';
      const code = await runStateCheck(args, { ...process.env, CDKTF_OUTDIR: outdir }, { out: (t) => (out += t), err: (t) => (err += t) });
      return { code, out, err };
    };

    test('passes for reachable backends and names the lock modes', async () => {
      const backendFile = writeTestBackendConfig(mkdtempSync(path.join(work, 'check-ok-')), { s3: s3.endpoint, dynamodb: ddb.endpoint });
      const result = await check(withTable.outdir, ['terraform-state', 'dev-network', `-backend-config=${backendFile}`]);
      expect(result.err).toBe('');
      expect(result.code).toBe(0);
      expect(result.out).toContain(`ok   dev-network: s3://acme-state/dev/dev-network.tfstate (ap-northeast-2, locking: lock file + DynamoDB ${LOCK_TABLE})`);
      expect(result.out).toContain(`ok   terraform-state: s3://acme-state/global/terraform-state.tfstate (ap-northeast-2, locking: lock file + DynamoDB ${LOCK_TABLE})`);
    });

    test('a missing bucket: the real process exits 1 and says how to create it', async () => {
      const synth = synthStateAndNetwork(configWith((d) => (d.state.bucket = 'acme-missing')));
      const backendFile = writeTestBackendConfig(mkdtempSync(path.join(work, 'check-missing-')), { s3: s3.endpoint });
      // Asynchronously: the servers run in this process.
      const result = await run(process.execPath, [path.join(root, 'scripts', 'run.cjs'), 'scripts/state-check.ts', 'dev-network', `-backend-config=${backendFile}`], root, {
        ...process.env,
        CDKTF_OUTDIR: synth.outdir,
      });
      expect(result.stderr).toContain('FAIL The state bucket "acme-missing" does not exist in ap-northeast-2 (or these credentials cannot see it); stacks: dev-network.');
      expect(result.stderr).toContain('created by the terraform-state bootstrap stack');
      expect(result.stderr).toContain('cd cdktf.out/stacks/terraform-state && terraform init && terraform apply');
      expect(result.stderr).toContain('npm run state:migrate');
      expect(result.stderr).toContain('set state.bucket in config/environments.yaml');
      expect(result.stderr).not.toMatch(/\n\s+at /);
      expect(result.code).toBe(1);
    });

    test('a bucket in another region: names the bucket\'s region and the key to change', async () => {
      const synth = synthStateAndNetwork(configWith((d) => (d.state.bucket = 'acme-eu')));
      const backendFile = writeTestBackendConfig(mkdtempSync(path.join(work, 'check-region-')), { s3: front.endpoint });
      const result = await check(synth.outdir, ['dev-network', 'prod-network', `-backend-config=${backendFile}`]);
      expect(result.code).toBe(1);
      expect(result.err).toContain('FAIL The state bucket "acme-eu" is in eu-west-1, not in ap-northeast-2; stacks: dev-network, prod-network.');
      expect(result.err).toContain('Set state.region: eu-west-1 in config/environments.yaml and run `npm run synth` again.');
    });

    test('an init-time override of a location key is refused for a stack other stacks read', async () => {
      const config = configWith((d) => (d.state.bucket = 'acme-state'));
      const outdir = mkdtempSync(path.join(work, 'check-partial-'));
      const app = new App({ outdir });
      const network = new NetworkStack(app, { config, environment: config.environments[0] });
      new (class extends BaseStack {
        constructor(scope: Construct) {
          super(scope, 'dev-consumer', { config, environment: 'dev', region: 'ap-northeast-2' });
          new TerraformOutput(this, 'vpc', { value: network.vpc.vpc.id });
        }
      })(app);
      app.synth();
      const backendFile = writeTestBackendConfig(mkdtempSync(path.join(work, 'check-partial-cfg-')), { s3: s3.endpoint });
      const result = await check(outdir, ['dev-network', `-backend-config=${backendFile}`, '-backend-config=bucket=acme-other']);
      expect(result.code).toBe(1);
      expect(result.err).toContain(
        "FAIL dev-network: -backend-config sets bucket, but dev-consumer reads dev-network's state through terraform_remote_state with the synthesized values",
      );
      // Settings that do not move the state (endpoints, credentials, skip flags) are fine.
      expect((await check(outdir, ['dev-network', `-backend-config=${backendFile}`])).code).toBe(0);
    });

    test('the region probe reads x-amz-bucket-region, and 404 for a missing bucket', async () => {
      expect(await probeBucketRegion(front.endpoint, 'acme-eu')).toEqual({ status: 301, region: 'eu-west-1' });
      expect(await probeBucketRegion(s3.endpoint, 'acme-missing')).toMatchObject({ status: 404 });
      expect(await probeBucketRegion(s3.endpoint, 'acme-state')).toMatchObject({ status: 200 });
      expect(await probeBucketRegion('http://127.0.0.1:9', 'acme-state', 500)).toBeUndefined();
    });
  });

  describe('npm run state:migrate', () => {
    const bootConfig = (backend: 'local' | 's3') => {
      const file = path.join(mkdtempSync(path.join(work, 'boot-config-')), 'environments.yaml');
      writeFileSync(
        file,
        mutated((d) => {
          d.state.bucket = 'acme-boot';
          d.state.bootstrapBackend = backend;
        }),
      );
      return file;
    };
    const localState = (serial: number, bucketName: string) => ({
      version: 4,
      terraform_version: '1.11.4',
      serial,
      lineage: '6f1c3a52-0d7e-4f0b-9c51-2b8a1e1f7d10',
      outputs: { state_bucket_name: { value: bucketName, type: 'string' } },
      resources: [
        {
          mode: 'managed',
          type: 'aws_s3_bucket',
          name: 'state_bucket_803B4E61',
          provider: 'provider["registry.terraform.io/hashicorp/aws"]',
          instances: [{ schema_version: 0, attributes: { id: bucketName, bucket: bucketName, force_destroy: false }, sensitive_attributes: [] }],
        },
      ],
      check_results: null,
    });
    const migrate = async (configFile: string, localStatePath: string, backendFile: string) => {
      let out = '';
      let err = '';
      const code = await migrateBootstrapState({
        configFile,
        localStatePath,
        backendConfig: parseBackendConfigArgs([`-backend-config=${backendFile}`]),
        env,
        io: { out: (t) => (out += t), err: (t) => (err += t) },
      });
      return { code, out, err };
    };

    test('refuses while the configuration still says bootstrapBackend: local', async () => {
      const dir = mkdtempSync(path.join(work, 'boot-local-'));
      writeFileSync(path.join(dir, 'terraform.tfstate'), JSON.stringify(localState(3, 'acme-boot')));
      const result = await migrate(bootConfig('local'), path.join(dir, 'terraform.tfstate'), writeTestBackendConfig(dir, { s3: s3.endpoint }));
      expect(result.code).toBe(1);
      expect(result.err).toMatch(/state\.bootstrapBackend is "local" in .*environments\.yaml: set it to "s3" first/);
      expect(existsSync(path.join(dir, 'terraform.tfstate'))).toBe(true);
    });

    test('moves the local state into the bucket, verifies it, moves the local file aside; a second run has nothing to do', async () => {
      const dir = mkdtempSync(path.join(work, 'boot-'));
      const local = path.join(dir, 'terraform.tfstate');
      const fixture = localState(3, 'acme-boot');
      writeFileSync(local, JSON.stringify(fixture, null, 2));
      const backendFile = writeTestBackendConfig(dir, { s3: s3.endpoint });
      const configFile = bootConfig('s3');
      // The npm script's entry point, with its command line.
      let stdout = '';
      let stderr = '';
      const code = await migrateMain(['--local-state', local, `-backend-config=${backendFile}`], { ...process.env, INFRA_CONFIG: configFile }, { out: (t) => (stdout += t), err: (t) => (stderr += t) });
      const result = { code, stdout, stderr };
      expect(result.stderr).toBe('');
      expect(result.code).toBe(0);
      expect(result.stdout).toContain("Migrated the terraform-state stack's state (1 resources) into s3://acme-boot/global/terraform-state.tfstate.");

      const migrated = JSON.parse((await s3.getObject('acme-boot', 'global/terraform-state.tfstate'))!.toString());
      expect(migrated.resources).toEqual(fixture.resources);
      expect(migrated.outputs).toEqual(fixture.outputs);
      expect(existsSync(local)).toBe(false);
      expect(readdirSync(dir).filter((f) => f.startsWith('terraform.tfstate.migrated-'))).toHaveLength(1);

      const again = await migrate(configFile, local, backendFile);
      expect(again.code).toBe(0);
      expect(again.out).toContain('Nothing to migrate: s3://acme-boot/global/terraform-state.tfstate already holds the bootstrap\'s state (1 resources)');
    });

    test('never overwrites a different state already in the bucket', async () => {
      const before = await s3.getObject('acme-boot', 'global/terraform-state.tfstate');
      expect(before).toBeDefined();
      const dir = mkdtempSync(path.join(work, 'boot-conflict-'));
      const local = path.join(dir, 'terraform.tfstate');
      writeFileSync(local, JSON.stringify(localState(9, 'acme-boot-other')));
      const result = await migrate(bootConfig('s3'), local, writeTestBackendConfig(dir, { s3: s3.endpoint }));
      expect(result.code).toBe(1);
      expect(result.err).toContain('s3://acme-boot/global/terraform-state.tfstate already holds a different state');
      expect(result.err).toContain('Refusing to overwrite it');
      expect(await s3.getObject('acme-boot', 'global/terraform-state.tfstate')).toEqual(before);
      expect(existsSync(local)).toBe(true);
    });

    test('a missing bucket stops the migration with the bootstrap instructions', async () => {
      const dir = mkdtempSync(path.join(work, 'boot-missing-'));
      const local = path.join(dir, 'terraform.tfstate');
      writeFileSync(local, JSON.stringify(localState(3, 'acme-nowhere')));
      const configFile = path.join(dir, 'environments.yaml');
      writeFileSync(
        configFile,
        mutated((d) => {
          d.state.bucket = 'acme-nowhere';
          d.state.bootstrapBackend = 's3';
        }),
      );
      const result = await migrate(configFile, local, writeTestBackendConfig(dir, { s3: s3.endpoint }));
      expect(result.code).toBe(1);
      expect(result.err).toContain('The state bucket "acme-nowhere" does not exist in ap-northeast-2');
      expect(existsSync(local)).toBe(true);
    });
  });
});

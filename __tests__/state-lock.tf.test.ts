/**
 * A stale S3 lock file (a killed apply leaves `<key>.tflock` beside the state) is found by
 * `npm run state:check` through the real S3 protocol (s3rver, behind the test front that
 * answers conditional writes as S3 does: helpers/state-servers.ts): the report names who
 * holds the lock, since when, and the command that releases it; the check itself leaves no
 * lock and changes no lock; and the runbook's `terraform force-unlock <ID>` clears it.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { runStateCheck } from '../lib/state/check-cli';
import { formatAge, parseCreated, parseLockInfo } from '../lib/state/lock';
import { run, terraformEnv } from '../lib/terraform/offline';
import { S3Front, S3Server, startS3, startS3Front, writeTestBackendConfig } from './helpers/state-servers';
import { synthStateAndNetwork } from './helpers/state-synth';
import { configFrom, defaultConfigData, Synthesized } from './helpers/synth';
import { describeWithTerraform } from './helpers/terraform';

jest.setTimeout(180_000);

const BUCKET = 'acme-stale-lock';
const LOCK_ID = '5b0e6c1a-2f4d-4e8b-9a71-0c3d5e7f9a12';

test('parses the lock report of Terraform and its Go time format', () => {
  const output = [
    'Error: Error acquiring the state lock',
    '',
    'Error message: operation error S3: PutObject, https response error StatusCode: 412, PreconditionFailed',
    'Lock Info:',
    `  ID:        ${LOCK_ID}`,
    '  Path:      acme/dev/dev-web.tfstate',
    '  Operation: OperationTypeApply',
    '  Who:       ci@runner-7',
    '  Version:   1.11.4',
    '  Created:   2026-11-27 10:00:00.123456789 +0000 UTC',
    '  Info:      ',
  ].join('\n');
  expect(parseLockInfo(output)).toEqual({
    ID: LOCK_ID,
    Path: 'acme/dev/dev-web.tfstate',
    Operation: 'OperationTypeApply',
    Who: 'ci@runner-7',
    Version: '1.11.4',
    Created: '2026-11-27 10:00:00.123456789 +0000 UTC',
    Info: '',
  });
  expect(parseLockInfo('No matching resources found.')).toBeUndefined();
  expect(parseCreated('2026-11-27 10:00:00.123456789 +0000 UTC')?.toISOString()).toBe('2026-11-27T10:00:00.123Z');
  expect(parseCreated('2026-11-27 19:00:00 +0900 KST')?.toISOString()).toBe('2026-11-27T10:00:00.000Z');
  expect([formatAge(40_000), formatAge(7 * 60_000), formatAge((2 * 60 + 5) * 60_000), formatAge((3 * 24 + 4) * 3_600_000)]).toEqual(['40 s', '7 min', '2 h 5 min', '3 d 4 h']);
});

describeWithTerraform('npm run state:check and a stale S3 lock file', () => {
  const work = mkdtempSync(path.join(os.tmpdir(), 'state-lock-'));
  let s3: S3Server;
  let front: S3Front;
  let synth: Synthesized;
  let backendFile: string;
  let key: string;

  beforeAll(async () => {
    s3 = await startS3([BUCKET]);
    front = await startS3Front(s3.endpoint, { conditionalWrites: true });
    const data = defaultConfigData();
    data.state.bucket = BUCKET;
    synth = synthStateAndNetwork(configFrom(data));
    key = synth.stack('dev-network').terraform.backend.s3.key as string;
    backendFile = writeTestBackendConfig(work, { s3: front.endpoint });
  });

  afterAll(async () => {
    await Promise.all([s3?.close(), front?.close()]);
    rmSync(work, { recursive: true, force: true });
    if (synth) rmSync(synth.outdir, { recursive: true, force: true });
  });

  const check = async () => {
    let out = '';
    let err = '';
    const code = await runStateCheck(['dev-network', `-backend-config=${backendFile}`], { ...process.env, CDKTF_OUTDIR: synth.outdir }, { out: (t) => (out += t), err: (t) => (err += t) });
    return { code, out, err };
  };

  test('an unlocked state passes, and the check leaves no lock file behind', async () => {
    const result = await check();
    expect(result.err).toBe('');
    expect(result.code).toBe(0);
    expect(result.out).toContain(`ok   dev-network: s3://${BUCKET}/${key} (ap-northeast-2, locking: lock file); not locked`);
    expect(await s3.getObject(BUCKET, `${key}.tflock`)).toBeUndefined();
    // The same with a state holding a resource (of Terraform's built-in provider: nothing to install).
    const state = {
      version: 4,
      terraform_version: '1.11.4',
      serial: 3,
      lineage: 'state-lock-test',
      outputs: {},
      resources: [
        {
          mode: 'managed',
          type: 'terraform_data',
          name: 'kept',
          provider: 'provider["terraform.io/builtin/terraform"]',
          instances: [{ schema_version: 0, attributes: { id: 'kept', input: null, output: null, triggers_replace: null }, sensitive_attributes: [] }],
        },
      ],
    };
    expect(await s3.putObject(BUCKET, key, JSON.stringify(state))).toBe(200);
    const withState = await check();
    expect(withState.err).toBe('');
    expect(withState.code).toBe(0);
    expect(JSON.parse((await s3.getObject(BUCKET, key))!.toString()).serial).toBe(3);
    expect(await s3.getObject(BUCKET, `${key}.tflock`)).toBeUndefined();
  });

  test('a lock left by a killed apply: who holds it, how old it is, how to release it; the lock stays as it was', async () => {
    const created = new Date(Date.now() - (3 * 60 + 12) * 60_000);
    const lock = JSON.stringify({ ID: LOCK_ID, Operation: 'OperationTypeApply', Info: '', Who: 'ci@runner-7', Version: '1.11.4', Created: created.toISOString(), Path: `${BUCKET}/${key}` });
    expect(await s3.putObject(BUCKET, `${key}.tflock`, lock)).toBe(200);

    const result = await check();
    expect(result.code).toBe(1);
    expect(result.err).toContain(`FAIL dev-network: the state s3://${BUCKET}/${key} is locked (${key}.tflock):`);
    expect(result.err).toContain(`ID:        ${LOCK_ID}`);
    expect(result.err).toContain('Operation: OperationTypeApply');
    expect(result.err).toContain('Who:       ci@runner-7');
    expect(result.err).toMatch(/Created: {3}\d{4}-\d\d-\d\d \d\d:\d\d:\d\d.* \(3 h 1[12] min ago\)/);
    expect(result.err).toContain(`terraform force-unlock ${LOCK_ID}`);
    expect(result.err).toContain('terraform state push errored.tfstate');
    expect((await s3.getObject(BUCKET, `${key}.tflock`))?.toString()).toBe(lock);
  });

  test("the runbook's force-unlock releases it, and the check passes again", async () => {
    const dir = path.join(work, 'unlock');
    mkdirSync(dir);
    writeFileSync(path.join(dir, 'backend.tf.json'), JSON.stringify({ terraform: { backend: synth.stack('dev-network').terraform.backend } }));
    const env = terraformEnv();
    const init = await run('terraform', ['init', '-input=false', '-no-color', `-backend-config=${backendFile}`], dir, env);
    expect(init.stderr).toBe('');
    const unlock = await run('terraform', ['force-unlock', '-force', LOCK_ID], dir, env);
    expect(unlock.stdout).toMatch(/successfully unlocked/);
    expect(await s3.getObject(BUCKET, `${key}.tflock`)).toBeUndefined();
    expect((await check()).code).toBe(0);
  });
});

/**
 * The terraform-state bootstrap stack and the S3 backend of every stack, as synthesized:
 * every property of every bootstrap resource, the outputs, and the backend blocks.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { App, TerraformOutput, TerraformStack } from 'cdktf';
import { Construct } from 'constructs';
import { StateBucket } from '../modules/state-bucket';
import { stateBackendStatements } from '../modules/state-backend-policy';
import { stateKey, stateKmsAlias } from '../modules/state-naming';
import { buildApp } from '../main';
import { BaseStack } from '../stacks/base-stack';
import { NetworkStack } from '../stacks/network-stack';
import { LOCAL_STATE_PATH, localStatePathFrom } from '../terraform-state/state-stack';
import type { ResolvedConfig } from '../config/validate';
import { synthStateAndNetwork } from './helpers/state-synth';
import { configFrom, defaultConfigData, Json, resources, synthConfig, synthDefault } from './helpers/synth';

const root = path.join(__dirname, '..');

/** A resource's configuration without cdktf's metadata. */
function body(resource: Json): Json {
  const { '//': _metadata, ...rest } = resource;
  return rest;
}

/** The one resource of `type` that belongs to the state bucket (not to its access log bucket). */
function one(stack: Json, type: string): [string, Json] {
  const all = resources(stack, type).filter(([, r]) => !String(r['//']?.metadata?.path ?? '').includes('/state-access-logs/'));
  if (all.length !== 1) throw new Error(`expected one ${type}, found ${all.length}`);
  return [all[0][0], body(all[0][1])];
}

const ref = (type: string, name: string, attribute: string) => `\${${type}.${name}.${attribute}}`;

/** The whole app of the default configuration, synthesized once for this file. */
const defaultSynth = synthDefault();

function configWith(change: (data: Json) => void): ResolvedConfig {
  const data = defaultConfigData();
  change(data);
  return configFrom(data);
}

describe('terraform-state stack (default configuration: SSE-KMS, no lock table, local state)', () => {
  const synth = defaultSynth;
  const stack = synth.stack('terraform-state');
  const bucketName = synth.config.state.bucket;
  const [bucketId, bucket] = one(stack, 'aws_s3_bucket');
  const [keyId, key] = one(stack, 'aws_kms_key');
  const bucketRef = ref('aws_s3_bucket', bucketId, 'id');
  const bucketArn = ref('aws_s3_bucket', bucketId, 'arn');
  const keyArn = ref('aws_kms_key', keyId, 'arn');

  test('is the first stack buildApp adds, and the only account-wide one', () => {
    const app = new App({ outdir: mkdtempSync(path.join(os.tmpdir(), 'order-')) });
    buildApp(app, synth.config);
    const stacks = app.node.children.filter((c): c is TerraformStack => c instanceof TerraformStack).map((c) => c.node.id);
    expect(stacks[0]).toBe('terraform-state');
    expect(stacks.filter((s) => s === 'terraform-state')).toHaveLength(1);
    expect(stacks.length).toBe(synth.stackNames().length);
  });

  test('the provider is in the state region, tagged without an environment', () => {
    expect(stack.provider.aws).toEqual([
      { region: 'ap-northeast-2', default_tags: [{ tags: { Project: 'acme', Stack: 'terraform-state', ManagedBy: 'cdktf', ...synth.config.tags } }] },
    ]);
    expect(stack.terraform.required_version).toBe('>= 1.10');
  });

  test('the bucket: configured name, prevent_destroy, no force_destroy, nothing else', () => {
    expect(bucket).toEqual({ bucket: bucketName, force_destroy: false, lifecycle: { prevent_destroy: true } });
  });

  test('versioning is enabled', () => {
    expect(one(stack, 'aws_s3_bucket_versioning')[1]).toEqual({ bucket: bucketRef, versioning_configuration: { status: 'Enabled' } });
  });

  test('default encryption is SSE-KMS with the created key and an S3 Bucket Key', () => {
    expect(one(stack, 'aws_s3_bucket_server_side_encryption_configuration')[1]).toEqual({
      bucket: bucketRef,
      rule: [{ apply_server_side_encryption_by_default: { sse_algorithm: 'aws:kms', kms_master_key_id: keyArn }, bucket_key_enabled: true }],
    });
  });

  test('the KMS key rotates, waits 30 days before deletion and cannot be destroyed by Terraform; its alias is the one backends name', () => {
    expect(key).toEqual({
      description: `Encrypts the Terraform state in s3://${bucketName}`,
      enable_key_rotation: true,
      deletion_window_in_days: 30,
      lifecycle: { prevent_destroy: true },
    });
    expect(one(stack, 'aws_kms_alias')[1]).toEqual({ name: `alias/terraform-state/${bucketName}`, target_key_id: ref('aws_kms_key', keyId, 'key_id') });
  });

  test('all four public-access blocks are on', () => {
    expect(one(stack, 'aws_s3_bucket_public_access_block')[1]).toEqual({
      bucket: bucketRef,
      block_public_acls: true,
      block_public_policy: true,
      ignore_public_acls: true,
      restrict_public_buckets: true,
    });
  });

  test('object ownership is BucketOwnerEnforced (ACLs off)', () => {
    expect(one(stack, 'aws_s3_bucket_ownership_controls')[1]).toEqual({ bucket: bucketRef, rule: { object_ownership: 'BucketOwnerEnforced' } });
  });

  test('the bucket policy denies requests without TLS and with TLS older than 1.2, after the public-access block exists', () => {
    const [, policy] = one(stack, 'aws_s3_bucket_policy');
    const [pabId] = one(stack, 'aws_s3_bucket_public_access_block');
    expect(policy.bucket).toBe(bucketRef);
    expect(policy.depends_on).toEqual([`aws_s3_bucket_public_access_block.${pabId}`]);
    const objects = [bucketArn, `${bucketArn}/*`];
    expect(JSON.parse(policy.policy)).toEqual({
      Version: '2012-10-17',
      Statement: [
        { Sid: 'DenyInsecureTransport', Effect: 'Deny', Principal: '*', Action: 's3:*', Resource: objects, Condition: { Bool: { 'aws:SecureTransport': 'false' } } },
        { Sid: 'DenyOutdatedTls', Effect: 'Deny', Principal: '*', Action: 's3:*', Resource: objects, Condition: { NumericLessThan: { 's3:TlsVersion': '1.2' } } },
      ],
    });
  });

  test('lifecycle: noncurrent versions expire after the configured days, expired delete markers go, uploads abort after 7 days', () => {
    const [, lifecycle] = one(stack, 'aws_s3_bucket_lifecycle_configuration');
    const [versioningId] = one(stack, 'aws_s3_bucket_versioning');
    expect(lifecycle).toEqual({
      bucket: bucketRef,
      depends_on: [`aws_s3_bucket_versioning.${versioningId}`],
      rule: [
        {
          id: 'abort-incomplete-uploads',
          status: 'Enabled',
          filter: [{ prefix: '' }],
          abort_incomplete_multipart_upload: [{ days_after_initiation: 7 }],
        },
        {
          id: 'expire-noncurrent-state-versions',
          status: 'Enabled',
          filter: [{ prefix: '' }],
          noncurrent_version_expiration: [{ noncurrent_days: 90 }],
          expiration: [{ expired_object_delete_marker: true }],
        },
      ],
    });
  });

  test('no lock table without state.lockTable', () => {
    expect(resources(stack, 'aws_dynamodb_table')).toEqual([]);
  });

  test('a managed policy grants exactly what the backend needs, on named resources', () => {
    const [, policy] = one(stack, 'aws_iam_policy');
    expect(policy.name).toBe('acme-terraform-state-backend');
    expect(policy.description).toContain(`s3://${bucketName}`);
    expect(JSON.parse(policy.policy)).toEqual({
      Version: '2012-10-17',
      Statement: [
        { Sid: 'ListStateBucket', Effect: 'Allow', Action: 's3:ListBucket', Resource: bucketArn },
        { Sid: 'ReadWriteState', Effect: 'Allow', Action: ['s3:GetObject', 's3:PutObject'], Resource: `${bucketArn}/*.tfstate` },
        { Sid: 'ManageLockFiles', Effect: 'Allow', Action: ['s3:GetObject', 's3:PutObject', 's3:DeleteObject'], Resource: `${bucketArn}/*.tfstate.tflock` },
        { Sid: 'StateEncryptionKey', Effect: 'Allow', Action: ['kms:Encrypt', 'kms:Decrypt', 'kms:GenerateDataKey'], Resource: keyArn },
      ],
    });
  });

  test('an explicit key policy: the account administers the key (named actions, no kms:*), the account id read from the key ARN', () => {
    const [, keyPolicy] = one(stack, 'aws_kms_key_policy');
    expect(keyPolicy.key_id).toBe(ref('aws_kms_key', keyId, 'key_id'));
    const statements = JSON.parse(keyPolicy.policy).Statement as Json[];
    expect(statements).toHaveLength(1);
    expect(statements[0]).toMatchObject({ Sid: 'AccountAdministersTheKey', Effect: 'Allow', Resource: '*', Principal: { AWS: expect.stringMatching(/^arn:aws:iam::\$\{local\.[^}]+\}:root$/) } });
    expect(statements[0].Action).toEqual(expect.arrayContaining(['kms:Put*', 'kms:Decrypt', 'kms:GenerateDataKey*']));
    expect(statements[0].Action).not.toContain('kms:*');
    const local = /\$\{local\.([^}]+)\}/.exec(statements[0].Principal.AWS)![1];
    expect(stack.locals[local]).toBe(`\${element(split(":", aws_kms_key.${keyId}.arn), 4)}`);
  });

  test('server access logging to a log bucket the bootstrap creates: versioned, SSE-S3, public access blocked, expiring, admitting only S3 log delivery for the state bucket', () => {
    const logging = Object.values(stack.resource.aws_s3_bucket_logging as Record<string, Json>);
    expect(logging).toHaveLength(1);
    const [logBucketId, logBucket] = resources(stack, 'aws_s3_bucket').find(([, b]) => b.bucket === `${bucketName}-logs`)!;
    const logBucketRef = ref('aws_s3_bucket', logBucketId, 'id');
    expect(logging[0]).toMatchObject({ bucket: bucketRef, target_bucket: logBucketRef, target_prefix: `${bucketRef}/` });
    expect(logBucket).toMatchObject({ force_destroy: false, lifecycle: { prevent_destroy: true } });
    const of = (type: string) => resources(stack, type).find(([, r]) => r.bucket === logBucketRef)![1];
    expect(of('aws_s3_bucket_versioning').versioning_configuration).toEqual({ status: 'Enabled' });
    expect(of('aws_s3_bucket_server_side_encryption_configuration').rule).toEqual([{ apply_server_side_encryption_by_default: { sse_algorithm: 'AES256' } }]);
    expect(of('aws_s3_bucket_public_access_block')).toMatchObject({ block_public_acls: true, block_public_policy: true, ignore_public_acls: true, restrict_public_buckets: true });
    expect(of('aws_s3_bucket_lifecycle_configuration').rule.map((r: Json) => r.id)).toEqual(['abort-incomplete-uploads', 'expire-access-logs']);
    const statements = JSON.parse(of('aws_s3_bucket_policy').policy).Statement as Json[];
    expect(statements.map((st) => st.Sid)).toEqual(['DenyInsecureTransport', 'DenyOutdatedTls', 'S3ServerAccessLogDelivery']);
    expect(statements[2]).toMatchObject({
      Principal: { Service: 'logging.s3.amazonaws.com' },
      Action: 's3:PutObject',
      Condition: { ArnLike: { 'aws:SourceArn': bucketArn }, StringEquals: { 'aws:SourceAccount': expect.stringMatching(/^\$\{local\./) } },
    });
  });

  test('exactly the expected resources, nothing that calls AWS at plan time', () => {
    expect(Object.keys(stack.resource).sort()).toEqual([
      'aws_iam_policy',
      'aws_kms_alias',
      'aws_kms_key',
      'aws_kms_key_policy',
      'aws_s3_bucket',
      'aws_s3_bucket_lifecycle_configuration',
      'aws_s3_bucket_logging',
      'aws_s3_bucket_ownership_controls',
      'aws_s3_bucket_policy',
      'aws_s3_bucket_public_access_block',
      'aws_s3_bucket_server_side_encryption_configuration',
      'aws_s3_bucket_versioning',
    ]);
    expect(stack.data).toBeUndefined();
  });

  test('outputs: bucket name and ARN, KMS key ARN, lock table name (empty), policy ARN, and a backend.hcl', () => {
    const [policyId] = one(stack, 'aws_iam_policy');
    const values = Object.fromEntries(Object.entries(stack.output as Record<string, Json>).map(([k, v]) => [k, v.value]));
    expect(values).toEqual({
      state_bucket_name: ref('aws_s3_bucket', bucketId, 'bucket'),
      state_bucket_arn: bucketArn,
      kms_key_arn: keyArn,
      lock_table_name: '',
      backend_access_policy_arn: ref('aws_iam_policy', policyId, 'arn'),
      access_log_bucket_name: ref('aws_s3_bucket', resources(stack, 'aws_s3_bucket').find(([, b]) => b.bucket === `${bucketName}-logs`)![0], 'bucket'),
      backend_hcl: expect.any(String),
    });
    const hcl = values.backend_hcl as string;
    expect(hcl.split('\n').filter((l) => l && !l.startsWith('#'))).toEqual([
      `bucket       = "${ref('aws_s3_bucket', bucketId, 'bucket')}"`,
      'region       = "ap-northeast-2"',
      'encrypt      = true',
      'use_lockfile = true',
      `kms_key_id   = "${keyArn}"`,
    ]);
    for (const output of Object.values(stack.output as Record<string, Json>)) expect(output.description).toEqual(expect.any(String));
  });

  test('its own state starts in a local backend: terraform-state/terraform.tfstate, by a path relative to the stack folder', () => {
    expect(Object.keys(stack.terraform.backend)).toEqual(['local']);
    const local = stack.terraform.backend.local.path as string;
    expect(path.isAbsolute(local)).toBe(false);
    expect(path.resolve(synth.outdir, 'stacks', 'terraform-state', local)).toBe(LOCAL_STATE_PATH);
    expect(LOCAL_STATE_PATH).toBe(path.join(root, 'terraform-state', 'terraform.tfstate'));
    // With the usual output folder, the synthesized path names no machine.
    expect(localStatePathFrom(path.join(root, 'cdktf.out'))).toBe('../../../terraform-state/terraform.tfstate');
    expect(localStatePathFrom(path.join(root, 'ci-cdktf.out'))).toBe('../../../terraform-state/terraform.tfstate');
  });
});

describe('terraform-state stack variants', () => {
  test('encryption "s3": SSE-S3, no key, no KMS statement, empty key output, no kms_key_id in any backend', () => {
    const synth = synthStateAndNetwork(configWith((d) => (d.state.encryption = 's3')));
    const stack = synth.stack('terraform-state');
    expect(resources(stack, 'aws_kms_key')).toEqual([]);
    expect(resources(stack, 'aws_kms_alias')).toEqual([]);
    const [bucketId] = one(stack, 'aws_s3_bucket');
    expect(one(stack, 'aws_s3_bucket_server_side_encryption_configuration')[1]).toEqual({
      bucket: ref('aws_s3_bucket', bucketId, 'id'),
      rule: [{ apply_server_side_encryption_by_default: { sse_algorithm: 'AES256' } }],
    });
    const statements = JSON.parse(one(stack, 'aws_iam_policy')[1].policy).Statement as Json[];
    expect(statements.map((s) => s.Sid)).toEqual(['ListStateBucket', 'ReadWriteState', 'ManageLockFiles']);
    expect(stack.output.kms_key_arn.value).toBe('');
    expect(stack.output.backend_hcl.value).not.toContain('kms_key_id');
    for (const name of synth.stackNames().filter((s) => s !== 'terraform-state')) {
      expect(synth.stack(name).terraform.backend.s3.kms_key_id).toBeUndefined();
    }
  });

  test('a lock table: LockID string key, on-demand, point-in-time recovery, deletion protection, prevent_destroy; named in outputs and policy', () => {
    const synth = synthStateAndNetwork(configWith((d) => (d.state.lockTable = 'acme-terraform-locks')));
    const stack = synth.stack('terraform-state');
    const [tableId, table] = one(stack, 'aws_dynamodb_table');
    expect(table).toEqual({
      name: 'acme-terraform-locks',
      billing_mode: 'PAY_PER_REQUEST',
      hash_key: 'LockID',
      attribute: [{ name: 'LockID', type: 'S' }],
      point_in_time_recovery: { enabled: true },
      deletion_protection_enabled: true,
      lifecycle: { prevent_destroy: true },
    });
    expect(stack.output.lock_table_name.value).toBe(ref('aws_dynamodb_table', tableId, 'name'));
    expect(stack.output.backend_hcl.value).toContain(`dynamodb_table = "${ref('aws_dynamodb_table', tableId, 'name')}"`);
    const statements = JSON.parse(one(stack, 'aws_iam_policy')[1].policy).Statement as Json[];
    expect(statements.find((s) => s.Sid === 'LockTable')).toEqual({
      Sid: 'LockTable',
      Effect: 'Allow',
      Action: ['dynamodb:DescribeTable', 'dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:DeleteItem'],
      Resource: ref('aws_dynamodb_table', tableId, 'arn'),
    });
  });

  test('noncurrentVersionDays reaches the lifecycle rule', () => {
    const stack = synthStateAndNetwork(configWith((d) => (d.state.noncurrentVersionDays = 30))).stack('terraform-state');
    expect(one(stack, 'aws_s3_bucket_lifecycle_configuration')[1].rule[1].noncurrent_version_expiration).toEqual([{ noncurrent_days: 30 }]);
  });

  test('bootstrapBackend "s3": the bootstrap keeps its state in the bucket at global/terraform-state.tfstate', () => {
    const stack = synthStateAndNetwork(configWith((d) => (d.state.bootstrapBackend = 's3'))).stack('terraform-state');
    expect(stack.terraform.backend).toEqual({
      s3: {
        bucket: 'acme-terraform-state-apne2',
        key: 'global/terraform-state.tfstate',
        region: 'ap-northeast-2',
        encrypt: true,
        kms_key_id: 'alias/terraform-state/acme-terraform-state-apne2',
        use_lockfile: true,
      },
    });
  });

  test('StateBucket refuses SSE-KMS without a key alias', () => {
    const app = new App({ outdir: path.join(os.tmpdir(), 'unused') });
    const stack = new (class extends BaseStack {
      constructor(scope: Construct) {
        super(scope, 'probe', { config: defaultSynth.config, region: 'ap-northeast-2' });
      }
    })(app);
    expect(() => new StateBucket(stack, 'b', { bucketName: 'x-bucket', encryption: 'kms' })).toThrow(/kmsAlias is required/);
  });
});

describe('the S3 backend of every other stack', () => {
  const synth = defaultSynth;
  const stacks = synth.stackNames().filter((s) => s !== 'terraform-state');
  const envOf = (stack: string) => synth.config.environments.find((e) => stack.startsWith(`${e.name}-`))!.name;

  test('there are stacks to check', () => {
    expect(stacks).toEqual(expect.arrayContaining(['dev-network', 'prod-network']));
  });

  test.each(stacks.map((s) => [s]))('%s: bucket, region, <env>/<stack>.tfstate, encrypt, KMS alias, lock file; nothing else', (name) => {
    expect(synth.stack(name).terraform.backend).toEqual({
      s3: {
        bucket: 'acme-terraform-state-apne2',
        key: `${envOf(name)}/${name}.tfstate`,
        region: 'ap-northeast-2',
        encrypt: true,
        kms_key_id: 'alias/terraform-state/acme-terraform-state-apne2',
        use_lockfile: true,
      },
    });
  });

  test('keys are unique per stack', () => {
    const keys = synth.stackNames().map((s) => Object.values(synth.stack(s).terraform.backend as Record<string, Json>)[0].key ?? 'local');
    expect(new Set(keys).size).toBe(keys.length);
    expect(stateKey('dev', 'dev-network')).toBe('dev/dev-network.tfstate');
    expect(stateKey(undefined, 'terraform-state')).toBe('global/terraform-state.tfstate');
  });

  test('a lock table and a state role reach the backends (the role only in its environment); no credentials ever', () => {
    const config = configWith((d) => {
      d.state.lockTable = 'acme-terraform-locks';
      d.environments.prod.stateRoleArn = 'arn:aws:iam::123456789012:role/terraform-state';
    });
    const s = synthConfig(config);
    for (const name of s.stackNames().filter((n) => n !== 'terraform-state')) {
      const backend = s.stack(name).terraform.backend.s3 as Json;
      expect(backend.dynamodb_table).toBe('acme-terraform-locks');
      expect(backend.use_lockfile).toBe(true);
      if (name.startsWith('prod-')) expect(backend.assume_role).toEqual({ role_arn: 'arn:aws:iam::123456789012:role/terraform-state' });
      else expect(backend.assume_role).toBeUndefined();
      for (const secret of ['access_key', 'secret_key', 'token', 'profile', 'shared_credentials_files', 'endpoints', 'endpoint', 'skip_credentials_validation', 'use_path_style']) {
        expect(backend[secret]).toBeUndefined();
      }
    }
  });

  test('the KMS alias is derived from the bucket, with the dots alias names do not allow', () => {
    expect(stateKmsAlias('acme.state.bucket')).toBe('alias/terraform-state/acme-state-bucket');
  });
});

describe('cross-stack references read the producer exactly where it writes', () => {
  test('a terraform_remote_state copies bucket, key, region, KMS key, table and role of the producer backend', () => {
    const config = configWith((d) => {
      d.state.lockTable = 'acme-terraform-locks';
      d.environments.dev.stateRoleArn = 'arn:aws:iam::123456789012:role/terraform-state';
    });
    const outdir = mkdtempSync(path.join(os.tmpdir(), 'remote-ref-'));
    const app = new App({ outdir });
    const network = new NetworkStack(app, { config, environment: config.environments[0] });
    new (class extends BaseStack {
      constructor(scope: Construct) {
        super(scope, 'dev-consumer', { config, environment: 'dev', region: 'ap-northeast-2', stateRoleArn: config.environments[0].stateRoleArn });
        new TerraformOutput(this, 'vpc', { value: network.vpc.vpc.id });
      }
    })(app);
    app.synth();
    const consumer = JSON.parse(readFileSync(path.join(outdir, 'stacks', 'dev-consumer', 'cdk.tf.json'), 'utf8'));
    const producer = JSON.parse(readFileSync(path.join(outdir, 'stacks', 'dev-network', 'cdk.tf.json'), 'utf8'));
    const [remote] = Object.values(consumer.data.terraform_remote_state as Record<string, Json>);
    const { use_lockfile: _lockfile, ...location } = producer.terraform.backend.s3;
    expect(remote.backend).toBe('s3');
    expect(remote.config).toEqual(location);
    expect(remote.workspace).toBe('${terraform.workspace}');
  });
});

describe('backend policy statements', () => {
  test('without table and key: list, state objects, lock files only', () => {
    expect(stateBackendStatements({ bucketArn: 'arn:aws:s3:::b' })).toEqual([
      { Sid: 'ListStateBucket', Effect: 'Allow', Action: 's3:ListBucket', Resource: 'arn:aws:s3:::b' },
      { Sid: 'ReadWriteState', Effect: 'Allow', Action: ['s3:GetObject', 's3:PutObject'], Resource: 'arn:aws:s3:::b/*.tfstate' },
      { Sid: 'ManageLockFiles', Effect: 'Allow', Action: ['s3:GetObject', 's3:PutObject', 's3:DeleteObject'], Resource: 'arn:aws:s3:::b/*.tfstate.tflock' },
    ]);
  });

  test('no statement uses a wildcard action', () => {
    const all = stateBackendStatements({ bucketArn: 'arn:aws:s3:::b', kmsKeyArn: 'arn:aws:kms:x', lockTableArn: 'arn:aws:dynamodb:x' });
    expect(all).toHaveLength(5);
    for (const s of all) for (const action of [s.Action].flat()) expect(action).not.toContain('*');
  });
});

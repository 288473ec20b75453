/**
 * Bad `state` configuration: every fault names its key, the synth exits non-zero without a
 * stack trace and leaves the previous output as it was (as in config-errors.test.ts).
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { runSynth } from '../main';
import { expectRejected, mutated, previousOutput, synthWith } from './helpers/bad-config';

const faults: Array<[string, string, RegExp]> = [
  ['missing state section', mutated((d) => delete d.state), /^ {2}- state: is required/m],
  ['missing bucket', mutated((d) => delete d.state.bucket), /state\.bucket: is required \(expected string\)/],
  ['bucket with capitals', mutated((d) => (d.state.bucket = 'Acme-State')), /state\.bucket: a bucket name has only lowercase letters, digits, dots and hyphens: "Acme-State"/],
  ['bucket with ".."', mutated((d) => (d.state.bucket = 'acme..state')), /state\.bucket: a bucket name has no two adjacent dots: "acme\.\.state"/],
  ['bucket named like an IP address', mutated((d) => (d.state.bucket = '192.168.10.12')), /state\.bucket: a bucket name is not an IP address: "192\.168\.10\.12"/],
  ['bucket with a reserved suffix', mutated((d) => (d.state.bucket = 'acme-state-s3alias')), /state\.bucket: a bucket name must not end with the reserved suffix "-s3alias"/],
  ['unknown state region', mutated((d) => (d.state.region = 'eu-central-9')), /state\.region: unknown AWS region "eu-central-9"; valid regions: /],
  ['unknown encryption', mutated((d) => (d.state.encryption = 'aes256')), /state\.encryption: must be "kms" \(SSE-KMS with a key the bootstrap creates\) or "s3" \(SSE-S3\)/],
  ['zero noncurrent days', mutated((d) => (d.state.noncurrentVersionDays = 0)), /state\.noncurrentVersionDays: must be at least 1 \(day\)/],
  ['fractional noncurrent days', mutated((d) => (d.state.noncurrentVersionDays = 1.5)), /state\.noncurrentVersionDays: must be a whole number of days/],
  ['noncurrent days as text', mutated((d) => (d.state.noncurrentVersionDays = 'ninety')), /state\.noncurrentVersionDays: must be a number of days/],
  ['bad lock table name', mutated((d) => (d.state.lockTable = 'a')), /state\.lockTable: must be a DynamoDB table name/],
  ['unknown bootstrap backend', mutated((d) => (d.state.bootstrapBackend = 'remote')), /state\.bootstrapBackend: must be "local" \(until the state bucket exists\) or "s3"/],
  [
    'misspelt state key',
    mutated((d) => (d.state.lockTabel = 'locks')),
    /state\.lockTabel: unknown key; valid keys here: bucket, region, encryption, noncurrentVersionDays, lockTable, accessLogs, bootstrapBackend, account/,
  ],
  [
    'state bucket readable by tasks',
    mutated((d) => (d.environments.dev.network.s3GatewayBuckets = ['acme-assets', d.state.bucket])),
    /environments\.dev\.network\.s3GatewayBuckets\.1: "acme-terraform-state-apne2" is the state bucket \(state\.bucket\); tasks must not read Terraform state/,
  ],
  [
    'state roles in two accounts',
    mutated((d) => {
      d.environments.dev.stateRoleArn = 'arn:aws:iam::123456789012:role/terraform-state';
      d.environments.prod.stateRoleArn = 'arn:aws:iam::210987654321:role/terraform-state';
    }),
    /environments\.prod\.stateRoleArn: is in account 210987654321, but environments\.dev\.stateRoleArn is in 123456789012; the state bucket lives in one account/,
  ],
];

describe('state configuration errors', () => {
  test.each(faults)('%s: names the key, exits non-zero, leaves the previous output unchanged', (_name, content, message) => {
    expectRejected(synthWith(content), message);
  });

  test('the valid variants synthesize', () => {
    const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'state-config-ok-')), 'environments.yaml');
    writeFileSync(
      file,
      mutated((d) => {
        d.state.encryption = 's3';
        d.state.lockTable = 'acme-terraform-locks';
        d.state.noncurrentVersionDays = 1;
        d.state.bootstrapBackend = 's3';
        d.environments.dev.stateRoleArn = 'arn:aws:iam::123456789012:role/terraform-state-dev';
        d.environments.prod.stateRoleArn = 'arn:aws:iam::123456789012:role/terraform-state-prod';
      }),
    );
    let stderr = '';
    const code = runSynth({ INFRA_CONFIG: file, CDKTF_OUTDIR: previousOutput().outdir }, { write: (t: string) => (stderr += t) });
    expect(stderr).not.toMatch(/configuration error/);
    expect(code).toBe(0);
  });
});

/**
 * One AWS account per environment (docs/multi-account.md): the configuration keys and their
 * errors, the pinned providers and assumed roles in the synthesized JSON, the backends of a
 * state bucket in another account, the bucket and key policies that let each environment's
 * state role reach only its own keys (checked with a small policy evaluator for every pair
 * of environments), the Atlantis workflows, and the account in state:check and the preflight.
 * multi-account.tf.test.ts plans the example offline with the provider's account checks on.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseDocument, stringify } from 'yaml';
import { loadConfigFile } from '../config/load';
import { deploySessionName } from '../stacks/provider-account';
import { atlantisConfig, WORKFLOW_NAME } from '../lib/atlantis/repo-config';
import { stackCredentials } from '../lib/atlantis/accounts';
import { readManifest } from '../lib/atlantis/manifest';
import { renderJson, renderText } from '../lib/preflight/report';
import { stackBackends } from '../lib/state/backend';
import { runStateCheck } from '../lib/state/check-cli';
import { expectRejected, synthWith } from './helpers/bad-config';
import { preflightOf, stacksOf } from './helpers/preflight';
import { evaluate, Request, Statement } from './helpers/policy-eval';
import { Json, only, resources, synthConfig, synthDefault, Synthesized } from './helpers/synth';

const EXAMPLE = path.join(__dirname, '..', 'config', 'examples', 'multi-account.yaml');
const exampleText = () => readFileSync(EXAMPLE, 'utf8');
const exampleData = (): Json => parseDocument(exampleText()).toJS() as Json;
/** The example, changed by `change`, as YAML text. */
const exampleWith = (change: (d: Json) => void): string => {
  const data = exampleData();
  change(data);
  return stringify(data);
};

const DEV = '111122223333';
const PROD = '444455556666';
const STATE = '777788889999';
const BUCKET = 'acme-terraform-state-apne2';
const BUCKET_ARN = `arn:aws:s3:::${BUCKET}`;

let example: Synthesized;
beforeAll(() => {
  example = synthConfig(loadConfigFile(EXAMPLE));
});

const providersOf = (stack: Json): Json[] => stack.provider.aws as Json[];

describe('pinned providers', () => {
  test('every AWS provider of an environment is pinned to its account and assumes its deploy role, aliases included', () => {
    const seen: string[] = [];
    for (const name of example.stackNames().filter((n) => n !== 'terraform-state')) {
      const env = name.split('-')[0];
      const account = env === 'dev' ? DEV : PROD;
      for (const provider of providersOf(example.stack(name))) {
        seen.push(`${name}${provider.alias ? `/${provider.alias}` : ''}`);
        expect(provider.allowed_account_ids).toEqual([account]);
        expect(provider.assume_role).toEqual([
          {
            role_arn: `arn:aws:iam::${account}:role/acme-deploy`,
            session_name: `acme-${name}`,
            ...(env === 'prod' ? { external_id: 'acme-prod-deploy' } : {}),
          },
        ]);
      }
    }
    // CloudFront's us-east-1 provider follows prod's account and role.
    expect(seen).toEqual(expect.arrayContaining(['prod-platform/us_east_1', 'dev-network', 'prod-web']));
  });

  test('the bootstrap is pinned to state.account and assumes no role', () => {
    const [provider] = providersOf(example.stack('terraform-state'));
    expect(provider.allowed_account_ids).toEqual([STATE]);
    expect(provider.assume_role).toBeUndefined();
  });

  test('an account without a deploy role pins the provider and assumes nothing', () => {
    const synth = synthConfig(configFromText(exampleWith((d) => delete d.environments.dev.deployRoleArn), 'dev'));
    const [provider] = providersOf(synth.stack('dev-network'));
    expect(provider.allowed_account_ids).toEqual([DEV]);
    expect(provider.assume_role).toBeUndefined();
  });

  test('the default configuration pins nothing and assumes nothing', () => {
    const synth = synthDefault();
    for (const name of synth.stackNames()) {
      for (const provider of providersOf(synth.stack(name))) {
        expect(provider.allowed_account_ids).toBeUndefined();
        expect(provider.assume_role).toBeUndefined();
      }
    }
  });

  test('session names are <project>-<stack>, within IAM\'s 64 characters and character set', () => {
    expect(deploySessionName('acme', 'prod-web')).toBe('acme-prod-web');
    const long = deploySessionName('abcdefghijkl', `prod-${'s'.repeat(80)}`);
    expect(long).toHaveLength(64);
    expect(long).toMatch(/^[\w+=,.@-]{2,64}$/);
    expect(deploySessionName('a', 'b c/d')).toBe('a-b-c-d');
  });
});

describe('backends of a state bucket in another account', () => {
  test('each stack assumes its environment\'s state role, names the key by its alias ARN in the state account and keeps workspaces under <env>/', () => {
    for (const name of example.stackNames().filter((n) => n !== 'terraform-state')) {
      const env = name.split('-')[0];
      const s3 = example.stack(name).terraform.backend.s3;
      expect(s3.assume_role).toEqual({ role_arn: `arn:aws:iam::${env === 'dev' ? DEV : PROD}:role/acme-terraform-state` });
      expect(s3.kms_key_id).toBe(`arn:aws:kms:ap-northeast-2:${STATE}:alias/terraform-state/${BUCKET}`);
      expect(s3.key).toBe(`${env}/${name}.tfstate`);
      expect(s3.workspace_key_prefix).toBe(`${env}/workspaces`);
    }
  });

  test('without state.account the backends are as before: the alias name and Terraform\'s workspace prefix', () => {
    const s3 = synthDefault().stack('dev-network').terraform.backend.s3;
    expect(s3.kms_key_id).toBe(`alias/terraform-state/${BUCKET}`);
    expect(s3.workspace_key_prefix).toBeUndefined();
  });
});

/** The bucket policy and key policy of a synthesized bootstrap, tokens replaced by the bucket's ARN. */
function statePolicies(synth: Synthesized): { bucket: Statement[]; key?: Statement[] } {
  const stack = synth.stack('terraform-state');
  const literal = (text: string) => text.replace(/\$\{aws_s3_bucket\.[\w-]+\.arn\}/g, BUCKET_ARN);
  // The state bucket's own policy, not its access log bucket's.
  const policies = resources(stack, 'aws_s3_bucket_policy').filter(([, p]) => !String(p['//']?.metadata?.path ?? '').includes('/state-access-logs/'));
  expect(policies).toHaveLength(1);
  const bucket = JSON.parse(literal(policies[0][1].policy as string)).Statement as Statement[];
  const keyPolicy = only(stack, 'aws_kms_key').policy as string | undefined;
  return { bucket, key: keyPolicy ? (JSON.parse(keyPolicy).Statement as Statement[]) : undefined };
}

describe('state access per environment (bucket and key policies of the bootstrap)', () => {
  const role = (env: string) => `arn:aws:iam::${env === 'dev' ? DEV : PROD}:role/acme-terraform-state`;
  const TLS = { 'aws:SecureTransport': 'true', 's3:TlsVersion': '1.3' };
  const s3 = (principal: string, action: string, resource: string, context: Record<string, string> = {}): Request => ({ principal, action, resource, context: { ...TLS, ...context } });
  const envs = ['dev', 'prod'];
  const pairs = envs.flatMap((from) => envs.map((to) => [from, to] as const));

  test.each(pairs)('the %s state role on %s\'s state: allowed only when they are the same environment', (from, to) => {
    const { bucket } = statePolicies(example);
    const own = from === to;
    const object = (key: string) => `${BUCKET_ARN}/${to}/${key}`;
    const expectations: Array<[Request, boolean]> = [
      [s3(role(from), 's3:GetObject', object(`${to}-network.tfstate`)), own],
      [s3(role(from), 's3:PutObject', object(`${to}-network.tfstate`)), own],
      [s3(role(from), 's3:GetObject', object(`${to}-web.tfstate.tflock`)), own],
      [s3(role(from), 's3:PutObject', object(`${to}-web.tfstate.tflock`)), own],
      [s3(role(from), 's3:DeleteObject', object(`${to}-web.tfstate.tflock`)), own],
      [s3(role(from), 's3:GetObject', object(`workspaces/feature/${to}/${to}-web.tfstate`)), own],
      [s3(role(from), 's3:ListBucket', BUCKET_ARN, { 's3:prefix': `${to}/workspaces/` }), own],
    ];
    for (const [request, allowed] of expectations) {
      expect([request.action, request.resource, evaluate(bucket, request)]).toEqual([request.action, request.resource, allowed ? 'allow' : expect.stringMatching(/deny/)]);
    }
    // Objects of another environment are denied explicitly: no identity policy in the bucket's account can widen the grant.
    if (!own) expect(evaluate(bucket, s3(role(from), 's3:GetObject', object(`${to}-network.tfstate`)))).toBe('explicit-deny');
  });

  test('no state role may delete state, reach the bootstrap\'s own state, or list the whole bucket', () => {
    const { bucket } = statePolicies(example);
    for (const env of envs) {
      expect(evaluate(bucket, s3(role(env), 's3:DeleteObject', `${BUCKET_ARN}/${env}/${env}-network.tfstate`))).toBe('implicit-deny');
      expect(evaluate(bucket, s3(role(env), 's3:GetObject', `${BUCKET_ARN}/global/terraform-state.tfstate`))).toBe('explicit-deny');
      expect(evaluate(bucket, s3(role(env), 's3:ListBucket', BUCKET_ARN))).toBe('implicit-deny');
      expect(evaluate(bucket, s3(role(env), 's3:GetObject', `${BUCKET_ARN}/${env}/${env}-network.tfstate`, { 'aws:SecureTransport': 'false' }))).toBe('explicit-deny');
    }
    expect(evaluate(bucket, s3('arn:aws:iam::999999999999:role/other', 's3:GetObject', `${BUCKET_ARN}/dev/dev-network.tfstate`))).toBe('implicit-deny');
  });

  test('the key policy: the state account administers the key; the state roles encrypt and decrypt only through S3, for this bucket', () => {
    const { key } = statePolicies(example);
    const kms = (principal: string, action: string, context: Record<string, string>): Request => ({ principal, action, resource: '*', context });
    const viaS3 = { 'kms:ViaService': 's3.ap-northeast-2.amazonaws.com', 'kms:EncryptionContext:aws:s3:arn': BUCKET_ARN };
    for (const env of envs) {
      for (const action of ['kms:Encrypt', 'kms:Decrypt', 'kms:GenerateDataKey']) expect(evaluate(key!, kms(role(env), action, viaS3))).toBe('allow');
      expect(evaluate(key!, kms(role(env), 'kms:Decrypt', {}))).toBe('implicit-deny');
      expect(evaluate(key!, kms(role(env), 'kms:Decrypt', { ...viaS3, 'kms:EncryptionContext:aws:s3:arn': 'arn:aws:s3:::another-bucket' }))).toBe('implicit-deny');
      expect(evaluate(key!, kms(role(env), 'kms:ScheduleKeyDeletion', viaS3))).toBe('implicit-deny');
      expect(evaluate(key!, kms(role(env), 'kms:PutKeyPolicy', viaS3))).toBe('implicit-deny');
    }
    for (const action of ['kms:PutKeyPolicy', 'kms:ScheduleKeyDeletion', 'kms:Decrypt']) {
      expect(evaluate(key!, kms(`arn:aws:iam::${STATE}:role/admin`, action, {}))).toBe('allow');
    }
    // No "kms:*": the guardrails refuse wildcard actions.
    expect(key!.flatMap((s) => [s.Action].flat())).not.toContain('kms:*');
  });

  test('an environment without a state role gets no grant; without state.account there are no grants and no inline key policy (the explicit key policy resource instead)', () => {
    const synth = synthConfig(configFromText(exampleWith((d) => delete d.environments.prod.stateRoleArn)));
    const { bucket, key } = statePolicies(synth);
    const principals = bucket.flatMap((s) => (s.Principal && s.Principal !== '*' ? [s.Principal.AWS].flat() : []));
    expect(new Set(principals)).toEqual(new Set([role('dev')]));
    expect(key!.find((s) => s.Sid === 'StateRolesUseKeyThroughS3')?.Principal).toEqual({ AWS: [role('dev')] });

    const plain = statePolicies(synthDefault());
    expect(plain.bucket.every((s) => s.Principal === '*' && s.Effect === 'Deny')).toBe(true);
    expect(plain.key).toBeUndefined();
    const explicit = JSON.parse(only(synthDefault().stack('terraform-state'), 'aws_kms_key_policy').policy as string).Statement as Statement[];
    expect(explicit.map((s) => s.Sid)).toEqual(['AccountAdministersTheKey']);
  });
});

/** Validates YAML text (the environments `only`, if given) into a resolved configuration. */
function configFromText(text: string, onlyEnv?: string) {
  const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'multi-account-')), 'environments.yaml');
  const data = parseDocument(text).toJS() as Json;
  if (onlyEnv) for (const env of Object.keys(data.environments)) if (env !== onlyEnv) delete data.environments[env];
  writeFileSync(file, stringify(data));
  return loadConfigFile(file);
}

describe('configuration errors', () => {
  const faults: Array<[string, string, RegExp]> = [
    [
      'an unquoted account id (a YAML number)',
      exampleText().replace('account: "111122223333"', 'account: 111122223333'),
      /environments\.dev\.account: must be a quoted string of 12 digits \(e\.g\. "012345678901"\), got the number 111122223333/,
    ],
    [
      'an unquoted account id with a leading zero',
      exampleText().replace('account: "777788889999"', 'account: 012345678901'),
      /state\.account: must be a quoted string of 12 digits .*got the number 12345678901: YAML reads an unquoted id as a number, which drops leading zeros/,
    ],
    ['an account id that is not 12 digits', exampleWith((d) => (d.environments.prod.account = '4444555566')), /environments\.prod\.account: must be a 12-digit AWS account id \(e\.g\. "012345678901"\), got "4444555566"/],
    [
      'a deploy role in another account',
      exampleWith((d) => (d.environments.prod.deployRoleArn = `arn:aws:iam::${DEV}:role/acme-deploy`)),
      /environments\.prod\.deployRoleArn: is in account 111122223333, but environments\.prod\.account is 444455556666; the deploy role must be in the account the environment deploys into/,
    ],
    [
      'a deploy role without an account',
      exampleWith((d) => delete d.environments.dev.account),
      /environments\.dev\.deployRoleArn: needs environments\.dev\.account, the account the environment deploys into \(the role is in 111122223333; set account: "111122223333"/,
    ],
    ['a deploy role that is not a role ARN', exampleWith((d) => (d.environments.dev.deployRoleArn = `arn:aws:iam::${DEV}:user/deployer`)), /environments\.dev\.deployRoleArn: must be an IAM role ARN: arn:<aws\|aws-cn\|aws-us-gov>:iam::<12-digit account>:role\/<name>/],
    ['a deploy role in an unknown partition', exampleWith((d) => (d.environments.dev.deployRoleArn = `arn:aws-iso:iam::${DEV}:role/acme-deploy`)), /environments\.dev\.deployRoleArn: must be an IAM role ARN/],
    [
      'a deploy role in another partition than the region',
      exampleWith((d) => (d.environments.dev.deployRoleArn = `arn:aws-cn:iam::${DEV}:role/acme-deploy`)),
      /environments\.dev\.deployRoleArn: is in partition aws-cn, but region ap-northeast-2 is in aws/,
    ],
    ['an external id without a role', exampleWith((d) => delete d.environments.prod.deployRoleArn), /environments\.prod\.deployRoleExternalId: is only used to assume environments\.prod\.deployRoleArn, which is not set/],
    ['an external id with a space', exampleWith((d) => (d.environments.prod.deployRoleExternalId = 'acme prod')), /environments\.prod\.deployRoleExternalId: must be an STS external id/],
    [
      'two environments claiming the same account, region and CIDR',
      exampleWith((d) => {
        d.environments.prod.account = DEV;
        d.environments.prod.deployRoleArn = `arn:aws:iam::${DEV}:role/acme-deploy`;
      }),
      /environments\.prod\.network\.cidr: 10\.10\.0\.0\/16 in account 111122223333 \(ap-northeast-2\) is already environments\.dev's network: give environments\.prod its own account/,
    ],
    ['a bad state account', exampleWith((d) => (d.state.account = 'acme')), /state\.account: must be a 12-digit AWS account id/],
  ];

  test.each(faults)('%s: names the key, exits non-zero, leaves the previous output unchanged', (_name, content, message) => {
    expectRejected(synthWith(content), message);
  });

  test('every account error is reported at once', () => {
    const result = synthWith(
      exampleWith((d) => {
        d.environments.dev.account = '12';
        d.environments.prod.deployRoleArn = `arn:aws:iam::${DEV}:role/acme-deploy`;
        d.state.account = 7;
      }),
    );
    expectRejected(result, /environments\.dev\.account: must be a 12-digit/);
    expect(result.stderr).toMatch(/state\.account: must be a quoted string of 12 digits/);
    // The schema errors stop the cross-field rules (as everywhere in config/); the role rule runs once the shapes are right.
    const second = synthWith(exampleWith((d) => {
      d.environments.prod.deployRoleArn = `arn:aws:iam::${DEV}:role/acme-deploy`;
      delete d.environments.dev.account;
    }));
    expect(second.stderr).toMatch(/environments\.prod\.deployRoleArn: is in account 111122223333/);
    expect(second.stderr).toMatch(/environments\.dev\.deployRoleArn: needs environments\.dev\.account/);
  });

  test('with state.account, state roles in different accounts are accepted (without it they are refused)', () => {
    expect(() => configFromText(exampleText())).not.toThrow();
    expectRejected(synthWith(exampleWith((d) => delete d.state.account)), /environments\.prod\.stateRoleArn: is in account 444455556666, but environments\.dev\.stateRoleArn is in 111122223333; .*\(or set state\.account/);
  });

  test('the same CIDR in two accounts is fine (the example does it)', () => {
    const data = exampleData();
    expect(data.environments.dev.network.cidr).toBe(data.environments.prod.network.cidr);
  });
});

describe('Atlantis', () => {
  test('a pinned environment without a deploy role plans and applies with its own AWS_PROFILE; one with a role keeps the shared workflow', () => {
    const synth = synthConfig(configFromText(exampleWith((d) => delete d.environments.dev.deployRoleArn)));
    const stacks = readManifest(synth.outdir);
    const cfg = atlantisConfig(stacks, ['terraform-state'], stackCredentials(synth.outdir, stacks, WORKFLOW_NAME));
    const workflowOf = (name: string) => cfg.projects.find((p) => p.name === name)!.workflow;
    expect(['dev-network', 'dev-platform', 'dev-web'].map(workflowOf)).toEqual(['cdktf-dev', 'cdktf-dev', 'cdktf-dev']);
    expect(['prod-network', 'prod-platform', 'prod-web'].map(workflowOf)).toEqual([WORKFLOW_NAME, WORKFLOW_NAME, WORKFLOW_NAME]);
    const profile = { env: { name: 'AWS_PROFILE', value: 'acme-dev' } };
    expect(cfg.workflows['cdktf-dev'].plan.steps).toEqual([profile, ...cfg.workflows[WORKFLOW_NAME].plan.steps]);
    expect(cfg.workflows['cdktf-dev'].apply.steps).toEqual([profile, 'apply']);
    expect(Object.keys(cfg.workflows).sort()).toEqual([WORKFLOW_NAME, 'cdktf-dev']);
  });

  test('the default configuration keeps one workflow', () => {
    const synth = synthDefault();
    expect(stackCredentials(synth.outdir, readManifest(synth.outdir), WORKFLOW_NAME).size).toBe(0);
  });
});

describe('the account each stack deploys into, in state:check and the preflight', () => {
  test('state:check reads it from the synthesized providers', () => {
    const accounts = Object.fromEntries(stackBackends(example.outdir).map((b) => [b.stack, b.account]));
    expect(accounts).toEqual({ 'dev-network': DEV, 'dev-platform': DEV, 'dev-web': DEV, 'prod-network': PROD, 'prod-platform': PROD, 'prod-web': PROD, 'terraform-state': STATE });
    expect(stackBackends(synthDefault().outdir).every((b) => b.account === undefined)).toBe(true);
  });

  test('state:check prints it for the bootstrap (the s3 stacks need terraform and a bucket: state-backend.tf.test.ts)', async () => {
    let out = '';
    const code = await runStateCheck(['terraform-state'], { ...process.env, CDKTF_OUTDIR: example.outdir }, { out: (t) => (out += t), err: (t) => (out += t) });
    expect(out).toMatch(/^ok {3}terraform-state: local state .*; deploys into account 777788889999$/m);
    expect(code).toBe(0);
  });

  test('the preflight report names the account of each environment, or says it is not pinned', () => {
    const report = preflightOf(stacksOf(example));
    const text = renderText(report);
    expect(text).toContain('== dev (ap-northeast-2) == deploys into account 111122223333');
    expect(text).toContain('== prod (ap-northeast-2) == deploys into account 444455556666');
    expect(JSON.parse(renderJson(report)).services.map((s: Json) => [s.stack, s.account])).toEqual([
      ['dev-web', DEV],
      ['prod-web', PROD],
    ]);
    expect(renderText(preflightOf(stacksOf(synthDefault())))).toContain('== dev (ap-northeast-2) == deploys into account any (not pinned)');
  });
});

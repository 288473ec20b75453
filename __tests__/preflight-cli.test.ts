/**
 * `npm run preflight` (text, JSON, exit codes) and the preflight inside `npm run synth`:
 * a configuration whose tasks could not start is refused, the previous output stays, and
 * the message is the report, not a stack trace.
 */
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { App, TerraformResource, TerraformStack } from 'cdktf';
import { runSynth } from '../main';
import { runPreflight } from '../lib/preflight/cli';
import { checkSynthesized, PreflightError } from '../lib/preflight/synth-check';
import { previousOutput } from './helpers/bad-config';
import { one } from './helpers/preflight';
import { synthDefault } from './helpers/synth';

const synth = synthDefault();

function run(argv: string[], env: NodeJS.ProcessEnv = {}): { code: number; stdout: string; stderr: string } {
  let stdout = '';
  let stderr = '';
  const code = runPreflight(argv, env, { write: (t: string) => (stdout += t) }, { write: (t: string) => (stderr += t) });
  return { code, stdout, stderr };
}

/** A copy of the default synth with one stack's JSON changed. */
function brokenCopy(stack: string, change: (json: Record<string, any>) => void): string { // eslint-disable-line @typescript-eslint/no-explicit-any
  const dir = mkdtempSync(path.join(os.tmpdir(), 'preflight-broken-'));
  cpSync(synth.outdir, dir, { recursive: true });
  const file = path.join(dir, 'stacks', stack, 'cdk.tf.json');
  const json = JSON.parse(readFileSync(file, 'utf8'));
  change(json);
  writeFileSync(file, JSON.stringify(json));
  return dir;
}

describe('npm run preflight', () => {
  test('reads the synthesized folder (CDKTF_OUTDIR) and prints a table per environment and service; exit 0', () => {
    const { code, stdout, stderr } = run([], { CDKTF_OUTDIR: synth.outdir });
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(stdout).toContain('== dev (ap-northeast-2) ==');
    expect(stdout).toContain('== prod (ap-northeast-2) ==');
    expect(stdout).toMatch(/^web {2}\(stack dev-web, aws_ecs_service\.service_\w+\)$/m);
    expect(stdout).toMatch(/^ {2}PATH +SUBNETS +VERDICT +VIA$/m);
    expect(stdout).toMatch(/^ {2}ECR API \(registry auth\) +all 2 +pass +dev-network aws_vpc_endpoint\.endpoints_ecr-api_\w+: interface endpoint, private DNS on$/m);
    expect(stdout).toMatch(/^ {2}S3 \(ECR image layers\) +all 3 +pass /m);
    expect(stdout).toMatch(/Summary: 2 services, \d+ checks \(path x subnet\): \d+ pass, 0 warn, 0 unknown, 0 fail; every task can reach what it needs to start\.\n$/);
  });

  test('--json gives every check with its resources', () => {
    const { code, stdout } = run(['--json', synth.outdir]);
    expect(code).toBe(0);
    const report = JSON.parse(stdout);
    expect(report).toMatchObject({ ok: true, summary: { services: 2, fail: 0, warn: 0, unknown: 0 } });
    const web = report.services.find((s: { stack: string }) => s.stack === 'dev-web');
    expect(web).toMatchObject({ environment: 'dev', region: 'ap-northeast-2', service: 'web' });
    const check = web.checks.find((c: { path: string }) => c.path === 'logs');
    expect(check).toMatchObject({
      verdict: 'pass',
      subnet: { stack: 'dev-network', name: 'acme-dev-private-a', az: 'ap-northeast-2a', cidr: '10.10.0.0/18' },
      awsError: null,
      via: expect.arrayContaining([expect.objectContaining({ stack: 'dev-network', constructPath: 'dev-network/endpoints/logs' })]),
    });
  });

  test('a failing path: the AWS error and the fix are printed, and the exit code is 1', () => {
    const dir = brokenCopy('dev-network', (json) => {
      one(json, 'aws_vpc_endpoint', /_s3_/).route_table_ids = [];
    });
    const { code, stdout } = run([dir]);
    expect(code).toBe(1);
    expect(stdout).toMatch(/^ {2}S3 \(ECR image layers\) +all 2 +FAIL /m);
    expect(stdout).toContain('  FAIL: S3 (ECR image layers) (subnets acme-dev-private-a, acme-dev-private-b)');
    expect(stdout).toContain('    AWS would report: CannotPullContainerError: ref pull has been retried 5 time(s)');
    expect(stdout).toMatch(/ {6}- dev-network aws_vpc_endpoint\.endpoints_s3_\w+ \(dev-network\/endpoints\/s3\): add aws_route_table\.vpc_private-a-rt_\w+ to route_table_ids/);
    expect(stdout).toMatch(/Summary: .* 2 fail; 2 would fail: tasks cannot start \(or deploy\) as configured\./);
    expect(JSON.parse(run(['--json', dir]).stdout).ok).toBe(false);
  });

  test('unreadable input exits 2 with a plain message', () => {
    const missing = run([], { CDKTF_OUTDIR: path.join(os.tmpdir(), 'does-not-exist-preflight') });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/No synthesized stacks in .*does-not-exist-preflight: run `npm run synth` first/);
    const notAPlan = path.join(mkdtempSync(path.join(os.tmpdir(), 'preflight-')), 'plan.json');
    writeFileSync(notAPlan, '{"hello": 1}');
    expect(run([notAPlan])).toMatchObject({ code: 2, stderr: expect.stringContaining('not `terraform show -json` plan output') });
    expect(run(['--nope'])).toMatchObject({ code: 2, stderr: expect.stringContaining('unknown option --nope') });
    expect(run(['--help'])).toMatchObject({ code: 0, stdout: expect.stringContaining('Usage: npm run preflight') });
  });
});

describe('the preflight and guardrails inside npm run synth', () => {
  /** Changes the app right before it synthesizes, the way code or an escape hatch would. */
  function beforeSynth(change: (app: App) => void): jest.SpyInstance {
    const original = App.prototype.synth;
    return jest.spyOn(App.prototype, 'synth').mockImplementation(function (this: App) {
      change(this);
      return original.call(this);
    });
  }
  const find = (app: App, constructPath: string) => app.node.findAll().find((c) => c.node.path === constructPath) as TerraformResource;

  function synthOverPrevious(): { code: number; stderr: string; unchanged: boolean } {
    const { outdir, snapshot } = previousOutput();
    const before = snapshot();
    let stderr = '';
    const code = runSynth({ CDKTF_OUTDIR: outdir }, { write: (t: string) => (stderr += t) });
    return { code, stderr, unchanged: snapshot() === before };
  }

  afterEach(() => jest.restoreAllMocks());

  test('checks a synthesized folder in milliseconds', () => {
    const start = process.hrtime.bigint();
    const { report, notices } = checkSynthesized(synth.outdir);
    const ms = Number(process.hrtime.bigint() - start) / 1e6;
    expect(report.services).toHaveLength(2);
    expect(notices).toEqual([]);
    expect(ms).toBeLessThan(500);
  });

  test('a configuration whose tasks could not start is refused: the report, exit 1, the old output kept', () => {
    beforeSynth((app) => {
      const rule = find(app, 'dev-network/endpoints/https-from-vpc');
      rule.addOverride('from_port', 80);
      rule.addOverride('to_port', 80);
    });
    const { code, stderr, unchanged } = synthOverPrevious();
    expect(code).toBe(1);
    expect(unchanged).toBe(true);
    expect(stderr).toMatch(/^Preflight: tasks would fail to start, so the synth is refused\.\n/);
    expect(stderr).toContain('  FAIL: ECR API (registry auth) (subnets acme-dev-private-a, acme-dev-private-b)');
    expect(stderr).toContain('    AWS would report: ResourceInitializationError: unable to pull secrets or registry auth');
    expect(stderr).not.toContain('== prod');
    expect(stderr).toMatch(/Nothing was written; .* is unchanged\.\n$/);
    expect(stderr).not.toMatch(/^\s+at .+:\d+:\d+\)?$/m);
  });

  test('guardrail violations (a property set in code and an escape hatch) are all reported at once, with construct paths', () => {
    beforeSynth((app) => {
      find(app, 'dev-web/service/service').addOverride('network_configuration.assign_public_ip', true);
      find(app, 'prod-network/endpoints/logs').addOverride('private_dns_enabled', false);
    });
    const { code, stderr, unchanged } = synthOverPrevious();
    expect(code).toBe(1);
    expect(unchanged).toBe(true);
    expect(stderr).toMatch(/^2 guardrail violations: a secure default was broken:\n/);
    expect(stderr).toContain('  - [dev-web/service/service] ecs-public-ip: network_configuration.assign_public_ip = true gives every task a public IP');
    expect(stderr).toContain('  - [prod-network/endpoints/logs] endpoint-private-dns: interface endpoint com.amazonaws.ap-northeast-2.logs has private_dns_enabled = false');
    expect(stderr).not.toMatch(/^\s+at .+:\d+:\d+\)?$/m);
    expect(stderr).not.toContain('skipValidation');
  });

  test('a stack-level override, invisible to the per-element Aspect, is caught on the final JSON', () => {
    beforeSynth((app) => {
      const stack = app.node.findChild('dev-web') as TerraformStack;
      const service = find(app, 'dev-web/service/service');
      stack.addOverride(`resource.aws_ecs_service.${service.friendlyUniqueId}.network_configuration.assign_public_ip`, true);
    });
    const { code, stderr } = synthOverPrevious();
    expect(code).toBe(1);
    expect(stderr).toContain('  - [dev-web/service/service] ecs-public-ip: network_configuration.assign_public_ip = true');
  });

  test('PreflightError carries the report', () => {
    const dir = brokenCopy('dev-network', (json) => {
      delete json.resource.aws_vpc_endpoint[Object.keys(json.resource.aws_vpc_endpoint).find((k) => k.includes('_logs_'))!];
    });
    let error: unknown;
    try {
      checkSynthesized(dir);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(PreflightError);
    expect((error as PreflightError).report.services).toHaveLength(2);
    expect((error as PreflightError).message).toContain('FAIL: CloudWatch Logs (awslogs)');
  });
});

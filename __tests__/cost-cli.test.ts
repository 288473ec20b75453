/**
 * `npm run cost` as a command: the exit codes and messages users see, the --json shape CI
 * comments rely on, and the price sheets themselves.
 */
import { mkdtempSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { runCost } from '../lib/cost/cli';
import { availableRegions, loadPriceSheet, PRICE_KEYS, UnknownRegionError } from '../lib/cost/pricing';
import { configFrom, defaultConfigData, synthConfig } from './helpers/synth';

function capture() {
  let text = '';
  return { write: (t: string) => (text += t), get text() { return text; } };
}

function run(argv: string[], outdir: string) {
  const stdout = capture();
  const stderr = capture();
  const code = runCost(argv, { CDKTF_OUTDIR: outdir }, stdout, stderr);
  return { code, stdout: stdout.text, stderr: stderr.text };
}

describe('npm run cost', () => {
  const outdir = synthConfig(configFrom(defaultConfigData())).outdir;

  test('prints each environment with its lines, the NAT alternative and the break-even', () => {
    const { code, stdout, stderr } = run([], outdir);
    expect(code).toBe(0);
    expect(stderr).toBe('');
    expect(stdout).toMatch(/^List-price estimates/m);
    expect(stdout).toMatch(/== dev \(ap-northeast-2;/);
    expect(stdout).toMatch(/Interface endpoints\s+3 endpoints x 2 AZs x 730 h x \$0\.013\s+\$56\.94/);
    expect(stdout).toMatch(/NAT gateway, one\s+\$46\.72 \+ \$0\.059\/GB/);
    expect(stdout).toMatch(/the endpoints cost less than one NAT gateway above 208\.6 GB a month/);
    expect(stdout).toMatch(/Container Insights/);
  });

  test('--json: machine-readable, money rounded to cents', () => {
    const { code, stdout } = run(['--json'], outdir);
    expect(code).toBe(0);
    const report = JSON.parse(stdout);
    expect(report).toMatchObject({ currency: 'USD', hoursPerMonth: 730, basis: expect.stringMatching(/^List-price estimates/), outdir });
    const dev = report.environments.find((e: { name: string }) => e.name === 'dev');
    expect(dev).toMatchObject({
      name: 'dev',
      region: 'ap-northeast-2',
      pricingFile: 'pricing/ap-northeast-2.json',
      pricesRead: expect.arrayContaining([expect.stringMatching(/^\d{4}-\d{2}-\d{2}$/)]),
      stacks: expect.arrayContaining(['dev-network']),
      egress: {
        zones: 2,
        options: [
          { id: 'endpoints', fixedMonthlyUsd: 56.94, perGbUsd: 0.01, synthesized: true },
          { id: 'nat-single', fixedMonthlyUsd: 46.72, perGbUsd: 0.059, synthesized: false },
          { id: 'nat-per-az', fixedMonthlyUsd: 93.44, perGbUsd: 0.059, synthesized: false },
        ],
        breakEven: [
          { against: 'nat-single', gbPerMonth: 208.6, endpointsCheaper: 'above' },
          { against: 'nat-per-az', gbPerMonth: null, endpointsCheaper: 'always' },
        ],
      },
    });
    expect(dev.lines).toContainEqual({ kind: 'interface-endpoints', label: 'Interface endpoints', detail: '3 endpoints x 2 AZs x 730 h x $0.013', monthlyUsd: 56.94 });
    for (const line of dev.lines) expect(Number.isInteger(Math.round(line.monthlyUsd * 100))).toBe(true);
    expect(typeof dev.fixedMonthlyUsd).toBe('number');
    expect(Array.isArray(dev.notes) && Array.isArray(dev.warnings)).toBe(true);
  });

  test('an environment in a region without a price sheet is an error naming the region and the sheets, not $0', () => {
    const data = defaultConfigData();
    data.environments.prod.region = 'us-west-2';
    data.environments.prod.network.availabilityZones = ['us-west-2a', 'us-west-2b'];
    const { code, stdout, stderr } = run([], synthConfig(configFrom(data)).outdir);
    expect(code).toBe(1);
    expect(stdout).toBe('');
    expect(stderr).toContain('No prices for region "us-west-2" (environment prod)');
    expect(stderr).toContain('pricing/ap-northeast-2.json, pricing/us-east-1.json');
  });

  test('no synthesized output: tells the user to run npm run synth', () => {
    const { code, stderr } = run([], path.join(mkdtempSync(path.join(os.tmpdir(), 'cost-empty-')), 'cdktf.out'));
    expect(code).toBe(1);
    expect(stderr).toMatch(/No synthesized stacks in .*: run `npm run synth` first/);
  });

  test('an unknown argument is a usage error', () => {
    const { code, stderr } = run(['--jsn'], outdir);
    expect(code).toBe(2);
    expect(stderr).toMatch(/Unknown argument\(s\): --jsn/);
  });
});

describe('price sheets (pricing/<region>.json)', () => {
  test('us-east-1 and ap-northeast-2 exist, and every price has a source URL and the date it was read', () => {
    expect(availableRegions()).toEqual(expect.arrayContaining(['ap-northeast-2', 'us-east-1']));
    for (const region of availableRegions()) {
      const sheet = loadPriceSheet(region);
      expect(Object.keys(sheet.prices).sort()).toEqual([...PRICE_KEYS].sort());
      for (const price of Object.values(sheet.prices)) {
        expect(price.source).toMatch(/^https:\/\/aws\.amazon\.com\//);
        expect(price.read).toMatch(/^\d{4}-\d{2}-\d{2}$/);
      }
    }
  });

  test('us-east-1 holds the published us-east-1 list prices', () => {
    const usd = Object.fromEntries(Object.entries(loadPriceSheet('us-east-1').prices).map(([k, v]) => [k, v.usd]));
    expect(usd).toEqual({
      interfaceEndpointAzHour: 0.01,
      interfaceEndpointGb: 0.01,
      natGatewayHour: 0.045,
      natGatewayGb: 0.045,
      publicIpv4Hour: 0.005,
      albHour: 0.0225,
      albLcuHour: 0.008,
      fargateX86VcpuHour: 0.04048,
      fargateX86GbHour: 0.004445,
      fargateArmVcpuHour: 0.03238,
      fargateArmGbHour: 0.00356,
      // Monthly fees, the same in every region.
      wafWebAclMonth: 5,
      wafRuleMonth: 1,
      wafMillionRequests: 0.6,
      kmsKeyMonth: 1,
    });
  });

  test('an unknown region throws UnknownRegionError listing the available files', () => {
    expect(() => loadPriceSheet('eu-west-9')).toThrow(UnknownRegionError);
    expect(() => loadPriceSheet('eu-west-9')).toThrow(/pricing\/eu-west-9\.json does not exist\. Available pricing files: pricing\/ap-northeast-2\.json, pricing\/us-east-1\.json/);
    expect(() => loadPriceSheet('../package')).toThrow(UnknownRegionError);
  });
});

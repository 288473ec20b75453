/**
 * `npm run bench`: how fast the synth, the offline plans and the tests are, against the floor
 * (a minimal cdktf app in plain JavaScript run by node) and the stock way (the same app as
 * `cdktf init --template=typescript` runs it: ts-node with type checking, barrel import of
 * `@cdktf/provider-aws`), all measured in one run on this machine.
 *
 *   npm run bench                      everything, 1 warm-up + 5 measured runs per case
 *   npm run bench -- --quick           synth cases and scale only (no stock app, plans or tests)
 *   npm run bench -- --skip-tests      also: --skip-plan, --skip-stock, --skip-scale, --skip-pr
 *   npm run bench -- --only pr         only these groups (comma-separated): synth, scale, plan, tests, pr
 *   npm run bench -- --runs 7          more measured runs per case (at least 5 for results.md)
 *   npm run bench -- --no-profile      no CPU profile of the cases that miss a target
 *   npm run bench -- --out file.md     write the report there (a full run writes bench/results.md)
 *
 * Each case gets one warm-up run, then the runs go round-robin over the cases of a group, so a
 * change in machine load affects every case of a ratio alike. Wall time is measured by this
 * process around the command; peak RSS and CPU time come from every Node.js process of the
 * command's tree (bench/lib/probe.cjs via NODE_OPTIONS; Terraform and other non-Node processes
 * are not included). npm commands run with `--silent`, which only drops npm's banner lines.
 * Timings are noisy: nothing here is asserted in a test.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describeFailure, listStacks, planStacksOffline, terraformAvailable } from '../lib/terraform/offline';
import { ROOT, writeFloorApp, writeScaleConfig, writeStockApp } from './lib/fixtures';
import { Command, CommandFailed, loadAverage, measure, measureAsync, median, Sample } from './lib/measure';
import { pruneProfiles, sizeMb, summarizeProfiles, ProfileSummary } from './lib/profile';
import { planAlone, PR_SERVICES, preparePullRequest, resetClone, runPullRequest } from './lib/pull-request';

interface Options {
  runs: number;
  synth: boolean;
  tests: boolean;
  plan: boolean;
  stock: boolean;
  scale: boolean;
  /** The pull-request plan of a one-service edit at 1 x 50 (bench/lib/pull-request.ts). */
  pr: boolean;
  profile: boolean;
  out?: string;
  keep: boolean;
}

const USAGE = `usage: npm run bench -- [--quick] [--skip-tests] [--skip-plan] [--skip-stock] [--skip-scale] [--skip-pr] [--only GROUPS] [--runs N] [--no-profile] [--out FILE] [--keep]`;

function parseArgs(argv: string[]): Options {
  const options: Options = { runs: 5, synth: true, tests: true, plan: true, stock: true, scale: true, pr: true, profile: true, keep: false };
  const GROUPS = ['synth', 'scale', 'plan', 'tests', 'pr'];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--quick') Object.assign(options, { tests: false, plan: false, stock: false, pr: false });
    else if (arg === '--skip-tests') options.tests = false;
    else if (arg === '--skip-plan') options.plan = false;
    else if (arg === '--skip-stock') options.stock = false;
    else if (arg === '--skip-scale') options.scale = false;
    else if (arg === '--skip-pr') options.pr = false;
    else if (arg === '--only') {
      const groups = (argv[++i] ?? '').split(',');
      const unknown = groups.filter((g) => !GROUPS.includes(g));
      if (unknown.length > 0) {
        process.stderr.write(`--only: unknown group(s) ${unknown.join(', ')}; groups: ${GROUPS.join(', ')}\n${USAGE}\n`);
        process.exit(2);
      }
      const only = (g: string) => groups.includes(g);
      Object.assign(options, { synth: only('synth'), stock: only('synth'), scale: only('scale'), plan: only('plan'), tests: only('tests'), pr: only('pr') });
    }
    else if (arg === '--no-profile') options.profile = false;
    else if (arg === '--keep') options.keep = true;
    else if (arg === '--runs') options.runs = Number(argv[++i]);
    else if (arg === '--out') options.out = argv[++i];
    else if (arg === '--help' || arg === '-h') {
      process.stdout.write(`${USAGE}\n`);
      process.exit(0);
    } else {
      process.stderr.write(`Unknown argument: ${arg}\n${USAGE}\n`);
      process.exit(2);
    }
  }
  if (!Number.isInteger(options.runs) || options.runs < 1) {
    process.stderr.write(`--runs needs a whole number >= 1\n${USAGE}\n`);
    process.exit(2);
  }
  return options;
}

interface Case {
  readonly id: string;
  readonly label: string;
  /** The command as a user would type it. */
  readonly shown: string;
  run(): Sample | Promise<Sample>;
  /** The command to profile (V8 CPU profiles of its Node.js processes) when this case misses a target. */
  readonly profile?: Command;
  /** Filled in by the warm-up: e.g. the stack count of a synth. */
  note?: string;
}

interface Result {
  readonly case: Case;
  readonly samples: Sample[];
  readonly error?: string;
}

const NPM = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const NPX = process.platform === 'win32' ? 'npx.cmd' : 'npx';
const BIN = (name: string) => path.join(ROOT, 'node_modules', '.bin', name);

const log = (text: string) => process.stderr.write(`${text}\n`);

function stacksIn(outdir: string): number {
  return Object.keys((JSON.parse(readFileSync(path.join(outdir, 'manifest.json'), 'utf8')) as { stacks: object }).stacks).length;
}

/** Where scripts/run.cjs keeps its bundles and code caches. */
const RUN_CACHE = path.join(ROOT, 'node_modules', '.cache', 'fargate-private-platform', 'run');

/**
 * A case that runs `command` in a child process; `outdir` (if any) is emptied first and its
 * stacks counted, and `before` (if any) runs first, outside the measurement.
 */
function commandCase(id: string, label: string, shown: string, command: Command, outdir?: string, before?: () => void): Case {
  const self: Case = {
    id,
    label,
    shown,
    profile: command,
    run() {
      if (outdir) rmSync(outdir, { recursive: true, force: true });
      before?.();
      const sample = measure(command, path.join(scratchRoot, 'probe'));
      if (outdir && self.note === undefined) {
        const stacks = stacksIn(outdir);
        self.note = `${stacks} stack${stacks === 1 ? '' : 's'}`;
      }
      return sample;
    },
  };
  return self;
}

/** Warm-up, then `runs` rounds over the cases: every round runs each case once. */
async function runGroup(name: string, cases: Case[], runs: number): Promise<Result[]> {
  log(`\n== ${name} (load average ${loadAverage()}) ==`);
  const samples = new Map<Case, Sample[]>(cases.map((c) => [c, []]));
  const errors = new Map<Case, string>();
  const attempt = async (c: Case, round: string) => {
    if (errors.has(c)) return;
    try {
      const sample = await c.run();
      if (round !== 'warm-up') samples.get(c)!.push(sample);
      log(`  ${round.padEnd(8)} ${c.label.padEnd(44)} ${(sample.wallMs / 1000).toFixed(2).padStart(7)} s${sample.peakRssMb ? `  ${sample.peakRssMb.toFixed(0).padStart(5)} MB` : ''}`);
    } catch (error) {
      const message = error instanceof CommandFailed ? error.message : (error as Error).stack ?? String(error);
      errors.set(c, message);
      log(`  ${round.padEnd(8)} ${c.label}: FAILED\n${message.replace(/^/gm, '    | ')}`);
    }
  };
  for (const c of cases) await attempt(c, 'warm-up');
  for (let round = 1; round <= runs; round++) for (const c of cases) await attempt(c, `run ${round}`);
  return cases.map((c) => ({ case: c, samples: samples.get(c)!, error: errors.get(c) }));
}

const wall = (r: Result | undefined) => (r && !r.error && r.samples.length > 0 ? median(r.samples.map((s) => s.wallMs)) : undefined);
const rss = (r: Result | undefined) => {
  const values = r && !r.error ? r.samples.map((s) => s.peakRssMb).filter((v): v is number => v !== undefined) : [];
  return values.length > 0 ? median(values) : undefined;
};
const cpu = (r: Result | undefined) => {
  const values = r && !r.error ? r.samples.map((s) => s.cpuMs).filter((v): v is number => v !== undefined) : [];
  return values.length > 0 ? median(values) : undefined;
};
const seconds = (ms: number | undefined, digits = 2) => (ms === undefined ? 'n/a' : `${(ms / 1000).toFixed(digits)} s`);
const megabytes = (mb: number | undefined) => (mb === undefined ? 'n/a' : `${mb.toFixed(0)} MB`);

interface Target {
  readonly name: string;
  readonly measured: string;
  readonly limit: string;
  /** undefined: not measured in this run. */
  readonly pass?: boolean;
  /** The case to profile when missed. */
  readonly slow?: Case;
}

function tool(command: string, args: string[]): string {
  try {
    return execFileSync(command, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).split('\n')[0].trim();
  } catch {
    return 'not installed';
  }
}

let scratchRoot = '';

async function main(): Promise<void> {
  const options = parseArgs(process.argv.slice(2));
  const started = new Date();
  // What was measured: the commit, and whether the working tree differed from it.
  const head = tool('git', ['rev-parse', '--short', 'HEAD']);
  const dirty = tool('git', ['status', '--porcelain', '--untracked-files=no']) !== '';
  const commit = `commit ${head}${dirty ? ' with uncommitted changes' : ''}`;
  const startLoad = loadAverage();
  const complete = options.synth && options.tests && options.plan && options.stock && options.scale && options.pr && options.runs >= 5;
  const out = options.out ? path.resolve(options.out) : complete ? path.join(ROOT, 'bench', 'results.md') : undefined;
  scratchRoot = path.join(ROOT, '.bench-tmp', `run-${process.pid}`);
  mkdirSync(scratchRoot, { recursive: true });
  const outdir = (name: string) => path.join(scratchRoot, `${name}.out`);
  const cores = os.availableParallelism();
  /** What Jest uses without a maxWorkers setting (jest.config.js now asks for at least 2). */
  const jestDefaultWorkers = Math.max(1, cores - 1);

  // --- 1-3: the default synth, the floor and the stock app -----------------------------
  const floorApp = writeFloorApp(path.join(scratchRoot, 'floor'));
  const synthEnv = (name: string, extra: NodeJS.ProcessEnv = {}) => ({ CDKTF_OUTDIR: outdir(name), ...extra });
  const npmSynth = (name: string, extra: NodeJS.ProcessEnv = {}): Command => ({ argv: [NPM, 'run', 'synth', '--silent'], cwd: ROOT, env: synthEnv(name, extra) });
  const synthCases: Case[] = [
    commandCase('synth', 'default synth: `npm run synth`', 'npm run synth', npmSynth('synth'), outdir('synth')),
    commandCase('synth-run', 'default synth without npm: `node scripts/run.cjs main.ts`', 'node scripts/run.cjs main.ts', { argv: [process.execPath, 'scripts/run.cjs', 'main.ts'], cwd: ROOT, env: synthEnv('synth-run') }, outdir('synth-run')),
    commandCase(
      'synth-cold',
      'default synth, first run after a source change (bundle rebuilt)',
      'npm run synth  (after rm -rf node_modules/.cache/fargate-private-platform/run)',
      npmSynth('synth-cold'),
      outdir('synth-cold'),
      () => rmSync(RUN_CACHE, { recursive: true, force: true }),
    ),
    commandCase('synth-tsx', 'default synth under tsx (as before): `tsx main.ts`', 'node_modules/.bin/tsx main.ts', { argv: [BIN('tsx'), 'main.ts'], cwd: ROOT, env: synthEnv('synth-tsx') }, outdir('synth-tsx')),
    commandCase('synth-debug', 'default synth, DEBUG (tsx, source maps, full stacks)', 'DEBUG=1 npm run synth', npmSynth('synth-debug', { DEBUG: '1' }), outdir('synth-debug')),
    commandCase('synth-dev', 'one environment: `ENVIRONMENTS=dev npm run synth`', 'ENVIRONMENTS=dev npm run synth', npmSynth('synth-dev', { ENVIRONMENTS: 'dev' }), outdir('synth-dev')),
    commandCase('floor', 'floor: minimal JS app, deep import, `node`', 'node main.js', { argv: [process.execPath, floorApp], cwd: path.dirname(floorApp), env: { CDKTF_OUTDIR: outdir('floor') } }, outdir('floor')),
    // npm's built-in `env` script only prints the environment: what `npm run` costs by itself.
    commandCase('npm-noop', 'npm itself: `npm run env` (built in, prints the environment)', 'npm run env', { argv: [NPM, 'run', 'env', '--silent'], cwd: ROOT }),
  ];
  if (options.stock) {
    const stockDir = writeStockApp(path.join(scratchRoot, 'stock'));
    synthCases.push(
      commandCase('stock', 'stock: minimal TS app, barrel import, `ts-node`', 'npx ts-node main.ts', { argv: [NPX, 'ts-node', 'main.ts'], cwd: stockDir, env: { CDKTF_OUTDIR: outdir('stock') } }, outdir('stock')),
    );
  }
  const results: Result[] = options.synth ? await runGroup('synth: default, floor, stock', synthCases, options.runs) : [];
  const find = (id: string) => results.find((r) => r.case.id === id);

  // --- 4: scale ----------------------------------------------------------------------------
  const scaleSizes = [1, 10, 50];
  if (options.scale) {
    const cases = scaleSizes.map((n) =>
      commandCase(
        `scale-${n}`,
        `scale: 3 environments x ${n} service${n === 1 ? '' : 's'}`,
        `INFRA_CONFIG=scale-3x${n}.yaml npm run synth`,
        { argv: [NPM, 'run', 'synth', '--silent'], cwd: ROOT, env: { CDKTF_OUTDIR: outdir(`scale-${n}`), INFRA_CONFIG: writeScaleConfig(path.join(scratchRoot, 'configs'), n) } },
        outdir(`scale-${n}`),
      ),
    );
    results.push(...(await runGroup('scale: 3 environments x 1, 10, 50 services', cases, options.runs)));
  }

  // --- 5a: offline plan of the default stacks, serial vs parallel --------------------------
  let planNote = '';
  if (options.plan) {
    if (!terraformAvailable()) {
      planNote = 'Offline plans not measured: no `terraform` on the PATH.';
      log(planNote);
    } else {
      const planOut = outdir('plan');
      measure({ argv: [NPM, 'run', 'synth', '--silent'], cwd: ROOT, env: { CDKTF_OUTDIR: planOut } }, path.join(scratchRoot, 'probe'));
      const stacks = listStacks(planOut);
      const planCase = (id: string, label: string, concurrency: number, env: NodeJS.ProcessEnv = {}): Case => ({
        id,
        label,
        shown: `planStacksOffline(outdir, ${stacks.length} stacks, { concurrency: ${concurrency}${env.GOGC ? `, env: { GOGC: '${env.GOGC}' }` : ''} })`,
        note: `${stacks.length} stacks`,
        run: () =>
          measureAsync(async () => {
            const planned = await planStacksOffline(planOut, stacks, { concurrency, env });
            const failed = planned.filter((p) => !p.ok);
            if (failed.length > 0) throw new Error(failed.map(describeFailure).join('\n'));
          }),
      });
      results.push(
        ...(await runGroup(
          'offline plan of the default stacks',
          [
            planCase('plan-serial', 'offline plan, serial (concurrency 1)', 1),
            planCase('plan-parallel', `offline plan, parallel (concurrency ${cores})`, cores),
            // Go's default GC (GOGC=100), as before terraformEnv set GOGC=400.
            planCase('plan-parallel-gc100', `offline plan, parallel, Go's default GC (as before)`, cores, { GOGC: '100' }),
          ],
          options.runs,
        )),
      );
    }
  }

  // --- 5c: a pull request's plans: one-service edit at 1 x 50 ------------------------------
  let prNote = '';
  if (options.pr) {
    if (!terraformAvailable()) {
      prNote = 'Pull-request plan not measured: no `terraform` on the PATH.';
      log(prNote);
    } else {
      log('\n(preparing the pull request: a git repository at 1 x 50, regenerated, merged as Atlantis does)');
      const pr = preparePullRequest(scratchRoot);
      const workroot = () => mkdtempSync(path.join(scratchRoot, 'pr-plan-'));
      prNote = `Pull request at 1 x ${PR_SERVICES}: Atlantis autoplans ${pr.projects.length} of the ${PR_SERVICES + 2} projects (${pr.projects.join(', ')}).`;
      results.push(
        ...(await runGroup(
          `pull request: one-service edit at 1 x ${PR_SERVICES}`,
          [
            ...[false, true].map(
              (cold): Case => ({
                id: cold ? 'pr-plan-cold' : 'pr-plan',
                label: `pull request, one-service edit at 1 x ${PR_SERVICES}: hook + autoplanned projects${cold ? ', base synth not cached' : ''}`,
                shown: 'atlantis:synth (hook); per autoplanned project: terraform init + plan (offline), atlantis:report',
                note: `${pr.projects.length} project${pr.projects.length === 1 ? '' : 's'} autoplanned`,
                run: () => {
                  resetClone(pr, cold);
                  return measureAsync(() => runPullRequest(pr, workroot()));
                },
              }),
            ),
            {
              id: 'pr-plan-alone',
              label: `that stack alone: terraform init + plan of ${pr.stack}`,
              shown: `planStackOffline(outdir, '${pr.stack}')`,
              note: '1 stack',
              run: () => measureAsync(() => planAlone(pr, workroot())),
            },
          ],
          options.runs,
        )),
      );
    }
  }

  // --- 5b: the tests -------------------------------------------------------------------------
  if (options.tests) {
    const testCases = [
      commandCase('test-unit', 'unit tests: `npm run test:unit`', 'npm run test:unit', { argv: [NPM, 'run', 'test:unit', '--silent'], cwd: ROOT }),
      commandCase(
        'test-unit-before',
        "unit tests without the Jest tuning: Jest's node environment, default workers",
        `npx jest --selectProjects unit --testEnvironment node --maxWorkers ${jestDefaultWorkers}`,
        { argv: [NPX, 'jest', '--selectProjects', 'unit', '--testEnvironment', 'node', '--maxWorkers', String(jestDefaultWorkers)], cwd: ROOT },
      ),
      commandCase('test-terraform', 'Terraform tests: `npx jest --selectProjects terraform`', 'npx jest --selectProjects terraform', { argv: [NPX, 'jest', '--selectProjects', 'terraform'], cwd: ROOT }),
      commandCase('test-all', 'everything: `npm test` (typecheck, lint, jest)', 'npm test', { argv: [NPM, 'test', '--silent'], cwd: ROOT }),
    ];
    if (!terraformAvailable()) planNote += ' The Terraform tests skip themselves without `terraform` on the PATH (CI=true fails them instead).';
    planNote +=
      ' The test runs are those of a working copy: after the warm-up, `npm run typecheck` (incremental) and `npm run lint` (cached) only check what changed, as in a developer\'s loop; ' +
      'a fresh clone (CI) pays about 10 s more for the first run of both.';
    results.push(...(await runGroup('tests', testCases, options.runs)));
  }

  // --- targets ---------------------------------------------------------------------------
  const synth = wall(find('synth'));
  const floor = wall(find('floor'));
  const stock = wall(find('stock'));
  const t10 = wall(find('scale-10'));
  const t50 = wall(find('scale-50'));
  const rss50 = rss(find('scale-50'));
  const unit = wall(find('test-unit'));
  const all = wall(find('test-all'));
  const ratio = (a?: number, b?: number) => (a !== undefined && b !== undefined ? a / b : undefined);
  const synthOverFloor = ratio(synth, floor);
  const stockOverSynth = ratio(stock, synth);
  const growth = ratio(t50, t10);
  // CPU time (Terraform included): the machine's other load moves wall times more than the work does.
  const prRatio = ratio(cpu(find('pr-plan')), cpu(find('pr-plan-alone')));
  const prColdRatio = ratio(cpu(find('pr-plan-cold')), cpu(find('pr-plan-alone')));
  const prWallRatio = ratio(wall(find('pr-plan')), wall(find('pr-plan-alone')));
  const x = (v: number | undefined) => (v === undefined ? 'n/a' : `${v.toFixed(2)}x`);
  const targets: Target[] = [
    { name: 'Default synth <= 2x the floor', measured: `${x(synthOverFloor)} (${seconds(synth)} / ${seconds(floor)})`, limit: '<= 2.00x', pass: synthOverFloor === undefined ? undefined : synthOverFloor <= 2, slow: find('synth')?.case },
    { name: 'Stock way >= 10x slower than the default synth', measured: `${x(stockOverSynth)} (${seconds(stock)} / ${seconds(synth)})`, limit: '>= 10.00x', pass: stockOverSynth === undefined ? undefined : stockOverSynth >= 10, slow: find('synth')?.case },
    { name: '3x50 synth time <= 1.3 x 5 x the 3x10 time', measured: `${x(growth)} (${seconds(t50)} / ${seconds(t10)})`, limit: '<= 6.50x', pass: growth === undefined ? undefined : growth <= 6.5, slow: find('scale-50')?.case },
    { name: '3x50 peak RSS <= 400 MB', measured: megabytes(rss50), limit: '<= 400 MB', pass: rss50 === undefined ? undefined : rss50 <= 400, slow: find('scale-50')?.case },
    {
      name: `Pull request, one-service edit at 1 x ${PR_SERVICES} (hook + Atlantis's plans) <= 1.5x planning that stack alone, CPU time`,
      measured: `${x(prRatio)} (${seconds(cpu(find('pr-plan')))} / ${seconds(cpu(find('pr-plan-alone')))} CPU; wall ${x(prWallRatio)})`,
      limit: '<= 1.50x',
      pass: prRatio === undefined ? undefined : prRatio <= 1.5,
    },
    { name: 'Unit tests (`npm run test:unit`) <= 20 s', measured: seconds(unit, 1), limit: '<= 20 s', pass: unit === undefined ? undefined : unit <= 20_000, slow: find('test-unit')?.case },
    { name: 'Full `npm test` <= 150 s', measured: seconds(all, 1), limit: '<= 150 s', pass: all === undefined ? undefined : all <= 150_000, slow: find('test-all')?.case },
  ];

  // --- profiles of the cases that miss a target ---------------------------------------------
  const profiles: Array<{ case: Case; dir: string; summary: ProfileSummary; kept: string[] }> = [];
  if (options.profile) {
    const slowCases = [...new Set(targets.filter((t) => t.pass === false && t.slow?.profile).map((t) => t.slow!))];
    for (const c of slowCases) {
      const dir = path.join(ROOT, 'bench', 'profiles', c.id);
      rmSync(dir, { recursive: true, force: true });
      mkdirSync(dir, { recursive: true });
      log(`\n== profiling ${c.label} (V8 CPU profiles into ${path.relative(ROOT, dir)}) ==`);
      try {
        measure(c.profile!, path.join(scratchRoot, 'probe'), dir);
        const summary = summarizeProfiles(dir, ROOT);
        profiles.push({ case: c, dir, summary, kept: pruneProfiles(dir) });
      } catch (error) {
        log(`  profiling failed: ${(error as Error).message}`);
      }
    }
  }

  // --- report -------------------------------------------------------------------------------
  const finished = new Date();
  const lines: string[] = [];
  lines.push('# Benchmark results', '');
  lines.push(`Run of \`npm run bench\` on ${started.toISOString().slice(0, 10)} (${started.toISOString()} to ${finished.toISOString()}), at ${commit}.`, '');
  lines.push(
    `Machine: ${cores} cores (${os.cpus()[0]?.model ?? 'unknown CPU'}), ${(os.totalmem() / 1024 ** 3).toFixed(0)} GiB RAM, ${os.platform()} ${os.release()}; ` +
      `Node.js ${process.version}, npm ${tool(NPM, ['--version'])}, ${tool('terraform', ['version'])}. ` +
      `Load average (1/5/15 min) at start ${startLoad}, at end ${loadAverage()}.`,
    '',
  );
  lines.push(
    `Each case: 1 warm-up, then ${options.runs} measured runs, round-robin within its group; medians. Wall time is measured around the command; ` +
      'peak RSS is that of the largest Node.js process of the command (jest workers, the tsx child, ...) and CPU the sum over its Node.js processes, ' +
      'both from `process.resourceUsage()` (bench/lib/probe.cjs); Terraform processes are not included, except in the pull-request cases, whose CPU is that of every process they ran (/proc/self/stat).',
    '',
  );
  lines.push('| Case | Command | Wall (median) | Wall (min - max) | Peak RSS (median) | CPU, Node processes (median) | Note |');
  lines.push('|---|---|---:|---:|---:|---:|---|');
  for (const r of results) {
    const walls = r.samples.map((s) => s.wallMs);
    const spread = walls.length > 0 ? `${(Math.min(...walls) / 1000).toFixed(2)} - ${(Math.max(...walls) / 1000).toFixed(2)} s` : '';
    lines.push(
      `| ${r.case.label} | \`${r.case.shown}\` | ${r.error ? '**FAILED**' : seconds(wall(r))} | ${spread} | ${megabytes(rss(r))} | ${seconds(cpu(r))} | ${r.case.note ?? ''} |`,
    );
  }
  lines.push('');
  if (options.scale && t10 !== undefined && t50 !== undefined) {
    const t1 = wall(find('scale-1'));
    const r1 = rss(find('scale-1'));
    const r10 = rss(find('scale-10'));
    const perService = (a?: number, b?: number, added = 1) => (a !== undefined && b !== undefined ? (b - a) / added : undefined);
    lines.push(
      `Growth per added service (each adds one stack): ${perService(t1, t10, 27)?.toFixed(1) ?? 'n/a'} ms and ${perService(r1, r10, 27)?.toFixed(2) ?? 'n/a'} MB from 3x1 to 3x10 ` +
        `(27 services added), ${perService(t10, t50, 120)?.toFixed(1) ?? 'n/a'} ms and ${perService(r10, rss50, 120)?.toFixed(2) ?? 'n/a'} MB from 3x10 to 3x50 (120 added).`,
      '',
    );
  }
  const runWall = wall(find('synth-run'));
  const tsxWall = wall(find('synth-tsx'));
  const npmWall = wall(find('npm-noop'));
  const informational = [
    ['speed-up of the app from scripts/run.cjs: `tsx main.ts` / `node scripts/run.cjs main.ts`, wall', ratio(tsxWall, runWall)],
    ['the same, CPU time of the Node processes', ratio(cpu(find('synth-tsx')), cpu(find('synth-run')))],
    ['`node scripts/run.cjs main.ts` / floor', ratio(runWall, floor)],
    ['first synth after a source change / `npm run synth`', ratio(wall(find('synth-cold')), synth)],
    ['`DEBUG=1 npm run synth` / `npm run synth`', ratio(wall(find('synth-debug')), synth)],
    ['`ENVIRONMENTS=dev npm run synth` / floor', ratio(wall(find('synth-dev')), floor)],
    ['stock / `node scripts/run.cjs main.ts`', ratio(stock, runWall)],
    ['speed-up of the unit tests from the Jest tuning: before / `npm run test:unit`, wall', ratio(wall(find('test-unit-before')), unit)],
    ['the same, CPU time of the Node processes', ratio(cpu(find('test-unit-before')), cpu(find('test-unit')))],
    ['offline plan, serial / parallel', ratio(wall(find('plan-serial')), wall(find('plan-parallel')))],
    ["speed-up of the parallel offline plan from GOGC=400: Go's default GC / GOGC=400", ratio(wall(find('plan-parallel-gc100')), wall(find('plan-parallel')))],
    ['pull request at 1 x 50, first on its base (base synth not cached) / that stack alone, CPU time', prColdRatio],
  ] as const;
  lines.push('Other ratios from the same run:', '');
  for (const [name, value] of informational) lines.push(`- ${name}: ${x(value)}`);
  lines.push('');
  if (synth !== undefined && floor !== undefined && runWall !== undefined && npmWall !== undefined) {
    lines.push(
      `Where the default synth's ${seconds(synth)} go (medians of this run): \`npm run\` itself ${seconds(npmWall)} (${x(ratio(npmWall, floor))} the floor on its own), ` +
        `and the app in one process ${seconds(runWall)}, ${seconds(runWall - floor)} over the floor (checking the bundle is fresh; loading cdktf, the provider classes, zod and yaml from V8's code cache; ` +
        `validating the configuration; synthesizing ${find('synth')?.case.note ?? 'the stacks'}; the guardrails and the preflight checks).`,
      '',
    );
  }
  if (planNote) lines.push(planNote.trim(), '');
  if (prNote) lines.push(prNote, '');
  lines.push('## Targets', '');
  lines.push('| Target | Measured | Limit | Result |', '|---|---|---|---|');
  for (const t of targets) lines.push(`| ${t.name} | ${t.measured} | ${t.limit} | ${t.pass === undefined ? 'not measured' : t.pass ? 'PASS' : '**MISS**'} |`);
  lines.push('');
  for (const r of results.filter((r) => r.error)) lines.push(`### ${r.case.label}: failed`, '', '```', r.error!.split('\n').slice(0, 30).join('\n'), '```', '');
  if (profiles.length > 0) {
    lines.push('## Profiles of the cases that miss a target', '');
    for (const p of profiles) {
      lines.push(`### ${p.case.label}`, '');
      lines.push(
        `V8 CPU profiles (the \`.cpuprofile\` of \`node --cpu-prof\`, recorded by bench/lib/probe.cjs in every Node.js process) of one more run of \`${p.case.shown}\`: ` +
          `${(p.summary.totalMs / 1000).toFixed(2)} s of busy samples over ${p.summary.processes.length} processes (${p.summary.processes.map((x) => `${x.file.replace(/^CPU\.\d+\.|\.cpuprofile$/g, '')} ${(x.totalMs / 1000).toFixed(2)} s`).join(', ')}). ` +
          `Written to \`${path.relative(ROOT, p.dir)}/\` (open in Chrome DevTools > Performance, or VS Code; git ignores bench/profiles/, as the test runs' profiles are tens of MB): ${p.kept.map((f) => `\`${f}\` (${sizeMb(path.join(p.dir, f)).toFixed(1)} MB)`).join(', ')}; the profiles of processes with under 10% of the busy time (npm, CLI wrappers) were dropped.`,
        '',
      );
      lines.push('Top modules by self time:', '', '| Module | Self time | Share |', '|---|---:|---:|');
      for (const m of p.summary.topModules.slice(0, 12)) lines.push(`| ${m.module} | ${m.selfMs.toFixed(0)} ms | ${((100 * m.selfMs) / p.summary.totalMs).toFixed(1)}% |`);
      lines.push('', 'Top functions by self time:', '', '| Function | Where | Self time |', '|---|---|---:|');
      for (const f of p.summary.topFunctions) lines.push(`| \`${f.name}\` | ${f.where || '(native)'} | ${f.selfMs.toFixed(0)} ms |`);
      lines.push('');
    }
  }
  const report = `${lines.join('\n')}\n`;
  process.stdout.write(`\n${report}`);
  if (out) {
    writeFileSync(out, report);
    log(`\nwrote ${path.relative(process.cwd(), out) || out}`);
  } else {
    log('\n(partial run: bench/results.md left as it was; --out FILE writes this report)');
  }
  if (!options.keep) rmSync(scratchRoot, { recursive: true, force: true });
}

main().catch((error) => {
  process.stderr.write(`${(error as Error).stack ?? error}\n`);
  process.exitCode = 1;
});

/**
 * Loaded into every Node.js process of a measured command through
 * `NODE_OPTIONS=--require <this file>` (npm, the tsx CLI and its child, ts-node, jest and its
 * workers). Plain Node, so it works on any machine that runs the project (no `/usr/bin/time`).
 *
 *  - BENCH_PROBE_FILE: on exit, each process appends its own peak RSS and CPU time, from
 *    `process.resourceUsage()`, to that file (one JSON line).
 *  - BENCH_CPU_PROFILE_DIR: each process records a V8 CPU profile from here to its exit and
 *    writes it there as `CPU.<pid>.<script>.cpuprofile`: the profiler and file format of
 *    `node --cpu-prof`, which Node does not accept in NODE_OPTIONS, started through
 *    node:inspector instead so that it reaches the processes npm and tsx start.
 */
const { isMainThread } = require('node:worker_threads');

const file = process.env.BENCH_PROBE_FILE;
const profileDir = process.env.BENCH_CPU_PROFILE_DIR;

if (isMainThread && (file || profileDir)) {
  const { appendFileSync, writeFileSync } = require('node:fs');
  const path = require('node:path');
  let session;
  if (profileDir) {
    const inspector = require('node:inspector');
    session = new inspector.Session();
    session.connect();
    // In-thread inspector sessions answer synchronously, also inside an 'exit' handler.
    session.post('Profiler.enable');
    session.post('Profiler.setSamplingInterval', { interval: 1000 });
    session.post('Profiler.start');
    // Writing the profile on exit takes a moment; a parent that ends its children with SIGTERM
    // (jest-worker does, 500 ms after asking them to stop) must not kill this one halfway:
    // a SIGTERM becomes an orderly exit, which writes the profile.
    process.on('SIGTERM', () => process.exit(143));
  }
  process.on('exit', () => {
    if (session) {
      session.post('Profiler.stop', (error, result) => {
        const script = path.basename(process.argv[1] ?? 'node').replace(/[^\w.-]/g, '_');
        if (!error && result) writeFileSync(path.join(profileDir, `CPU.${process.pid}.${script}.cpuprofile`), JSON.stringify(result.profile));
      });
      session.disconnect();
    }
    if (!file) return;
    const usage = process.resourceUsage();
    const record = {
      pid: process.pid,
      ppid: process.ppid,
      command: process.argv.slice(1, 3).join(' '),
      maxRssKb: usage.maxRSS,
      cpuUs: usage.userCPUTime + usage.systemCPUTime,
    };
    try {
      appendFileSync(file, `${JSON.stringify(record)}\n`);
    } catch {
      // The bench reads what it can; a process that cannot write is simply not counted.
    }
  });
}

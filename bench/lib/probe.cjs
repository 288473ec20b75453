/**
 * Loaded into every Node.js process of a measured command through
 * `NODE_OPTIONS=--require <this file>` (npm, the tsx CLI and its child, ts-node, jest and its
 * workers). On exit each process appends its own peak RSS and CPU time, from
 * `process.resourceUsage()`, to the file named by BENCH_PROBE_FILE. Plain Node, so it works
 * on any machine that runs the project (no `/usr/bin/time` needed).
 */
const file = process.env.BENCH_PROBE_FILE;
const { isMainThread } = require('node:worker_threads');

if (file && isMainThread) {
  const { appendFileSync } = require('node:fs');
  process.on('exit', () => {
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

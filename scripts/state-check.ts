/** `npm run state:check [-- <stack>... -backend-config=...]`: see lib/state/check-cli.ts. */
import { runStateCheck } from '../lib/state/check-cli';

void runStateCheck(process.argv.slice(2), process.env, { out: (t) => process.stdout.write(t), err: (t) => process.stderr.write(t) }).then((code) => {
  process.exitCode = code;
});

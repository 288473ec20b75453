/** `npm run changed -- --base <git ref> [--json]`: see lib/changes/cli.ts. */
import { runChanged } from '../lib/changes/cli';

process.exitCode = runChanged(process.argv.slice(2), process.env, process.stdout, process.stderr);

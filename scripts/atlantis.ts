/** `npm run atlantis [-- --check]` and `npm run atlantis:synth [-- --project <stack>]`: see lib/atlantis/cli.ts. */
import { main } from '../lib/atlantis/cli';

try {
  process.exitCode = main(process.argv.slice(2));
} catch (error) {
  process.stderr.write(`${(error as Error).message}\n`);
  process.exitCode = 1;
}

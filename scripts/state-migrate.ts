/** `npm run state:migrate [-- [--local-state <file>] [-backend-config=...]]`: see lib/state/migrate-cli.ts. */
import { main } from '../lib/state/migrate-cli';

void main(process.argv.slice(2), process.env).then((code) => {
  process.exitCode = code;
});

/** `npm run plan|apply -- [<stack|glob> ...] [terraform flags]`: see lib/terraform/run-cli.ts. */
import { main } from '../lib/terraform/run-cli';

process.exitCode = main(process.argv.slice(2));

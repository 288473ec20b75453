/** `npm run locks [-- --offline] [-- --check]`: see lib/terraform/locks-cli.ts. */
import { runLocks } from '../lib/terraform/locks-cli';

runLocks(process.argv.slice(2));

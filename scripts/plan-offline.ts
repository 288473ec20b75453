/** `npm run plan:offline [-- <stack> ...]`: see lib/terraform/plan-offline-cli.ts. */
import { main } from '../lib/terraform/plan-offline-cli';

void main(process.argv.slice(2));

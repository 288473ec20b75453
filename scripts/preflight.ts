/**
 * npm run preflight [-- [--json] [<plan.json | synthesized folder> ...]]
 *
 * Decides, from the Terraform configuration alone (synthesized stacks or `terraform show
 * -json` plans), whether the tasks of every ECS service can start, path by path, and prints
 * the error AWS would otherwise report after the deploy, with the fix. Exits 1 when a path
 * fails. See docs/preflight.md.
 */
import { runPreflight } from '../lib/preflight/cli';

process.exitCode = runPreflight(process.argv.slice(2), process.env, process.stdout, process.stderr);

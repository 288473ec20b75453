/**
 * Which credentials Atlantis plans and applies each project with. A stack whose provider
 * assumes a deploy role (`deployRoleArn`) needs nothing from the server beyond credentials
 * that may assume it. A stack pinned to an account (`account`) without a role must run with
 * credentials of that account: its projects get a workflow of their own whose steps start by
 * setting AWS_PROFILE to `<project>-<env>`, a profile the server's AWS config defines
 * (docs/multi-account.md). Either way the pinned provider refuses any other account, so a pull
 * request cannot plan prod with dev's credentials.
 */
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import type { ManifestStack } from './manifest';

export interface StackCredentials {
  /** The workflow of the stack's project. */
  readonly workflow: string;
  /** The AWS_PROFILE it sets. */
  readonly profile: string;
}

interface ProviderJson {
  allowed_account_ids?: string[];
  assume_role?: unknown[];
  default_tags?: Array<{ tags?: Record<string, string> }>;
}

/** The profile a pinned environment's projects run with. */
export function environmentProfile(project: string, environment: string): string {
  return `${project}-${environment}`;
}

/** Per stack pinned to an account without a deploy role: its workflow and AWS_PROFILE. */
export function stackCredentials(outdir: string, stacks: readonly ManifestStack[], baseWorkflow: string): Map<string, StackCredentials> {
  const result = new Map<string, StackCredentials>();
  for (const stack of stacks) {
    const json = JSON.parse(readFileSync(path.join(outdir, stack.workingDirectory, 'cdk.tf.json'), 'utf8')) as { provider?: { aws?: ProviderJson[] } };
    const main = json.provider?.aws?.[0];
    const tags = main?.default_tags?.[0]?.tags ?? {};
    if (!main?.allowed_account_ids?.length || main.assume_role?.length || !tags.Project || !tags.Environment) continue;
    result.set(stack.name, { workflow: `${baseWorkflow}-${tags.Environment}`, profile: environmentProfile(tags.Project, tags.Environment) });
  }
  return result;
}

/** The same stages with AWS_PROFILE set first (an `env` step holds for the later steps of its stage). */
export function withProfile<T extends { plan: { steps: unknown[] }; apply: { steps: unknown[] } }>(workflow: T, profile: string): T {
  const step = { env: { name: 'AWS_PROFILE', value: profile } };
  return { ...workflow, plan: { steps: [step, ...workflow.plan.steps] }, apply: { steps: [step, ...workflow.apply.steps] } };
}

/**
 * The documents the rules read must be readable: an IAM policy or a container definition
 * written as a Terraform expression (`${jsonencode(...)}`, a variable) would pass every
 * rule unread, so it is refused. The one expression allowed is a reference to an
 * `aws_iam_policy_document`'s JSON, whose statements the IAM rules read where it is declared.
 */
import { blocks, TfResource } from '../../lib/preflight/tf';
import { RuleContext } from './context';

const DOCUMENT_KEYS = ['policy', 'assume_role_policy', 'policy_document', 'container_definitions'];
const POLICY_DOCUMENT_REF = /^\$\{data\.aws_iam_policy_document\.[\w-]+\.(json|minified_json)\}$/;

function readable(value: unknown): boolean {
  if (typeof value !== 'string') return true; // absent, or a structure Terraform will encode
  if (POLICY_DOCUMENT_REF.test(value.trim())) return true;
  try {
    JSON.parse(value);
    return true;
  } catch {
    return false;
  }
}

function documents(resource: TfResource): [string, unknown][] {
  const out: [string, unknown][] = DOCUMENT_KEYS.filter((k) => resource.values[k] !== undefined).map((k) => [k, resource.values[k]]);
  blocks(resource.values.inline_policy).forEach((inline, i) => out.push([`inline_policy[${i}].policy`, inline.policy]));
  return out;
}

export function readableRules(ctx: RuleContext): void {
  for (const resource of ctx.managed) {
    for (const [attribute, value] of documents(resource)) {
      if (!readable(value)) ctx.report('unreadable-document', resource, `${attribute} is not JSON but an expression (${String(value).slice(0, 60)}${String(value).length > 60 ? '...' : ''}), so the guardrails cannot check it; write it as JSON (JSON.stringify of a plain object)`);
    }
  }
}

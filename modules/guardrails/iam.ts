/**
 * IAM guardrails: Allow statements name their actions (`iam-wildcard-action`: no `*`,
 * `<service>:*`, `*:*`, NotAction), identity policies name their resources where the
 * actions support it (`iam-wildcard-resource`: no `"*"` for actions with resource-level
 * permissions, no NotResource), and no AWS managed policy grants administrator or full
 * access (`iam-admin-policy`); no role trusts everyone (`iam-open-trust`).
 */
import { isWildcardAction, policyStatements, Statement, wildcardMatch } from '../../lib/preflight/iam';
import { blocks, list, literalString, TfResource } from '../../lib/preflight/tf';
import { isEveryone, RuleContext } from './context';

/** Resources whose policy documents are identity policies (attached to a principal). */
const IDENTITY_POLICY_TYPES = new Set(['aws_iam_role_policy', 'aws_iam_policy', 'aws_iam_user_policy', 'aws_iam_group_policy', 'aws_iam_role']);

/**
 * Actions that take no resource ARN (IAM requires `"Resource": "*"` for them). Listed,
 * not guessed: another action with `"*"` is refused.
 */
const RESOURCELESS_ACTIONS = [
  'ecr:GetAuthorizationToken',
  'ssmmessages:CreateControlChannel',
  'ssmmessages:CreateDataChannel',
  'ssmmessages:OpenControlChannel',
  'ssmmessages:OpenDataChannel',
  'cloudwatch:PutMetricData',
  'xray:PutTraceSegments',
  'xray:PutTelemetryRecords',
  'xray:GetSamplingRules',
  'xray:GetSamplingTargets',
  'xray:GetSamplingStatisticSummaries',
  'sts:GetCallerIdentity',
  'ec2:Describe*',
  'logs:DescribeLogGroups',
];

/** AWS managed policies that grant administrator, power user or full IAM access. */
const ADMIN_POLICY = /^arn:aws[\w-]*:iam::aws:policy\/(AdministratorAccess|PowerUserAccess|IAMFullAccess|[\w/-]*FullAccess)$/;

/** An action that may use `"*"`: a listed one, or a single action a listed pattern covers (not a pattern of its own). */
const resourceless = (action: string) =>
  RESOURCELESS_ACTIONS.some((listed) => listed.toLowerCase() === action.trim().toLowerCase() || (!/[*?]/.test(action) && wildcardMatch(listed, action.trim(), true)));

/**
 * `*`, or an ARN that names no resource: `arn:*`, a wildcard service, or a resource part of
 * wildcards only (`arn:aws:s3:::*`, `arn:aws:iam::123456789012:*`, `arn:aws:iam::123456789012:role/*`).
 */
export function isWildcardResource(resource: string): boolean {
  const text = resource.trim();
  if (/^[*?]+$/.test(text)) return true;
  const parts = text.split(':');
  if (parts[0] !== 'arn') return false;
  if (parts.length < 6) return /[*?]/.test(text); // `arn:*`: a wildcard cut short
  if (/[*?]/.test(parts[1]) || /[*?]/.test(parts[2])) return true;
  const rest = parts.slice(5).join(':');
  // `<type>/*` (every role, every repository); in S3 the part before `/` is a bucket name, so `bucket/*` names its objects.
  return /^[*?]+$/.test(rest) || (parts[2] !== 's3' && /^[\w-]+\/[*?]+$/.test(rest));
}

/** Attributes of a resource holding a JSON policy document: `policy`, `*_policy`, `policy_document`, inline_policy blocks. */
export function policyAttributes(resource: TfResource): [string, string][] {
  const out: [string, string][] = [];
  for (const [key, value] of Object.entries(resource.values)) {
    if (typeof value === 'string' && (key === 'policy' || key.endsWith('_policy') || key === 'policy_document') && value.trimStart().startsWith('{')) out.push([key, value]);
  }
  blocks(resource.values.inline_policy).forEach((inline, i) => {
    if (typeof inline.policy === 'string') out.push([`inline_policy[${i}].policy`, inline.policy]);
  });
  return out;
}

function checkStatement(ctx: RuleContext, resource: TfResource, label: string, s: Statement, identity: boolean): void {
  if (s.effect !== 'Allow') return;
  const wild = (s.actions ?? []).filter(isWildcardAction);
  if (wild.length > 0) ctx.report('iam-wildcard-action', resource, `${label} allows ${wild.map((a) => `"${a}"`).join(', ')}`);
  if (s.notActions) ctx.report('iam-wildcard-action', resource, `${label} allows everything except NotAction ${JSON.stringify(s.notActions)}`);
  if (!identity) return;
  if (s.notResources) ctx.report('iam-wildcard-resource', resource, `${label} applies to every resource except NotResource ${JSON.stringify(s.notResources)}; name the resources`);
  if ((s.resources ?? []).some(isWildcardResource)) {
    const named = (s.actions ?? []).filter((a) => !resourceless(a));
    if (named.length > 0 || s.notActions) ctx.report('iam-wildcard-resource', resource, `${label} grants ${named.map((a) => `"${a}"`).join(', ') || 'NotAction'} on ${JSON.stringify((s.resources ?? []).filter(isWildcardResource))}; name the resources (only actions without resource-level permissions, such as ecr:GetAuthorizationToken, may use "*")`);
  }
}

export function iamRules(ctx: RuleContext): void {
  for (const resource of ctx.managed) {
    const identity = IDENTITY_POLICY_TYPES.has(resource.type);
    for (const [attribute, text] of policyAttributes(resource)) {
      // A role's trust policy names principals, not resources.
      const isIdentity = identity && attribute !== 'assume_role_policy';
      (policyStatements(text) ?? []).forEach((s, i) => {
        const label = `${attribute} statement ${s.sid ? `"${s.sid}"` : `#${i + 1}`}`;
        checkStatement(ctx, resource, label, s, isIdentity);
        if (attribute === 'assume_role_policy' && s.effect === 'Allow' && (isEveryone(s.principal) || s.notPrincipal !== undefined)) {
          ctx.report('iam-open-trust', resource, `${label} lets ${s.notPrincipal !== undefined ? 'everyone but NotPrincipal' : 'any AWS principal ("*")'} assume the role; name the service or account`);
        }
      });
    }
  }
  for (const doc of ctx.stacks.flatMap((s) => s.resources.filter((r) => r.mode === 'data' && r.type === 'aws_iam_policy_document'))) {
    blocks(doc.values.statement).forEach((s, i) => {
      const strings = (v: unknown) => (v === undefined ? undefined : list(v).filter((x): x is string => typeof x === 'string'));
      const statement: Statement = {
        sid: literalString(s.sid),
        effect: (literalString(s.effect) ?? 'Allow') === 'Allow' ? 'Allow' : 'Deny',
        actions: strings(s.actions),
        notActions: strings(s.not_actions),
        resources: strings(s.resources),
        notResources: strings(s.not_resources),
      };
      // Whether the document becomes an identity or a resource policy is not known here: principals tell.
      const identity = s.principals === undefined && s.not_principals === undefined;
      checkStatement(ctx, doc, `statement ${statement.sid ? `"${statement.sid}"` : `#${i + 1}`}`, statement, identity);
    });
  }
  const attachments: [string, string][] = [
    ['aws_iam_role_policy_attachment', 'policy_arn'],
    ['aws_iam_user_policy_attachment', 'policy_arn'],
    ['aws_iam_group_policy_attachment', 'policy_arn'],
    ['aws_iam_policy_attachment', 'policy_arn'],
    ['aws_iam_role_policy_attachments_exclusive', 'policy_arns'],
    ['aws_iam_role', 'managed_policy_arns'],
  ];
  for (const [type, attribute] of attachments) {
    for (const resource of ctx.ofType(type)) {
      for (const arn of list(resource.values[attribute]).filter((a): a is string => typeof a === 'string' && ADMIN_POLICY.test(a.trim()))) {
        ctx.report('iam-admin-policy', resource, `attaches the AWS managed policy ${arn.slice(arn.indexOf('policy/') + 7)}, which grants far more than a task or a pipeline needs; write a policy naming the actions and resources`);
      }
    }
  }
}

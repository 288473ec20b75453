/**
 * Guardrails: synth fails, with the construct path and the rule, when code or an escape
 * hatch breaks one of the project's secure defaults (docs/guardrails.md):
 *
 *  - `ecs-public-ip`            an ECS service assigns public IPs to its tasks (Security Hub ECS.2)
 *  - `task-sg-open-ingress`     a security group used by an ECS service admits 0.0.0.0/0 or ::/0
 *  - `endpoint-private-dns`     an interface VPC endpoint without private DNS
 *  - `https-tls-policy`         an HTTPS/TLS listener whose ssl_policy is not TLS 1.2+ (ELB.17)
 *  - `bucket-public-access-block` an S3 bucket without a public access block with all four settings on (S3.8)
 *  - `iam-wildcard-action`      an IAM Allow statement with `*` or `<service>:*` actions (or NotAction)
 *  - `plain-secret-env`         a secret-looking plain environment variable in a container definition (ECS.8)
 *  - `container-root-user`      a container that runs as root, or as the image's default user (ECS.4); the one
 *                               exception is the shape of the scratch init container (see rootInitShape)
 *
 * and one rule per further security control, in small files by area under guardrails/:
 * network.ts (open ingress, SSH/RDP, task egress, default groups, public subnets, flow logs),
 * ecs.ts (privileged, read-only root, logging, platform version, Container Insights),
 * load-balancers.ts (HTTP redirect, invalid headers, desync), storage.ts (S3, ECR, DynamoDB),
 * iam.ts (wildcard actions and resources, admin policies, open trust), platform.ts
 * (credentials in provider/backend blocks, KMS rotation, log retention, CloudFront, WAF),
 * readable.ts (policies and container definitions must be JSON the rules can read).
 * GUARDRAIL_RULES below lists them all, each with its control.
 *
 * How they see escape hatches: a cdktf Aspect on every stack (added by BaseStack) records
 * every element; when the rules run, each one's synthesized form is read, `element.toTerraform()` with tokens resolved: that is
 * the element's attributes deep-merged with its `addOverride` raw overrides, so a property
 * set in code and an override look the same. The rules then run once over every stack, at
 * App validation (after all stacks are visited), so every violation of the app is reported
 * at once and cross-stack facts (a task security group made in another stack) are known.
 * `npm run synth` runs the same rules on the final JSON files instead (GUARDRAILS_ON_OUTPUT),
 * which also catches stack-level overrides (`stack.addOverride`), not visible per element.
 *
 * A legitimate exception is suppressed per resource with a reason that the synthesized
 * JSON records (`"//": { "guardrail_suppressions": { "<rule>": "<reason>" } }`), so a
 * reviewer sees it in the plan's configuration: `suppressGuardrail(resource, rule, reason)`.
 */
import { App, Aspects, DefaultTokenResolver, IAspect, StringConcat, TerraformElement, TerraformResource, TerraformStack, Tokenization } from 'cdktf';
import { IConstruct } from 'constructs';
import { Model } from '../lib/preflight/model';
import { Resolver } from '../lib/preflight/refs';
import { stackFromJson } from '../lib/preflight/read-synth';
import { block, blocks, isRecord, Json, list, literalBool, literalString, TfResource, TfStack } from '../lib/preflight/tf';
import { RuleContext } from './guardrails/context';
import { ecsRules } from './guardrails/ecs';
import { iamRules } from './guardrails/iam';
import { loadBalancerRules } from './guardrails/load-balancers';
import { networkRules } from './guardrails/network';
import { platformRules } from './guardrails/platform';
import { readableRules } from './guardrails/readable';
import { storageRules } from './guardrails/storage';

export const GUARDRAIL_RULES = {
  'ecs-public-ip': 'ECS services give their tasks no public IP (Security Hub ECS.2): tasks stay in private subnets behind the load balancer',
  'task-sg-open-ingress': 'security groups of ECS tasks admit nothing from 0.0.0.0/0 or ::/0: only the load balancer or calling services',
  'endpoint-private-dns': 'interface VPC endpoints have private DNS on; without it the AWS service names resolve to public addresses and tasks without NAT fail to start',
  'https-tls-policy': 'HTTPS and TLS listeners use a recommended TLS 1.3 family security policy (ELB.17), e.g. ELBSecurityPolicy-TLS13-1-2-2021-06',
  'bucket-public-access-block': 'every S3 bucket has a public access block with all four settings true (S3.8)',
  'iam-wildcard-action': 'IAM Allow statements name their actions: no "*", no "<service>:*", no NotAction',
  'plain-secret-env': 'container definitions carry no secret in plain environment variables (ECS.8): use `secrets` (Secrets Manager / SSM)',
  'container-root-user':
    'containers run as a named non-root user (ECS.4); only an init container may run as root: non-essential, no port mappings, read-only root filesystem, every capability dropped, awaited by an essential container',
  'container-privileged': 'no container is privileged (ECS.4)',
  'container-readonly-root': 'containers have a read-only root filesystem (ECS.5), except in a service opened to ECS Exec',
  'container-logging': 'every container sends its logs somewhere: logConfiguration with a logDriver (ECS.9)',
  'ecs-platform-version': 'Fargate services run the latest platform version: unset or LATEST (ECS.10)',
  'ecs-container-insights': 'ECS clusters have Container Insights on (ECS.12)',
  'sg-open-ingress': 'no security group admits 0.0.0.0/0 or ::/0, except an internet-facing load balancer on tcp 80 and 443',
  'sg-admin-ports': 'no security group admits SSH (22) or RDP (3389), from anywhere',
  'task-sg-open-egress': 'task security groups send no traffic of every protocol, and nothing to 0.0.0.0/0 or ::/0 but tcp 443',
  'default-sg-closed': 'every VPC manages its default security group, with no rules (EC2.2)',
  'vpc-flow-logs': 'every VPC has flow logs (EC2.6)',
  'subnet-public-ip': 'subnets do not assign public IPs at launch (EC2.15); only subnets holding nothing but internet-facing load balancers may',
  'http-redirect': 'HTTP listeners of a load balancer that has HTTPS redirect to HTTPS, rules included (ELB.1)',
  'alb-drop-invalid-headers': 'application load balancers drop invalid header fields (ELB.4)',
  'alb-desync-mitigation': 'application load balancers mitigate desync attacks in defensive or strictest mode (ELB.12)',
  'bucket-public-policy': 'no bucket policy allows everyone ("*" or NotPrincipal)',
  'bucket-public-acl': 'no bucket has a public ACL',
  'bucket-tls-only': 'every bucket policy denies requests without TLS (S3.5)',
  'bucket-acls-disabled': 'buckets have ACLs off, BucketOwnerEnforced (S3.12); only a CloudFront standard log bucket may use BucketOwnerPreferred',
  'bucket-versioning': 'every bucket is versioned (S3.14)',
  'ecr-scan-on-push': 'ECR repositories scan images on push (ECR.1)',
  'ecr-immutable-tags': 'ECR repositories have immutable tags (ECR.2)',
  'ecr-lifecycle-policy': 'ECR repositories have a lifecycle policy (ECR.3)',
  'dynamodb-pitr': 'DynamoDB tables have point-in-time recovery (DynamoDB.2)',
  'iam-wildcard-resource': 'identity policies name their resources: "*" only for actions without resource-level permissions, no NotResource',
  'iam-admin-policy': 'no AWS managed administrator, power user or *FullAccess policy is attached',
  'iam-open-trust': 'no role trust policy lets everyone ("*" or NotPrincipal) assume it',
  'no-static-credentials': 'provider, backend and remote-state blocks carry no credentials (access_key, secret_key, token, profile, credentials files)',
  'kms-key-rotation': 'symmetric KMS keys rotate (KMS.4)',
  'log-retention': 'every log group has a retention period',
  'cloudfront-viewer-https': 'CloudFront serves viewers over HTTPS (redirect-to-https or https-only) with TLS 1.2+ on its own certificate',
  'waf-attached': 'a web ACL the stack creates stays attached to what it protects',
  'unreadable-document': 'IAM policies and container definitions are JSON the guardrails can read, not Terraform expressions',
} as const;

export type GuardrailRule = keyof typeof GUARDRAIL_RULES;

/** Where a suppression lives in a resource's synthesized JSON: `"//": { [SUPPRESSIONS_KEY]: { rule: reason } }`. */
export const SUPPRESSIONS_KEY = 'guardrail_suppressions';

export interface Violation {
  readonly rule: GuardrailRule;
  readonly stack: string;
  readonly address: string;
  readonly constructPath?: string;
  readonly message: string;
}

export interface Suppression {
  readonly rule: GuardrailRule;
  readonly stack: string;
  readonly address: string;
  readonly constructPath?: string;
  readonly reason: string;
}

/** Synth refused: every violation of the app, at once. */
export class GuardrailError extends Error {
  constructor(readonly violations: readonly Violation[]) {
    super(formatViolations(violations));
    this.name = 'GuardrailError';
  }
}

export function formatViolations(violations: readonly Violation[]): string {
  const lines = violations.map((v) => `  - [${v.constructPath ?? `${v.stack}/${v.address}`}] ${v.rule}: ${v.message} (${v.stack} ${v.address})`);
  return (
    `${violations.length} guardrail violation${violations.length === 1 ? '' : 's'}: a secure default was broken:\n${lines.join('\n')}\n` +
    `Fix the code or the escape hatch. For a legitimate exception, suppress that rule on that resource with a reason: ` +
    `suppressGuardrail(resource, '<rule>', '<why>') from modules/guardrails.ts (docs/guardrails.md).`
  );
}

const MIN_REASON_LENGTH = 10;

/**
 * Accepts one guardrail's violation on one resource, for a reason that is written into the
 * synthesized JSON (`"//"` comments are ignored by Terraform, shown to reviewers).
 */
export function suppressGuardrail(resource: TerraformResource, rule: GuardrailRule, reason: string): void {
  if (!(rule in GUARDRAIL_RULES)) {
    throw new Error(`suppressGuardrail: unknown rule ${JSON.stringify(rule)}; rules: ${Object.keys(GUARDRAIL_RULES).join(', ')}`);
  }
  if (typeof reason !== 'string' || reason.trim().length < MIN_REASON_LENGTH) {
    throw new Error(`suppressGuardrail(${resource.node.path}, ${rule}): give the reason for the exception (at least ${MIN_REASON_LENGTH} characters); reviewers read it in the synthesized JSON`);
  }
  resource.addOverride(`//.${SUPPRESSIONS_KEY}.${rule}`, reason.trim());
}

// ---------------------------------------------------------------------------------------
// The Aspect: records what every element of a stack will synthesize.

const RESOLVER = new DefaultTokenResolver(new StringConcat());

/**
 * Stack JSON documents, assembled from the elements' `toTerraform()`, per app. The elements
 * are read when the rules run (app validation), not when the Aspect visits them, so an
 * Aspect that runs after this one (added later, or on the same node) and mutates a resource
 * is seen too.
 */
class Collector {
  private readonly elements: [TerraformStack, TerraformElement][] = [];
  private readonly seen = new Set<TerraformElement>();

  add(stack: TerraformStack, element: TerraformElement): void {
    if (this.seen.has(element)) return;
    this.seen.add(element);
    this.elements.push([stack, element]);
  }

  stacks(): TfStack[] {
    const docs = new Map<string, Json>();
    for (const [stack, element] of this.elements) {
      const raw = element.toTerraform() as unknown;
      if (!relevant(raw)) continue;
      const fragment = Tokenization.resolve(raw, { scope: stack, preparing: false, resolver: RESOLVER }) as unknown;
      const name = stack.node.path;
      const doc = docs.get(name) ?? {};
      const merged = deepMerge(doc, fragment) as Json;
      // Each provider element writes `{provider: {aws: [its block]}}`: keep every block (aliases too), not the last.
      if (isRecord(fragment) && isRecord(fragment.provider) && isRecord(doc.provider)) {
        const providers: Json = { ...doc.provider };
        for (const [type, configs] of Object.entries(fragment.provider)) providers[type] = [...list(providers[type]), ...list(configs)];
        merged.provider = providers;
      }
      docs.set(name, merged);
    }
    return [...docs.entries()].map(([name, json]) => stackFromJson(name, json));
  }
}

/** Resource types the rules read (or follow references to); other resources matter only for their policy documents. */
const RULE_TYPES = new Set([
  'aws_ecs_service',
  'aws_ecs_task_definition',
  'aws_security_group',
  'aws_default_security_group',
  'aws_vpc_security_group_ingress_rule',
  'aws_vpc_security_group_egress_rule',
  'aws_security_group_rule',
  'aws_vpc_endpoint',
  'aws_lb_listener',
  'aws_alb_listener',
  'aws_s3_bucket',
  'aws_s3_bucket_public_access_block',
  'aws_s3_account_public_access_block',
  'aws_secretsmanager_secret_version',
  'aws_ssm_parameter',
  'aws_iam_access_key',
  'aws_db_instance',
  'random_password',
  'aws_iam_policy_document',
  'terraform_remote_state',
  'aws_vpc',
  'aws_subnet',
  'aws_flow_log',
  'aws_ecs_cluster',
  'aws_lb',
  'aws_alb',
  'aws_lb_listener_rule',
  'aws_alb_listener_rule',
  'aws_s3_bucket_policy',
  'aws_s3_bucket_acl',
  'aws_s3_bucket_ownership_controls',
  'aws_s3_bucket_versioning',
  'aws_ecr_repository',
  'aws_ecr_lifecycle_policy',
  'aws_dynamodb_table',
  'aws_iam_role_policy_attachment',
  'aws_iam_user_policy_attachment',
  'aws_iam_group_policy_attachment',
  'aws_iam_policy_attachment',
  'aws_iam_role_policy_attachments_exclusive',
  'aws_iam_role',
  'aws_kms_key',
  'aws_cloudwatch_log_group',
  'aws_cloudfront_distribution',
  'aws_wafv2_web_acl',
  'aws_wafv2_web_acl_association',
]);

/**
 * Whether an element's fragment can matter to a rule: outputs and locals (cross-stack and
 * local references), the rule types, and any resource with a policy document. Resolving
 * only these keeps the Aspect's cost small; the synth's check of the final JSON sees all.
 */
function relevant(fragment: unknown): boolean {
  if (!isRecord(fragment)) return false;
  // Outputs and locals (references), providers and the backend (credentials).
  if (fragment.output !== undefined || fragment.locals !== undefined || fragment.provider !== undefined || fragment.terraform !== undefined) return true;
  for (const key of ['resource', 'data'] as const) {
    const byType = fragment[key];
    if (!isRecord(byType)) continue;
    for (const [type, byName] of Object.entries(byType)) {
      if (RULE_TYPES.has(type)) return true;
      if (isRecord(byName) && Object.values(byName).some((b) => isRecord(b) && Object.keys(b).some((k) => k === 'policy' || k.endsWith('_policy') || k === 'policy_document' || k === 'inline_policy'))) return true;
    }
  }
  return false;
}

function deepMerge(target: unknown, source: unknown): unknown {
  if (isRecord(target) && isRecord(source)) {
    const out: Json = { ...target };
    for (const [key, value] of Object.entries(source)) out[key] = key in out ? deepMerge(out[key], value) : value;
    return out;
  }
  return source === undefined ? target : source;
}

class GuardrailAspect implements IAspect {
  constructor(private readonly collector: Collector) {}

  visit(node: IConstruct): void {
    if (!TerraformElement.isTerraformElement(node)) return;
    this.collector.add(TerraformStack.of(node), node);
  }
}

const collectors = new WeakMap<object, Collector>();

/**
 * App context set by a synth that runs the rules on its final JSON itself (runSynth in
 * main.ts, through checkSynthesized): there the Aspect's pass would only repeat them on a
 * subset of the same resources, with the same construct paths (cdktf writes each
 * resource's `//.metadata.path`), at about a sixth of a 50-service synth's CPU time.
 */
export const GUARDRAILS_ON_OUTPUT = 'fargate-platform:guardrails-checked-on-output';

/**
 * Adds the guardrails to a stack (BaseStack does it for every stack of the project). The
 * rules run once per app, when the app validates after synthesizing every stack, and throw
 * a GuardrailError listing every violation; not when the app's context has
 * GUARDRAILS_ON_OUTPUT true (the synth then checks the written JSON instead).
 */
export function addGuardrails(stack: TerraformStack): void {
  if (stack.node.tryGetContext(GUARDRAILS_ON_OUTPUT) === true) return;
  let owner: IConstruct = stack;
  try {
    owner = App.of(stack);
  } catch {
    // A stack outside an App (rare, in tests): validate it on its own.
  }
  let collector = collectors.get(owner);
  if (!collector) {
    const created = new Collector();
    collector = created;
    collectors.set(owner, created);
    owner.node.addValidation({
      validate: () => {
        const { violations } = checkGuardrails(created.stacks());
        if (violations.length > 0) throw new GuardrailError(violations);
        return [];
      },
    });
  }
  Aspects.of(stack).add(new GuardrailAspect(collector));
}

// ---------------------------------------------------------------------------------------
// The rules, over Terraform JSON (the Aspect's records, or the synthesized files).

export function checkGuardrails(stacks: readonly TfStack[]): { violations: Violation[]; suppressed: Suppression[] } {
  const model = new Model(new Resolver(stacks));
  const found: { rule: GuardrailRule; resource: TfResource; message: string }[] = [];
  const report = (rule: GuardrailRule, resource: TfResource, message: string) => found.push({ rule, resource, message });
  const managed = stacks.flatMap((s) => s.resources.filter((r) => r.mode === 'managed'));
  const ofType = (...types: string[]) => managed.filter((r) => types.includes(r.type));

  // ecs-public-ip, task-sg-open-ingress
  const taskGroups = new Set<TfResource>();
  for (const service of ofType('aws_ecs_service')) {
    const network = block(service.values.network_configuration);
    if (literalBool(network?.assign_public_ip) === true) report('ecs-public-ip', service, 'network_configuration.assign_public_ip = true gives every task a public IP');
    for (const group of model.service(service).securityGroups) taskGroups.add(group.resource);
  }
  for (const groupResource of taskGroups) {
    const group = model.securityGroup(groupResource);
    for (const rule of group.ingress) {
      const open = [...rule.cidrs.filter((c) => c === '0.0.0.0/0'), ...rule.ipv6Cidrs.filter((c) => c === '::/0')];
      if (open.length === 0) continue;
      report('task-sg-open-ingress', rule.resource, `${rule.resource === groupResource ? 'an inline ingress rule of ' : ''}the task security group ${group.label} admits ${open.join(' and ')}${rule.fromPort !== undefined ? ` on ${rule.fromPort === rule.toPort ? rule.fromPort : `${rule.fromPort}-${rule.toPort}`}` : ''}`);
    }
  }

  // endpoint-private-dns
  for (const endpoint of ofType('aws_vpc_endpoint')) {
    const type = literalString(endpoint.values.vpc_endpoint_type);
    const service = literalString(endpoint.values.service_name) ?? '';
    if (type !== 'Interface' || !service.startsWith('com.amazonaws.')) continue;
    const dns = literalBool(endpoint.values.private_dns_enabled, false);
    if (dns === false) report('endpoint-private-dns', endpoint, `interface endpoint ${service} has private_dns_enabled = ${endpoint.values.private_dns_enabled === undefined ? 'unset (the provider default is false)' : 'false'}`);
  }

  // https-tls-policy
  for (const listener of ofType('aws_lb_listener', 'aws_alb_listener')) {
    const protocol = literalString(listener.values.protocol)?.toUpperCase();
    if (protocol !== 'HTTPS' && protocol !== 'TLS') continue;
    const policy = listener.values.ssl_policy;
    if (policy !== undefined && literalString(policy) === undefined) continue;
    const name = literalString(policy);
    if (name === undefined) report('https-tls-policy', listener, `${protocol} listener without ssl_policy: AWS then applies its default policy (ELBSecurityPolicy-2016-08 through the API), which allows TLS 1.0 and 1.1`);
    else if (!STRONG_TLS_POLICY.test(name)) report('https-tls-policy', listener, `${protocol} listener with ssl_policy = "${name}", which is not a TLS 1.3 family policy (ELB.17: e.g. ELBSecurityPolicy-TLS13-1-2-2021-06)`);
  }

  // plain-secret-env
  for (const taskDefinition of ofType('aws_ecs_task_definition')) {
    for (const container of parseContainers(taskDefinition.values.container_definitions) ?? []) {
      for (const variable of blocks(container.environment)) {
        const name = literalString(variable.name) ?? '';
        const value = typeof variable.value === 'string' ? variable.value : '';
        const why = secretLooking(model, taskDefinition, name, value);
        if (why) report('plain-secret-env', taskDefinition, `container ${literalString(container.name) ?? '?'} has the plain environment variable ${name} (${why}); move it to "secrets" with a Secrets Manager or SSM ARN`);
      }
    }
  }

  // container-root-user
  for (const taskDefinition of ofType('aws_ecs_task_definition')) {
    const containers = parseContainers(taskDefinition.values.container_definitions) ?? [];
    for (const container of containers) {
      const user = container.user;
      const name = literalString(container.name) ?? '?';
      if (user !== undefined && typeof user !== 'string') continue;
      if (user !== undefined && !isRootUser(user)) continue;
      if (user !== undefined && rootInitShape(container, containers)) continue;
      report(
        'container-root-user',
        taskDefinition,
        user === undefined
          ? `container ${name} sets no user, so it runs as the image's default user (root for most images); set a non-root uid such as "1000"`
          : `container ${name} runs as root (user "${user}"); set a non-root uid such as "1000" (a root init container must be non-essential, without port mappings, read-only, with capabilities.drop ["ALL"], and awaited by an essential container)`,
      );
    }
  }

  const ctx: RuleContext = { stacks, model, managed, ofType, report };
  networkRules(ctx, taskGroups);
  ecsRules(ctx, (taskDefinition) => parseContainers(taskDefinition.values.container_definitions) ?? []);
  loadBalancerRules(ctx);
  storageRules(ctx);
  iamRules(ctx);
  platformRules(ctx);
  readableRules(ctx);

  const violations: Violation[] = [];
  const suppressed: Suppression[] = [];
  for (const f of found) {
    const base = { rule: f.rule, stack: f.resource.stack, address: f.resource.address, constructPath: f.resource.constructPath };
    const reason = suppressionOf(f.resource, f.rule);
    if (reason) suppressed.push({ ...base, reason });
    else violations.push({ ...base, message: f.message });
  }
  return { violations: dedupe(violations), suppressed: dedupe(suppressed) };
}

/**
 * The ELB security policies ELB.17 recommends: the TLS 1.3 families (TLS 1.2 at least, TLS 1.3
 * offered; `-Res-`, `-Ext1-`, `-Ext2-`, FIPS and post-quantum variants). The older TLS 1.2-only
 * policies (`ELBSecurityPolicy-TLS-1-2-*`, `-FS-1-2-*`) keep CBC ciphers and fail the control.
 */
export const STRONG_TLS_POLICY = /^ELBSecurityPolicy-TLS13-1-[23]-/;

const SECRET_NAME = /(PASSWORD|PASSWD|PASSPHRASE|SECRET|TOKEN|PRIVATE_?KEY|API_?KEY|ACCESS_?KEY|CREDENTIAL)/i;
/** A reference to where a secret is kept, not the secret: a Secrets Manager, SSM or KMS ARN. */
const SECRET_STORE_ARN = /^arn:aws[\w-]*:(secretsmanager|ssm|kms):/;
const SECRET_VALUES: [RegExp, string][] = [
  [/\b(AKIA|ASIA)[0-9A-Z]{16}\b/, 'its value is an AWS access key id'],
  [/-----BEGIN [A-Z ]*PRIVATE KEY-----/, 'its value is a private key'],
  [/\bgh[pousr]_[A-Za-z0-9]{36}\b/, 'its value is a GitHub token'],
  [/\bxox[abposr]-[A-Za-z0-9-]{10,}/, 'its value is a Slack token'],
  [/\b[sr]k_live_[0-9A-Za-z]{10,}/, 'its value is a live API key'],
];
const SECRET_SOURCES: Record<string, string> = {
  aws_secretsmanager_secret_version: 'secret_string',
  aws_ssm_parameter: 'value',
  random_password: 'result',
  aws_iam_access_key: 'secret',
  aws_db_instance: 'password',
};

function secretLooking(model: Model, taskDefinition: TfResource, name: string, value: string): string | undefined {
  for (const [pattern, why] of SECRET_VALUES) if (pattern.test(value)) return why;
  for (const part of model.resolver.interpolate(model.scope(taskDefinition), value)) {
    if ('target' in part && part.target.kind === 'resource' && SECRET_SOURCES[part.target.resource.type] === part.target.attribute) {
      return `its value is ${part.target.resource.address}.${part.target.attribute}`;
    }
  }
  if (SECRET_NAME.test(name) && value !== '' && !SECRET_STORE_ARN.test(value)) return 'its name says it holds a secret';
  return undefined;
}

/** `0`, `root`, with or without a group. */
function isRootUser(user: string): boolean {
  return /^(0|root)(:.*)?$/.test(user.trim());
}

/**
 * The one root container allowed: an init container that only prepares volumes (e.g. sets
 * the mode of a scratch volume Fargate creates root-owned). It is non-essential, maps no
 * port, cannot write its root filesystem, has dropped every capability (adding back at
 * most CHOWN, for a chown of the volume), and an essential container waits for it.
 */
function rootInitShape(container: Json, all: readonly Json[]): boolean {
  if (literalBool(container.essential, true) !== false) return false;
  if (list(container.portMappings).length > 0) return false;
  if (literalBool(container.readonlyRootFilesystem, false) !== true) return false;
  if (literalBool(container.privileged, false) !== false) return false;
  const capabilities = block(block(container.linuxParameters)?.capabilities);
  if (!list(capabilities?.drop).includes('ALL')) return false;
  if (!list(capabilities?.add).every((c) => c === 'CHOWN')) return false;
  const name = literalString(container.name);
  return all.some(
    (c) => c !== container && literalBool(c.essential, true) === true && blocks(c.dependsOn).some((d) => literalString(d.containerName) === name && ['SUCCESS', 'COMPLETE'].includes(literalString(d.condition) ?? '')),
  );
}

function parseContainers(value: unknown): Json[] | undefined {
  if (typeof value !== 'string') return Array.isArray(value) ? value.filter(isRecord) : undefined;
  try {
    const parsed = JSON.parse(value) as unknown;
    return Array.isArray(parsed) ? parsed.filter(isRecord) : undefined;
  } catch {
    return undefined;
  }
}

function suppressionOf(resource: TfResource, rule: GuardrailRule): string | undefined {
  const comment = resource.values['//'];
  const suppressions = isRecord(comment) ? comment[SUPPRESSIONS_KEY] : undefined;
  const reason = isRecord(suppressions) ? suppressions[rule] : undefined;
  return typeof reason === 'string' && reason.trim().length >= MIN_REASON_LENGTH ? reason : undefined;
}

function dedupe<T extends { rule: string; stack: string; address: string }>(items: T[]): T[] {
  const seen = new Set<string>();
  return items.filter((i) => {
    const key = `${i.rule}|${i.stack}|${i.address}|${'message' in i ? String((i as { message?: string }).message) : ''}`;
    return !seen.has(key) && seen.add(key);
  });
}

/**
 * A strict JSON Schema (draft-07) for the repo-side Atlantis configuration, `atlantis.yaml`.
 * Atlantis publishes none, and its parser rejects unknown keys, so this one rejects them
 * too (`additionalProperties: false` everywhere).
 *
 * Written from the repo-config keys of Atlantis v0.4x (runatlantis.io, "Repo Level atlantis.yaml Config") and its parser,
 * github.com/runatlantis/atlantis server/core/config/raw: repo_cfg.go (top-level keys),
 * project.go (project keys; `dir` may not contain `..`; names URL-safe; requirement values),
 * autoplan.go, workflow.go/stage.go (stages) and step.go (step forms: a built-in name, a
 * built-in with `extra_args`, `run` as a string or {command, output, regex_filter}, `env`
 * with `name` and exactly one of `value`/`command`, `multienv`).
 * Deliberately left out: the server-side keys (`pre_workflow_hooks`, `allow_custom_workflows`,
 * `allowed_overrides`, ... belong in the server's repos.yaml) and `policies`, which this
 * project does not use: both fail validation here.
 */

const stringList = { type: 'array', items: { type: 'string', minLength: 1 } } as const;
const requirements = { type: 'array', items: { enum: ['approved', 'mergeable', 'undiverged'] }, uniqueItems: true } as const;
const repoLocks = {
  type: 'object',
  additionalProperties: false,
  properties: { mode: { enum: ['disabled', 'on_plan', 'on_apply'] } },
} as const;
const silencePrComments = { type: 'array', items: { enum: ['plan', 'apply'] }, uniqueItems: true } as const;

const BUILT_IN_STEPS = ['init', 'plan', 'apply', 'show', 'policy_check', 'import', 'state_rm'] as const;

const step = {
  oneOf: [
    { description: 'a built-in step', enum: [...BUILT_IN_STEPS] },
    {
      description: 'a built-in step with extra_args',
      type: 'object',
      minProperties: 1,
      maxProperties: 1,
      propertyNames: { enum: [...BUILT_IN_STEPS] },
      additionalProperties: {
        type: 'object',
        additionalProperties: false,
        properties: { extra_args: stringList },
      },
    },
    {
      description: 'a custom command',
      type: 'object',
      additionalProperties: false,
      required: ['run'],
      properties: {
        run: {
          oneOf: [
            { type: 'string', minLength: 1 },
            {
              type: 'object',
              additionalProperties: false,
              required: ['command'],
              properties: {
                command: { type: 'string', minLength: 1 },
                output: { enum: ['show', 'hide', 'strip_refreshing', 'custom_regex', 'strip_refreshing_with_custom_regex'] },
                regex_filter: { type: 'string' },
              },
            },
          ],
        },
      },
    },
    {
      description: 'an environment variable for the following steps',
      type: 'object',
      additionalProperties: false,
      required: ['env'],
      properties: {
        env: {
          oneOf: [
            {
              type: 'object',
              additionalProperties: false,
              required: ['name', 'value'],
              properties: { name: { type: 'string', minLength: 1 }, value: { type: 'string' } },
            },
            {
              type: 'object',
              additionalProperties: false,
              required: ['name', 'command'],
              properties: { name: { type: 'string', minLength: 1 }, command: { type: 'string', minLength: 1 } },
            },
          ],
        },
      },
    },
    {
      description: 'a command printing several environment variables',
      type: 'object',
      additionalProperties: false,
      required: ['multienv'],
      properties: { multienv: { type: 'string', minLength: 1 } },
    },
  ],
} as const;

const stage = {
  type: 'object',
  additionalProperties: false,
  properties: { steps: { type: 'array', items: step } },
} as const;

const project = {
  type: 'object',
  additionalProperties: false,
  required: ['dir'],
  properties: {
    // URL-safe (url.QueryEscape leaves it as it is), '/' allowed, no glob characters.
    name: { type: 'string', pattern: '^[A-Za-z0-9._~/-]+$' },
    branch: { type: 'string', pattern: '^/.*/$' },
    dir: { type: 'string', minLength: 1, not: { pattern: '\\.\\.' } },
    workspace: { type: 'string', minLength: 1 },
    workflow: { type: 'string', minLength: 1 },
    terraform_version: { type: 'string', minLength: 1 },
    terraform_distribution: { enum: ['terraform', 'opentofu'] },
    autoplan: {
      type: 'object',
      additionalProperties: false,
      properties: { enabled: { type: 'boolean' }, when_modified: stringList },
    },
    plan_requirements: requirements,
    apply_requirements: requirements,
    import_requirements: requirements,
    depends_on: { ...stringList, uniqueItems: true },
    execution_order_group: { type: 'integer' },
    repo_locks: repoLocks,
    silence_pr_comments: silencePrComments,
    delete_source_branch_on_merge: { type: 'boolean' },
  },
} as const;

export const ATLANTIS_REPO_CONFIG_SCHEMA = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  $id: 'atlantis-repo-config.schema.json',
  title: 'Atlantis repo-level configuration (atlantis.yaml), version 3',
  type: 'object',
  additionalProperties: false,
  required: ['version'],
  properties: {
    version: { enum: [2, 3] },
    projects: { type: 'array', items: project },
    workflows: {
      type: 'object',
      additionalProperties: {
        type: 'object',
        additionalProperties: false,
        properties: { plan: stage, apply: stage, import: stage, state_rm: stage },
      },
    },
    automerge: { type: 'boolean' },
    autodiscover: {
      type: 'object',
      additionalProperties: false,
      properties: { mode: { enum: ['auto', 'enabled', 'disabled'] }, ignore_paths: stringList },
    },
    parallel_plan: { type: 'boolean' },
    parallel_apply: { type: 'boolean' },
    abort_on_execution_order_fail: { type: 'boolean' },
    delete_source_branch_on_merge: { type: 'boolean' },
    emoji_reaction: { type: 'string' },
    allowed_regexp_prefixes: stringList,
    repo_locks: repoLocks,
    silence_pr_comments: silencePrComments,
  },
} as const;

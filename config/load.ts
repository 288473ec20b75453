/**
 * Reads, parses and validates the configuration file. Every problem is collected and
 * reported at once as a ConfigError naming the offending key; nothing here throws
 * anything else for bad input, so callers can print a clean message and exit.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import * as path from 'node:path';
import { Document, isAlias, isMap, isScalar, isSeq, LineCounter, parseDocument } from 'yaml';
import { z } from 'zod';
import { ConfigIssue, quote, shortenPath } from './issues';
import { configSchema } from './schema';
import { resolveConfig, ResolvedConfig } from './validate';

/** The built-in default configuration. */
export const DEFAULT_CONFIG_PATH = path.join(__dirname, 'environments.yaml');

export class ConfigError extends Error {
  constructor(
    readonly file: string,
    readonly issues: readonly ConfigIssue[],
  ) {
    super(`${file}: ${issues.length} configuration error${issues.length === 1 ? '' : 's'}:\n${issues.map((i) => `  - ${i.path ? `${shortenPath(i.path)}: ` : ''}${i.message}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** The configuration file to use: `INFRA_CONFIG` when set, else the built-in default. */
export function configPathFromEnv(env: NodeJS.ProcessEnv = process.env): string {
  return env.INFRA_CONFIG ? path.resolve(env.INFRA_CONFIG) : DEFAULT_CONFIG_PATH;
}

export function loadConfigFile(file: string): ResolvedConfig {
  if (!existsSync(file)) {
    throw new ConfigError(file, [{ path: '', message: 'file not found (INFRA_CONFIG names the configuration file; unset it for the built-in config/environments.yaml)' }]);
  }
  if (!statSync(file).isFile()) throw new ConfigError(file, [{ path: '', message: 'is not a file' }]);
  let text: string;
  try {
    // Fatal: a file in another encoding is refused rather than read with replacement characters.
    text = new TextDecoder('utf-8', { fatal: true }).decode(readFileSync(file));
  } catch {
    throw new ConfigError(file, [{ path: '', message: 'is not UTF-8 text; save the configuration as UTF-8' }]);
  }
  return parseConfigText(text, file);
}

/** Aliases a document may expand; more is a configuration error (an alias bomb would exhaust memory). */
const MAX_ALIAS_COUNT = 100;

export function parseConfigText(text: string, file = '<inline>'): ResolvedConfig {
  const lineCounter = new LineCounter();
  // Duplicate keys are found below, where their key path is known.
  const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: false, lineCounter });
  const issues: ConfigIssue[] = doc.errors.map((e) => ({ path: '', message: `malformed YAML: ${yamlErrorText(e.message)}` }));
  // An unknown tag (`!Ref name`, a CloudFormation habit) would silently leave its plain text as the value.
  for (const warning of doc.warnings.filter((w) => w.code === 'TAG_RESOLVE_FAILED')) {
    issues.push({ path: '', message: `malformed YAML: ${yamlErrorText(warning.message)}; this file is plain YAML, write the value itself` });
  }
  issues.push(...duplicateKeys(doc, lineCounter));
  if (issues.length > 0) throw new ConfigError(file, issues);
  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (error) {
    const message = /alias count/i.test((error as Error).message)
      ? `too many alias expansions (more than ${MAX_ALIAS_COUNT}): YAML aliases (*name) may not multiply the document`
      : `malformed YAML: ${(error as Error).message.split('\n')[0]}`;
    throw new ConfigError(file, [{ path: '', message }]);
  }
  if (data === null || data === undefined) {
    throw new ConfigError(file, [{ path: '', message: 'the file is empty; expected a mapping with the keys project, state and environments' }]);
  }
  return validateConfigData(data, file);
}

/** A YAML parser message's first line; the parser's own stack overflow said in the file's terms. */
function yamlErrorText(message: string): string {
  const text = message.split('\n')[0].replace(/:$/, '');
  return text.replace(/^Maximum call stack size exceeded/, 'lists or mappings nested too deeply to read');
}

/** Keys given twice in one mapping, by key path (YAML would silently keep only one value). */
function duplicateKeys(doc: Document, lines: LineCounter): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  const walk = (node: unknown, path: string): void => {
    if (isAlias(node)) return;
    if (isSeq(node)) node.items.forEach((item, i) => walk(item, path ? `${path}.${i}` : String(i)));
    if (!isMap(node)) return;
    const seen = new Map<string, number>();
    for (const pair of node.items) {
      const key = isScalar(pair.key) ? String(pair.key.value) : String(pair.key);
      const at = path ? `${path}.${key}` : key;
      const line = isScalar(pair.key) && pair.key.range ? lines.linePos(pair.key.range[0]).line : 0;
      const first = seen.get(key);
      if (first !== undefined) issues.push({ path: at, message: `is given twice (lines ${first} and ${line}); YAML would keep only one of them` });
      else seen.set(key, line);
      walk(pair.value, at);
    }
  };
  walk(doc.contents, '');
  return issues;
}

/**
 * Validates configuration data already parsed (from YAML, JSON or code) and resolves its
 * defaults; throws a ConfigError naming every problem, as for a file.
 */
export function validateConfigData(data: unknown, file = '<inline>'): ResolvedConfig {
  if (typeof data !== 'object' || data === null || Array.isArray(data)) {
    const found = Array.isArray(data) ? 'a list' : `the ${typeof data} ${quote(data)}`;
    throw new ConfigError(file, [{ path: '', message: `the file must be a mapping with the keys project, state and environments; found ${found}` }]);
  }
  const reserved = reservedKeys(data, '');
  // The schema would recurse forever into a value that contains itself.
  if (reserved.some((r) => r.message === CYCLE_MESSAGE)) throw new ConfigError(file, reserved);
  const parsed = configSchema.safeParse(data);
  if (!parsed.success || reserved.length > 0) {
    const schemaIssues = (parsed.error ? withoutFollowUps(parsed.error.issues) : []).map(toConfigIssue).filter((i) => !reserved.some((r) => r.path === i.path));
    throw new ConfigError(file, [...reserved, ...schemaIssues]);
  }
  const { config, issues } = resolveConfig(parsed.data);
  if (!config) throw new ConfigError(file, issues);
  return config;
}

const CYCLE_MESSAGE = 'contains itself (a YAML alias *name inside the node its anchor &name marks); the configuration must be a tree: copy the values instead';

/**
 * Keys the schema cannot judge: `__proto__` (the schema's records would drop it silently)
 * and a value that contains itself (a YAML alias inside its own anchor, `a: &x [*x]`, which
 * the schema would follow forever). Both are refused by key.
 */
function reservedKeys(data: unknown, path: string, ancestors: readonly unknown[] = []): ConfigIssue[] {
  if (typeof data !== 'object' || data === null) return [];
  if (ancestors.includes(data)) {
    return [{ path, message: CYCLE_MESSAGE }];
  }
  return Object.entries(data).flatMap(([key, value]) => {
    const at = path ? `${path}.${key}` : key;
    return key === '__proto__' ? [{ path: at, message: 'is not a usable key (JavaScript reserves "__proto__"); choose another name' }] : reservedKeys(value, at, [...ancestors, data]);
  });
}

/**
 * A value of the wrong type is reported once: zod also runs the key's other checks on it
 * (a string given for a list is then "too long" by the list's size limit), which would only
 * mislead.
 */
function withoutFollowUps(issues: readonly z.core.$ZodIssue[]): z.core.$ZodIssue[] {
  const key = (issue: z.core.$ZodIssue) => issue.path.map(String).join('\u0000');
  const wrongType = new Set(issues.filter((i) => i.code === 'invalid_type').map(key));
  // Of several upper bounds on one key (zod's safe-integer bound and the key's own), the tightest.
  const tightest = new Map<string, z.core.$ZodIssue>();
  for (const issue of issues) {
    if (issue.code !== 'too_big') continue;
    const kept = tightest.get(key(issue));
    if (!kept || (kept.code === 'too_big' && Number(issue.maximum) < Number(kept.maximum))) tightest.set(key(issue), issue);
  }
  return issues.filter((i) => (i.code === 'invalid_type' || !wrongType.has(key(i))) && (i.code !== 'too_big' || tightest.get(key(i)) === i));
}

function toConfigIssue(issue: z.core.$ZodIssue): ConfigIssue {
  const at = issue.path.map(String).join('.');
  if (issue.code === 'unrecognized_keys') {
    const valid = validKeysAt(issue.path);
    return issue.keys.length === 1 && at === ''
      ? { path: issue.keys[0], message: `unknown key; valid keys here: ${valid.join(', ')}` }
      : {
          path: issue.keys.length === 1 ? (at ? `${at}.${issue.keys[0]}` : issue.keys[0]) : at,
          message: `unknown key${issue.keys.length === 1 ? '' : `s ${issue.keys.map((k) => quote(k)).join(', ')}`}; valid keys here: ${valid.join(', ')}`,
        };
  }
  if (issue.code === 'invalid_key') {
    return { path: at, message: issue.issues.map((i) => i.message).join('; ') };
  }
  if (issue.code === 'invalid_type' && issue.message.includes('received undefined')) {
    return { path: at, message: `is required (expected ${issue.expected})` };
  }
  return { path: at, message: issue.message };
}

/** The keys the schema accepts at a path, for "did you mean" style messages. */
function validKeysAt(keyPath: readonly PropertyKey[]): string[] {
  let schema: z.core.$ZodType | undefined = configSchema;
  for (const key of keyPath) {
    schema = schema && childSchema(unwrap(schema), key);
  }
  const object = schema && unwrap(schema);
  return object instanceof z.ZodObject ? Object.keys(object.shape) : [];
}

function unwrap(schema: z.core.$ZodType): z.core.$ZodType {
  let current = schema;
  while (current instanceof z.ZodOptional || current instanceof z.ZodDefault || current instanceof z.ZodNullable) {
    current = current.unwrap() as z.core.$ZodType;
  }
  return current;
}

function childSchema(schema: z.core.$ZodType, key: PropertyKey): z.core.$ZodType | undefined {
  if (schema instanceof z.ZodObject) return (schema.shape as Record<string, z.core.$ZodType>)[String(key)];
  if (schema instanceof z.ZodRecord) return schema.valueType as z.core.$ZodType;
  if (schema instanceof z.ZodArray) return schema.element as z.core.$ZodType;
  return undefined;
}

/**
 * Reads, parses and validates the configuration file. Every problem is collected and
 * reported at once as a ConfigError naming the offending key; nothing here throws
 * anything else for bad input, so callers can print a clean message and exit.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import * as path from 'node:path';
import { parseDocument } from 'yaml';
import { z } from 'zod';
import { configSchema } from './schema';
import { ConfigIssue, resolveConfig, ResolvedConfig } from './validate';

/** The built-in default configuration. */
export const DEFAULT_CONFIG_PATH = path.join(__dirname, 'environments.yaml');

export class ConfigError extends Error {
  constructor(
    readonly file: string,
    readonly issues: readonly ConfigIssue[],
  ) {
    super(`${file}: ${issues.length} configuration error${issues.length === 1 ? '' : 's'}:\n${issues.map((i) => `  - ${i.path ? `${i.path}: ` : ''}${i.message}`).join('\n')}`);
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
  return parseConfigText(readFileSync(file, 'utf8'), file);
}

export function parseConfigText(text: string, file = '<inline>'): ResolvedConfig {
  const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  if (doc.errors.length > 0) {
    throw new ConfigError(
      file,
      doc.errors.map((e) => ({ path: '', message: `malformed YAML: ${e.message.split('\n')[0].replace(/:$/, '')}` })),
    );
  }
  const data: unknown = doc.toJS();
  if (data === null || data === undefined) {
    throw new ConfigError(file, [{ path: '', message: 'the file is empty; expected a mapping with the keys project, state and environments' }]);
  }
  return validateConfigData(data, file);
}

/**
 * Validates configuration data already parsed (from YAML, JSON or code) and resolves its
 * defaults; throws a ConfigError naming every problem, as for a file.
 */
export function validateConfigData(data: unknown, file = '<inline>'): ResolvedConfig {
  const parsed = configSchema.safeParse(data);
  if (!parsed.success) throw new ConfigError(file, parsed.error.issues.map(toConfigIssue));
  const { config, issues } = resolveConfig(parsed.data);
  if (!config) throw new ConfigError(file, issues);
  return config;
}

function toConfigIssue(issue: z.core.$ZodIssue): ConfigIssue {
  const at = issue.path.map(String).join('.');
  if (issue.code === 'unrecognized_keys') {
    const valid = validKeysAt(issue.path);
    return issue.keys.length === 1 && at === ''
      ? { path: issue.keys[0], message: `unknown key; valid keys here: ${valid.join(', ')}` }
      : {
          path: issue.keys.length === 1 ? (at ? `${at}.${issue.keys[0]}` : issue.keys[0]) : at,
          message: `unknown key${issue.keys.length === 1 ? '' : `s ${issue.keys.map((k) => JSON.stringify(k)).join(', ')}`}; valid keys here: ${valid.join(', ')}`,
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

import { z } from 'zod';
import { configSchema } from './schema';

/**
 * The configuration schema as JSON Schema (draft 2020-12), for editors: the YAML language
 * server completes and checks `environments.yaml` through its `$schema` comment. Rules
 * that relate several values (CIDRs that fit, zones of the region) are checked by synth only.
 */
export function renderJsonSchema(): string {
  const schema = z.toJSONSchema(configSchema, { io: 'input', unrepresentable: 'any' });
  return `${JSON.stringify({ ...schema, title: 'Private Fargate platform configuration' }, null, 2)}\n`;
}

import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import Ajv2020 from 'ajv/dist/2020';
import { parseDocument } from 'yaml';
import { renderJsonSchema } from '../config/json-schema';
import { DEFAULT_CONFIG_PATH } from '../config/load';

const schemaFile = path.join(__dirname, '..', 'config', 'environments.schema.json');

describe('published JSON Schema', () => {
  test('config/environments.schema.json is current (run `npm run schema` after changing config/schema.ts)', () => {
    expect(readFileSync(schemaFile, 'utf8')).toBe(renderJsonSchema());
  });

  test('accepts the default configuration and rejects unknown keys, as the synth does', () => {
    const validate = new Ajv2020({ strict: false }).compile(JSON.parse(readFileSync(schemaFile, 'utf8')));
    const data = parseDocument(readFileSync(DEFAULT_CONFIG_PATH, 'utf8')).toJS();
    expect(validate(data)).toBe(true);
    data.environments.dev.network.cidrr = '10.0.0.0/16';
    expect(validate(data)).toBe(false);
    expect(validate.errors?.[0]).toMatchObject({ instancePath: '/environments/dev/network', keyword: 'additionalProperties', params: { additionalProperty: 'cidrr' } });
  });
});

/** npm run schema: regenerates config/environments.schema.json from config/schema.ts. */
import { writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { renderJsonSchema } from '../config/json-schema';

const target = path.join(__dirname, '..', 'config', 'environments.schema.json');
writeFileSync(target, renderJsonSchema());
process.stdout.write(`wrote ${path.relative(process.cwd(), target)}\n`);

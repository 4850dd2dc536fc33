/**
 * Publishes the event contracts (inbound and outbound), the task and the command as JSON Schema
 * (docs/schemas), generated from the same zod schemas the relay validates with, so the documents and the
 * code cannot drift. A unit test fails when the committed files differ from what this prints: run
 * `npm run schemas` after changing src/domain/events.ts, outbound-event.ts, task.ts or commands.ts.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { eventSchemaDocuments } from '../src/domain/schemas';

const dir = join(import.meta.dirname, '..', 'docs', 'schemas');
for (const [file, schema] of Object.entries(eventSchemaDocuments())) {
  writeFileSync(join(dir, file), `${JSON.stringify(schema, null, 2)}\n`);
  console.log(`wrote docs/schemas/${file}`);
}

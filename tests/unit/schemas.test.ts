import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { eventSchemaDocuments } from '../../src/domain/schemas';

describe('the published JSON Schemas (docs/schemas)', () => {
  it.each(Object.entries(eventSchemaDocuments()))(
    '%s matches the zod contract (run `npm run schemas` after a change)',
    (file, schema) => {
      const published = JSON.parse(
        readFileSync(join(import.meta.dirname, '..', '..', 'docs', 'schemas', file), 'utf8'),
      ) as unknown;
      expect(published).toEqual(schema);
    },
  );
});

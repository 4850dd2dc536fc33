import { Task } from '../../../src/domain';

export interface TaskRow {
  id: string;
  body: string;
  seq: number;
}

export class CorruptRowError extends Error {
  constructor(
    readonly table: string,
    readonly key: string,
  ) {
    super(`Stored ${table} row ${key} does not match the current schema.`);
  }
}

/**
 * Stored data is validated on read as well as on write (STYLE #11): a row written by an older relay or
 * edited by hand fails loudly here, by id, instead of reaching a nurse's screen half-formed.
 */
export function taskFromRow(row: TaskRow): Task {
  const parsed = Task.safeParse(JSON.parse(row.body));
  if (!parsed.success) throw new CorruptRowError('tasks', row.id);
  return { ...parsed.data, seq: row.seq };
}

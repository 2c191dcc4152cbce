import type { CreateTableBuilder } from 'kysely';
import type { Dialect } from './store.js';

/**
 * Column shapes that differ between the dialects. Conventions for every table:
 * timestamps are epoch milliseconds (bigint), booleans are 0/1 integers, JSON is text.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function withSerialId<T extends string>(table: CreateTableBuilder<T, any>, dialect: Dialect, name = 'id') {
  return dialect === 'sqlite'
    ? table.addColumn(name, 'integer', (c) => c.primaryKey().autoIncrement())
    : table.addColumn(name, 'bigserial', (c) => c.primaryKey());
}

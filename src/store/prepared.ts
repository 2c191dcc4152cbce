import type { Compilable, CompiledQuery } from 'kysely';
import type { Db, Tx } from './store.js';

/** Stands for an argument while a prepared query is built; replaced by the value on every run. */
class Slot {
  constructor(readonly index: number) {}
}

interface Prepared {
  compiled: CompiledQuery;
  /** For each parameter of the compiled SQL: the argument it takes (a number), or its fixed value. */
  parameters: Array<{ argument: number } | { value: unknown }>;
}

/**
 * A query of fixed shape for the hot paths, built and compiled once per database and then run
 * with new values: building and compiling a kysely query cost several times what running a
 * small one on SQLite does, on every request. `build` receives stand-ins for its arguments and
 * must only hand them to kysely as values (never inspect or transform them); every argument must
 * appear, and `build` declares each one (no rest or default parameters: its length counts them).
 * The result is the query's rows.
 */
export function prepared<A extends unknown[], R>(build: (db: Db, ...args: A) => Compilable<R>): (db: Db | Tx, ...args: A) => Promise<R[]> {
  // One compiled form per dialect adapter: a database and its transactions share one.
  const byAdapter = new WeakMap<object, Prepared>();

  const arity = build.length - 1;
  const prepare = (db: Db | Tx): Prepared => {
    const slots = Array.from({ length: arity }, (_, i) => new Slot(i));
    const compiled = build(db as Db, ...(slots as unknown as A)).compile();
    const parameters = compiled.parameters.map((p) => (p instanceof Slot ? { argument: p.index } : { value: p }));
    for (const slot of slots) {
      if (!compiled.parameters.includes(slot)) throw new Error(`prepared query: argument ${slot.index + 1} does not reach the SQL: ${compiled.sql}`);
    }
    return { compiled, parameters };
  };

  return async (db, ...args) => {
    if (args.length !== arity) throw new Error(`prepared query: ${arity} arguments expected, ${args.length} given`);
    const adapter = db.getExecutor().adapter;
    let query = byAdapter.get(adapter);
    if (!query) byAdapter.set(adapter, (query = prepare(db)));
    const { compiled } = query;
    const parameters = query.parameters.map((p) => ('argument' in p ? args[p.argument] : p.value));
    const result = await db.executeQuery<R>({ query: compiled.query, queryId: compiled.queryId, sql: compiled.sql, parameters });
    return result.rows;
  };
}

import type { Compilable, CompiledQuery } from 'kysely';
import type { Db, Tx } from './store.js';

/** Stands for an argument while a query is built; replaced by the value on every run. */
class Slot {
  constructor(readonly index: number) {}
}

/** A query compiled once, with the places its arguments take on every run. */
export interface SlottedQuery<R = unknown> {
  compiled: CompiledQuery<R>;
  /** For each parameter of the compiled SQL: the argument it takes (a number), or its fixed value. */
  parameters: Array<{ argument: number } | { value: unknown }>;
}

/**
 * Builds and compiles a query once: `compile` receives `slot(i)`, a stand-in for the i-th
 * argument of later runs, which it must only hand to kysely as a value (never inspect or
 * transform it).
 */
export function compileWithSlots<R>(compile: (slot: (index: number) => unknown) => CompiledQuery<R>): SlottedQuery<R> {
  const compiled = compile((index) => new Slot(index));
  return { compiled, parameters: compiled.parameters.map((p) => (p instanceof Slot ? { argument: p.index } : { value: p })) };
}

/** Runs a compiled query with this run's arguments; the result is its rows. */
export async function runWithSlots<R>(db: Db | Tx, query: SlottedQuery<R>, args: readonly unknown[]): Promise<R[]> {
  const { compiled } = query;
  const parameters = query.parameters.map((p) => ('argument' in p ? args[p.argument] : p.value));
  return (await db.executeQuery<R>({ query: compiled.query, queryId: compiled.queryId, sql: compiled.sql, parameters })).rows;
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
  const byAdapter = new WeakMap<object, SlottedQuery<R>>();

  const arity = build.length - 1;
  const prepare = (db: Db | Tx): SlottedQuery<R> => {
    const query = compileWithSlots((slot) => build(db as Db, ...(Array.from({ length: arity }, (_, i) => slot(i)) as A)).compile());
    for (let i = 0; i < arity; i++) {
      if (!query.parameters.some((p) => 'argument' in p && p.argument === i)) throw new Error(`prepared query: argument ${i + 1} does not reach the SQL: ${query.compiled.sql}`);
    }
    return query;
  };

  return async (db, ...args) => {
    if (args.length !== arity) throw new Error(`prepared query: ${arity} arguments expected, ${args.length} given`);
    const adapter = db.getExecutor().adapter;
    let query = byAdapter.get(adapter);
    if (!query) byAdapter.set(adapter, (query = prepare(db)));
    return runWithSlots(db, query, args);
  };
}

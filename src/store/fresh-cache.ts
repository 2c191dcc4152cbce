import type { Db, Tx } from './store.js';

/**
 * Rows read on every request that change rarely (applications by apiKey, API clients, entity
 * types) are kept for a moment instead of being read again.
 *
 * Several processes may share one PostgreSQL database, so an entry is trusted for at most
 * FRESH_MS: a change made by another process is seen within that time. A change made through
 * this process is seen at once: whoever commits one calls `cachedRowsChanged` after the commit,
 * which drops every entry of that database, and an entry whose read began before that call is
 * never stored (it may hold the state from before the change).
 */
export const FRESH_MS = 1000;

interface Entry<V> {
  value: V;
  at: number;
  generation: number;
}

export interface Ticket {
  generation: number;
  at: number;
}

interface Generation {
  value: number;
}

// Keyed by the database's dialect adapter: one object per database, shared by its transactions.
const generations = new WeakMap<object, Generation>();

function keyOf(db: Db | Tx): object {
  return db.getExecutor().adapter;
}

function generationOf(db: Db | Tx): Generation {
  const key = keyOf(db);
  let generation = generations.get(key);
  if (!generation) generations.set(key, (generation = { value: 0 }));
  return generation;
}

/** Drops every cached row of this database; call it once a change to cached rows has committed. */
export function cachedRowsChanged(db: Db | Tx): void {
  generationOf(db).value++;
}

/**
 * Now, and this database's change count: for callers that keep their own entries (the webhook
 * outbox) and judge them by the same rules.
 */
export function freshTicket(db: Db | Tx): Ticket {
  return { generation: generationOf(db).value, at: Date.now() };
}

export class FreshCache<V> {
  private readonly byDatabase = new WeakMap<object, Map<string, Entry<V>>>();

  constructor(private readonly limit = 10_000) {}

  /** The value stored under `key` if it is fresh. Transactions read the database itself. */
  get(db: Db | Tx, key: string): V | undefined {
    if (db.isTransaction) return undefined;
    const entry = this.byDatabase.get(keyOf(db))?.get(key);
    if (!entry) return undefined;
    if (entry.generation === generationOf(db).value && Date.now() - entry.at < FRESH_MS) return entry.value;
    return undefined;
  }

  /**
   * Taken before reading what will be stored: `set` refuses the value if a change came in
   * between, and the value's time runs from here.
   */
  ticket(db: Db | Tx): Ticket {
    return freshTicket(db);
  }

  set(db: Db | Tx, key: string, value: V, ticket: Ticket): void {
    if (db.isTransaction || ticket.generation !== generationOf(db).value) return;
    const dbKey = keyOf(db);
    let entries = this.byDatabase.get(dbKey);
    if (!entries) this.byDatabase.set(dbKey, (entries = new Map()));
    entries.delete(key);
    if (entries.size >= this.limit) entries.delete(entries.keys().next().value as string);
    entries.set(key, { value, at: ticket.at, generation: ticket.generation });
  }
}

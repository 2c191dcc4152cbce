import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import SQLite from 'better-sqlite3';
import pg from 'pg';
import { Kysely, PostgresDialect, SqliteDialect, sql, type Transaction } from 'kysely';
import { groupCommitWriter } from './group-commit.js';
import type { Database } from './schema.js';

export type Dialect = 'sqlite' | 'postgres';
export type Db = Kysely<Database>;
export type Tx = Transaction<Database>;

// PostgreSQL returns int8 as a string; every bigint we store (ids, epoch milliseconds) fits a double.
pg.types.setTypeParser(20, (v: string) => Number.parseInt(v, 10));

export interface Store {
  readonly db: Db;
  readonly dialect: Dialect;
  /**
   * Runs fn atomically and answers once it is durable: the one entry point for writes. On SQLite
   * concurrent writes share a commit (see group-commit.ts): never nest write() calls.
   */
  write<T>(fn: (tx: Tx) => Promise<T>): Promise<T>;
  /**
   * A write of exactly one statement, which is atomic by itself: on SQLite it joins the shared
   * commit like write() but without a savepoint of its own (SQLite undoes a failed statement);
   * on PostgreSQL it runs outside a transaction, one round trip where BEGIN and COMMIT around it
   * would make three. Nothing that can fail may follow the statement in `fn`.
   */
  writeStatement<T>(fn: (db: Db | Tx) => Promise<T>): Promise<T>;
  ping(): Promise<void>;
  close(): Promise<void>;
}

export interface StoreOptions {
  /** PostgreSQL pool size (default 10). */
  poolSize?: number;
}

export function parseDatabaseUrl(url: string): { dialect: 'sqlite'; path: string } | { dialect: 'postgres'; url: string } {
  if (url.startsWith('sqlite:')) {
    const path = url.slice('sqlite:'.length).replace(/^\/\/(?=\/)/, '');
    if (!path) throw new Error('DATABASE_URL sqlite: needs a file path, e.g. sqlite:./data/openrain.db');
    return { dialect: 'sqlite', path };
  }
  if (/^postgres(ql)?:\/\//.test(url)) return { dialect: 'postgres', url };
  throw new Error(`DATABASE_URL must start with sqlite: or postgres:// (got ${url.split(':')[0]}:)`);
}

export function openStore(databaseUrl: string, options: StoreOptions = {}): Store {
  const target = parseDatabaseUrl(databaseUrl);
  if (target.dialect === 'sqlite') {
    if (target.path !== ':memory:') mkdirSync(dirname(target.path), { recursive: true });
    const conn = new SQLite(target.path);
    conn.pragma('journal_mode = WAL');
    conn.pragma('synchronous = FULL');
    conn.pragma('foreign_keys = ON');
    conn.pragma('busy_timeout = 5000');
    const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: withStatementCache(conn) }) });
    return makeStore(db, 'sqlite');
  }
  const pool = new pg.Pool({ connectionString: target.url, max: options.poolSize ?? 10 });
  // An idle client that loses its server must not crash the process.
  pool.on('error', () => {});
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  return makeStore(db, 'postgres');
}

/**
 * kysely prepares every query anew; on SQLite preparing costs more than running a small query,
 * so prepared statements are kept per SQL text (least recently used ones dropped past a bound).
 * Reuse is safe: kysely runs one query at a time on the single connection.
 */
function withStatementCache(conn: SQLite.Database, capacity = 1000) {
  const cache = new Map<string, SQLite.Statement>();
  return {
    close: () => conn.close(),
    prepare(text: string) {
      let statement = cache.get(text);
      if (statement) {
        cache.delete(text);
      } else {
        statement = conn.prepare(text);
        if (cache.size >= capacity) cache.delete(cache.keys().next().value as string);
      }
      cache.set(text, statement);
      return statement;
    },
  };
}

function makeStore(db: Db, dialect: Dialect): Store {
  const writers: Pick<Store, 'write' | 'writeStatement'> = dialect === 'sqlite' ? groupCommitWriter(db) : { write: (fn) => db.transaction().execute(fn), writeStatement: (fn) => fn(db) };
  return {
    db,
    dialect,
    ...writers,
    async ping() {
      await sql`select 1`.execute(db);
    },
    close: () => db.destroy(),
  };
}

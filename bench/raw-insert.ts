/**
 * bulk_create's baseline: the same user rows inserted straight through the driver, durably,
 * one transaction per batch of 1000 (a prepared multi-row INSERT on SQLite, one multi-row INSERT
 * on PostgreSQL), into the server's own `entities` table with its indexes. Prints records/s.
 *
 *   node --import tsx bench/raw-insert.ts <DATABASE_URL> <appId> <seconds> <email prefix>
 */
import { randomUUID } from 'node:crypto';
import SQLite from 'better-sqlite3';
import pg from 'pg';
import { userRecord } from './user-records.js';

const [url, appId, secondsText, prefix] = process.argv.slice(2);
const seconds = Number(secondsText);
const BATCH = 1000;

function rows(start: number): unknown[][] {
  const now = Date.now() * 1000;
  return Array.from({ length: BATCH }, (_, k) => [randomUUID(), now, now, JSON.stringify(userRecord(prefix, start + k))]);
}

const TYPE_OF_APP = `select t.id from entity_types t join apps a on a.id = t.app_id where a.app_id = $1 and t.name = 'user'`;
const COLUMNS = 'insert into entities (type_id, uuid, created, last_updated, data) values ';

async function main(): Promise<number> {
  let inserted = 0;
  let elapsed = 0;
  if (url.startsWith('sqlite:')) {
    const db = new SQLite(url.slice('sqlite:'.length));
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = FULL');
    db.pragma('busy_timeout = 5000');
    const typeId = (db.prepare(TYPE_OF_APP.replace('$1', '?')).get(appId) as { id: number }).id;
    const insert = db.prepare(COLUMNS + Array.from({ length: BATCH }, () => `(${typeId},?,?,?,?)`).join(','));
    const write = db.transaction((batch: unknown[][]) => insert.run(batch.flat()));
    const started = performance.now();
    while ((elapsed = (performance.now() - started) / 1000) < seconds) {
      write(rows(inserted));
      inserted += BATCH;
    }
    db.close();
  } else {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    const typeId = (await client.query(TYPE_OF_APP, [appId])).rows[0].id as number;
    const text = COLUMNS + Array.from({ length: BATCH }, (_, i) => `(${typeId},$${4 * i + 1},$${4 * i + 2},$${4 * i + 3},$${4 * i + 4})`).join(',');
    const started = performance.now();
    while ((elapsed = (performance.now() - started) / 1000) < seconds) {
      await client.query('begin');
      await client.query({ name: 'raw_insert', text, values: rows(inserted).flat() });
      await client.query('commit');
      inserted += BATCH;
    }
    await client.end();
  }
  return inserted / elapsed;
}

process.stdout.write(`${(await main()).toFixed(1)}\n`);

/**
 * entity_page_export's baseline: the same pages read straight through the driver and serialized,
 * with nothing of the API in between. Each page is the server's own query (the 1000 rows of the
 * `user` type after an id, in id order, the type id inlined as the server inlines it), and the
 * rows become one JSON text with `data` as JSON, not as a string: parsed with JSON.parse on
 * SQLite, where the column holds text; already parsed by the driver on PostgreSQL (jsonb).
 * Cycles through the given page starts and prints records/s.
 *
 *   node --import tsx bench/raw-read.ts <DATABASE_URL> <appId> <seconds> <after,after,...>
 */
import SQLite from 'better-sqlite3';
import pg from 'pg';

const [url, appId, secondsText, aftersText] = process.argv.slice(2);
const seconds = Number(secondsText);
const afters = aftersText.split(',').map(Number);
const PAGE = 1000;

interface Row {
  id: number;
  uuid: string;
  created: number;
  last_updated: number;
  data: unknown;
}

const TYPE_OF_APP = `select t.id from entity_types t join apps a on a.id = t.app_id where a.app_id = $1 and t.name = 'user'`;
const page = (typeId: number, placeholder: (n: number) => string) =>
  `select "id", "uuid", "created", "last_updated", "data" from "entities" where "type_id" = ${typeId} and ("id" > ${placeholder(1)}) order by "id" asc limit ${placeholder(2)}`;

function serialize(rows: Row[]): string {
  return JSON.stringify({ result_count: rows.length, results: rows });
}

function checkPage(rows: Row[], after: number): void {
  if (rows.length !== PAGE) throw new Error(`the page after id ${after} has ${rows.length} records, not ${PAGE}`);
}

async function main(): Promise<number> {
  let read = 0;
  let bytes = 0;
  let elapsed = 0;
  if (url.startsWith('sqlite:')) {
    const db = new SQLite(url.slice('sqlite:'.length), { readonly: true });
    db.pragma('busy_timeout = 5000');
    const typeId = (db.prepare(TYPE_OF_APP.replace('$1', '?')).get(appId) as { id: number }).id;
    const statement = db.prepare(page(typeId, () => '?'));
    const started = performance.now();
    for (let k = 0; (elapsed = (performance.now() - started) / 1000) < seconds; k++) {
      const after = afters[k % afters.length];
      const rows = statement.all(after, PAGE) as Row[];
      checkPage(rows, after);
      for (const row of rows) row.data = JSON.parse(row.data as string);
      bytes += serialize(rows).length;
      read += rows.length;
    }
    db.close();
  } else {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    const typeId = (await client.query(TYPE_OF_APP, [appId])).rows[0].id as number;
    const text = page(typeId, (n) => `$${n}`);
    const started = performance.now();
    for (let k = 0; (elapsed = (performance.now() - started) / 1000) < seconds; k++) {
      const after = afters[k % afters.length];
      const rows = (await client.query<Row>({ name: 'raw_read', text, values: [after, PAGE] })).rows;
      checkPage(rows, after);
      bytes += serialize(rows).length;
      read += rows.length;
    }
    await client.end();
  }
  if (bytes === 0) throw new Error('nothing read');
  return read / elapsed;
}

process.stdout.write(`${(await main()).toFixed(1)}\n`);

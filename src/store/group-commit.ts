import { CompiledQuery } from 'kysely';
import type { Db, Tx } from './store.js';

// Built once: the same three statements run around every write of a shared batch.
const SAVEPOINT = CompiledQuery.raw('savepoint group_write');
const RELEASE = CompiledQuery.raw('release savepoint group_write');
const ROLLBACK_TO = CompiledQuery.raw('rollback to savepoint group_write');

/** Runs `fn` in a transaction and answers once its commit is durable. */
type Writer = <T>(fn: (tx: Tx) => Promise<T>) => Promise<T>;

interface Job {
  fn: (tx: Tx) => Promise<unknown>;
  /** One statement, which SQLite undoes by itself when it fails: it needs no savepoint. */
  statement: boolean;
  resolve: (value: unknown) => void;
  reject: (reason: unknown) => void;
}

/**
 * SQLite with synchronous=FULL pays one fsync per commit. Writes that arrive in the same
 * event-loop turn (or while a commit is in flight) share one transaction, each inside its own
 * savepoint so that one failing write rolls back alone (a one-statement write needs none: SQLite
 * undoes a failed statement by itself), and every caller is answered only after the shared
 * COMMIT is durable. Callers must not nest write() inside write() (it would wait on
 * itself) and should do slow non-database work (password hashing) before calling it. A write
 * runs in the async context of whichever call opened the batch, not its own: what it needs
 * must come in its closure (the acting client travels as an argument, not in an
 * AsyncLocalStorage, whose async hooks would tax every promise of the process).
 */
export function groupCommitWriter(db: Db): { write: Writer; writeStatement: Writer } {
  let queue: Job[] = [];
  let draining = false;

  async function drain(): Promise<void> {
    while (queue.length > 0) {
      const batch = queue;
      queue = [];
      if (batch.length === 1) {
        // Alone in its commit: its own transaction, without the cost of a savepoint.
        const [job] = batch;
        await db.transaction().execute(job.fn).then(job.resolve, job.reject);
        continue;
      }
      const outcomes: Array<{ ok: boolean; value: unknown }> = [];
      try {
        await db.transaction().execute(async (tx) => {
          for (const job of batch) {
            if (job.statement) {
              await job.fn(tx).then(
                (value) => outcomes.push({ ok: true, value }),
                (err) => outcomes.push({ ok: false, value: err }),
              );
              continue;
            }
            await tx.executeQuery(SAVEPOINT);
            try {
              const value = await job.fn(tx);
              await tx.executeQuery(RELEASE);
              outcomes.push({ ok: true, value });
            } catch (err) {
              await tx.executeQuery(ROLLBACK_TO);
              await tx.executeQuery(RELEASE);
              outcomes.push({ ok: false, value: err });
            }
          }
        });
      } catch (err) {
        // The shared commit failed: nothing in the batch is durable.
        for (const job of batch) job.reject(err);
        continue;
      }
      batch.forEach((job, i) => (outcomes[i].ok ? job.resolve(outcomes[i].value) : job.reject(outcomes[i].value)));
    }
    draining = false;
  }

  const enqueue =
    (statement: boolean): Writer =>
    <T>(fn: (tx: Tx) => Promise<T>) =>
      new Promise<T>((resolve, reject) => {
        queue.push({ fn, statement, resolve: resolve as (v: unknown) => void, reject });
        if (!draining) {
          draining = true;
          setImmediate(() => void drain());
        }
      });
  return { write: enqueue(false), writeStatement: enqueue(true) };
}

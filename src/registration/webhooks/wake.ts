/**
 * The delivery workers running in this process, so that a write that created events can wake
 * them at once instead of leaving the events to the next poll.
 */

/** PostgreSQL channel a transaction that created events notifies; delivered only if it commits. */
export const EVENTS_CHANNEL = 'openrain_webhook_events';

const workers = new Set<{ wake(): void }>();

export function registerWorker(worker: { wake(): void }): () => void {
  workers.add(worker);
  return () => workers.delete(worker);
}

let scheduled = false;

/**
 * Wakes this process's workers. On SQLite the events' transaction holds the one connection
 * until it commits or rolls back, so a worker woken now reads the outcome, never the
 * uncommitted rows.
 */
export function wakeLocalWorkers(): void {
  if (scheduled || workers.size === 0) return;
  scheduled = true;
  setImmediate(() => {
    scheduled = false;
    for (const worker of workers) worker.wake();
  });
}

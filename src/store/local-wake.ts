/**
 * Background workers of one kind running in this process (mail, webhooks), so that a write that
 * queued work can wake them at once instead of leaving it to the next poll. Other processes learn
 * of it through PostgreSQL NOTIFY; this covers the process that wrote (and SQLite, which has one).
 */
export interface LocalWake {
  register(worker: { wake(): void }): () => void;
  /**
   * Wakes the registered workers on the next turn. On SQLite the queuing transaction holds the one
   * connection until it commits or rolls back, so a worker woken now reads the outcome, never
   * uncommitted rows.
   */
  wake(): void;
}

export function createLocalWake(): LocalWake {
  const workers = new Set<{ wake(): void }>();
  let scheduled = false;
  return {
    register(worker) {
      workers.add(worker);
      return () => workers.delete(worker);
    },
    wake() {
      if (scheduled || workers.size === 0) return;
      scheduled = true;
      setImmediate(() => {
        scheduled = false;
        for (const worker of workers) worker.wake();
      });
    },
  };
}

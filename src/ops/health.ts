import type { Store } from '../store/store.js';

/** How long /readyz waits for the database before calling it unavailable. */
const PING_TIMEOUT_MS = 2000;

export type Reachability = { ok: true } | { ok: false; reason: string };

/** Whether the database answers a trivial query within the timeout, and if not, why. */
export async function databaseReachable(store: Store): Promise<Reachability> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<Reachability>((resolve) => {
    timer = setTimeout(() => resolve({ ok: false, reason: `no answer within ${PING_TIMEOUT_MS} ms` }), PING_TIMEOUT_MS);
  });
  try {
    return await Promise.race([store.ping().then((): Reachability => ({ ok: true })), timeout]);
  } catch (err) {
    return { ok: false, reason: err instanceof Error ? err.message : String(err) };
  } finally {
    clearTimeout(timer);
  }
}

import type { Store } from '../store/store.js';

/** How long /readyz waits for the database before calling it unavailable. */
const PING_TIMEOUT_MS = 2000;

/** True when the database answers a trivial query within the timeout. */
export async function databaseReachable(store: Store): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), PING_TIMEOUT_MS);
  });
  try {
    return await Promise.race([store.ping().then(() => true), timeout]);
  } catch {
    return false;
  } finally {
    clearTimeout(timer);
  }
}

import type { Logger } from 'pino';

/** How long in-flight requests get to finish before the process gives up waiting. */
export const SHUTDOWN_GRACE_MS = 25_000;

/**
 * On SIGTERM or SIGINT: stop accepting connections, let in-flight requests finish, close the
 * database, exit 0. A second signal, or a shutdown that outlasts the grace period, exits 1.
 */
export function exitGracefullyOnSignals(close: () => Promise<void>, log: Logger, graceMs = SHUTDOWN_GRACE_MS): void {
  let stopping = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (stopping) {
      log.warn({ signal }, 'second signal: exiting without waiting for in-flight requests');
      process.exit(1);
    }
    stopping = true;
    log.info({ signal }, 'shutting down: finishing in-flight requests');
    const timer = setTimeout(() => {
      log.error({ graceMs }, 'shutdown took too long: exiting with requests still in flight');
      process.exit(1);
    }, graceMs);
    timer.unref();
    close().then(
      () => {
        log.info('shut down cleanly');
        process.exit(0);
      },
      (err: unknown) => {
        log.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
}

import { createLocalWake } from '../../store/local-wake.js';

/** PostgreSQL channel a transaction that created events notifies; delivered only if it commits. */
export const EVENTS_CHANNEL = 'openrain_webhook_events';

const deliveryWorkers = createLocalWake();

/** The delivery workers running in this process, woken by writes that created events. */
export const registerWorker = deliveryWorkers.register;
export const wakeLocalWorkers = deliveryWorkers.wake;

import type { Logger } from 'pino';
import type { Config } from './config.js';
import type { Sealer } from './crypto/sealer.js';
import type { Store } from './store/store.js';

/** What every domain's routes and logic are given by the composition root. */
export interface Runtime {
  config: Config;
  store: Store;
  sealer: Sealer;
  log: Logger;
}

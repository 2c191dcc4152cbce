import { AsyncLocalStorage } from 'node:async_hooks';
import type { FastifyInstance } from 'fastify';

/**
 * The API client whose call is being served, for the captureClientId of the events its record
 * changes produce. The records write functions are called from many places (entity.*,
 * access/*, the oauth/*_native flows) that need not know about webhooks, so the client travels
 * with the request's async context: each request gets an empty holder, authorize() fills it in
 * once it knows the client, and the outbox reads it inside the write's transaction.
 */

interface Holder {
  clientId?: string;
}

const current = new AsyncLocalStorage<Holder>();

/** Gives every request its holder (before any handler runs). */
export function installActorScope(app: FastifyInstance): void {
  app.addHook('onRequest', (_request, _reply, done) => current.run({}, done));
}

/** Called by authorize() with the client whose permissions the call runs under. */
export function noteActingClient(clientId: string): void {
  const holder = current.getStore();
  if (holder) holder.clientId = clientId;
}

export function actingClientId(): string | undefined {
  return current.getStore()?.clientId;
}

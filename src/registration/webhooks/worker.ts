import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import pg from 'pg';
import type { Runtime } from '../../runtime.js';
import type { Tx } from '../../store/store.js';
import { createSender, type Outcome, type Sender } from './deliver.js';
import { eventClaims, signEvent, type Issuer, type RecordEvent } from './security-event.js';
import { signingKeyOf } from './signing-keys.js';
import type { EventKind } from './tables.js';
import { EVENTS_CHANNEL, registerWorker } from './wake.js';

/**
 * The delivery worker each server runs. It claims runs of events: the earliest open event of a
 * subscription (when due and nothing of that subscription is in flight) plus the pending events
 * behind it, marked `delivering` under this worker's lease; on PostgreSQL the claim locks with
 * FOR UPDATE SKIP LOCKED so that concurrent workers of other processes take other runs, on
 * SQLite the claim is one conditional update inside the single writer. A run is sent in order,
 * one event at a time, each outcome written with its attempt; a retryable failure puts the event
 * back with a backoff and releases the rest of the run, so a subscription's events never
 * overtake each other. A lease outlives a crashed process by at most `leaseMs`; a stopping
 * worker releases its leases at once.
 */

export interface WorkerSettings {
  allowPrivateCallbacks: boolean;
  giveUpMs: number;
  retryBaseMs: number;
  retryMaxMs: number;
  pollMs: number;
  retentionMs: number;
  timeoutMs: number;
  leaseMs: number;
  /** Most events one run takes. */
  runLength: number;
  /** Runs (subscriptions) delivered at the same time. */
  maxRuns: number;
}

export const DELIVERY_TIMEOUT_MS = 10_000;

interface Claimed {
  id: number;
  subscription_id: number;
  jti: string;
  change_id: string;
  kind: EventKind;
  entity_type: string;
  entity_uuid: string;
  attributes: string | null;
  client_id: string | null;
  occurred_at: number;
  attempts: number;
}

interface Delivered {
  row: Claimed;
  outcome: Outcome;
  attemptedAt: number;
}

/** Least time between two looks for work after one found nothing. */
const MIN_LOOK_GAP_MS = 20;

/** How long a run collects delivered events before recording them in one transaction. */
const RECORD_DELAY_MS = 20;

/** Delivered events waiting to be recorded together; writes happen in order, one at a time. */
class SuccessBatch {
  private items: Delivered[] = [];
  private timer?: NodeJS.Timeout;
  private writing: Promise<void> = Promise.resolve();

  constructor(
    private readonly write: (items: Delivered[]) => Promise<void>,
    private readonly delayMs: number,
  ) {}

  add(item: Delivered): void {
    this.items.push(item);
    this.timer ??= setTimeout(() => void this.flush(), this.delayMs);
  }

  /** Writes what is waiting; settles when everything added so far is written (or rejects with the first failure). */
  flush(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    const batch = this.items.splice(0);
    if (batch.length > 0) {
      this.writing = this.writing.then(() => this.write(batch));
      // Observed by the run's next flush; a timer's flush has no one waiting on it.
      this.writing.catch(() => {});
    }
    return this.writing;
  }
}

interface Run {
  appId: number;
  subscriptionId: number;
  callback: string;
  captureAppId: string;
  events: Claimed[];
}

/** Full jitter over an exponentially growing cap (`failures` counts this failure). */
export function retryDelay(failures: number, baseMs: number, maxMs: number, random = Math.random): number {
  const cap = Math.min(maxMs, baseMs * 2 ** Math.min(failures - 1, 40));
  return Math.floor(random() * cap);
}

const OPEN = sql.raw(`('pending', 'delivering')`);

export class DeliveryWorker {
  private readonly owner = randomUUID();
  private readonly sender: Sender;
  private readonly stop = new AbortController();
  private readonly active = new Set<Promise<void>>();
  private readonly issuerBase: { url: string; domain: string };
  private stopping = false;
  private woken = false;
  private resume?: () => void;
  private loopDone?: Promise<void>;
  private unregister?: () => void;
  private listener?: pg.Client;
  private timers: NodeJS.Timeout[] = [];
  /** Retries this worker scheduled, so that it wakes for them rather than at the next poll. */
  private retryTimes: number[] = [];

  constructor(
    private readonly runtime: Runtime,
    private readonly settings: WorkerSettings,
  ) {
    this.sender = createSender({ allowPrivate: settings.allowPrivateCallbacks, timeoutMs: settings.timeoutMs, userAgent: 'Openrain-Webhooks/1' });
    const publicUrl = new URL(runtime.config.publicUrl);
    this.issuerBase = { url: runtime.config.publicUrl, domain: publicUrl.host };
  }

  async start(): Promise<void> {
    // One process owns a SQLite file: claims left by an earlier run of it are void.
    if (this.runtime.store.dialect === 'sqlite') await this.release(sql`lease_owner is not null`);
    this.unregister = registerWorker(this);
    if (this.runtime.store.dialect === 'postgres') this.listen();
    this.timers.push(setInterval(() => void this.renewLeases(), Math.max(1000, Math.floor(this.settings.leaseMs / 3))));
    this.timers.push(setInterval(() => void this.prune(), 3_600_000));
    for (const t of this.timers) t.unref();
    void this.prune();
    this.loopDone = this.loop();
  }

  /** Something may be due: look now rather than at the next poll. */
  wake(): void {
    this.woken = true;
    const resume = this.resume;
    this.resume = undefined;
    resume?.();
  }

  async close(): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    this.unregister?.();
    for (const t of this.timers) clearInterval(t);
    this.stop.abort();
    this.wake();
    await this.loopDone;
    await Promise.allSettled([...this.active]);
    await this.release(sql`lease_owner = ${this.owner}`).catch((err: unknown) => this.runtime.log.warn({ err }, 'webhooks: could not release claims'));
    this.sender.close();
    await this.listener?.end().catch(() => {});
  }

  private async loop(): Promise<void> {
    let lastEmpty = 0;
    while (!this.stopping) {
      let claimed = 0;
      try {
        const free = this.settings.maxRuns - this.active.size;
        // Writes that create events wake the worker at their pace; when a look just found
        // nothing new to start, the next one waits a little, so a burst of writes costs a few looks.
        const gap = lastEmpty + MIN_LOOK_GAP_MS - Date.now();
        if (gap > 0) await new Promise((resolve) => setTimeout(resolve, gap));
        if (free > 0 && !this.stopping) {
          this.woken = false;
          const runs = await this.claim(free);
          claimed = runs.length;
          lastEmpty = claimed === 0 ? Date.now() : 0;
          for (const run of runs) this.spawn(run);
        }
      } catch (err) {
        if (this.stopping) break;
        this.runtime.log.error({ err }, 'webhooks: claiming events failed');
      }
      if (claimed === 0 || this.active.size >= this.settings.maxRuns) await this.idle();
    }
  }

  /** Until woken (a write created events, a run ended) or the next poll or scheduled retry. */
  private idle(): Promise<void> {
    if (this.woken || this.stopping) {
      this.woken = false;
      return Promise.resolve();
    }
    const now = Date.now();
    this.retryTimes = this.retryTimes.filter((t) => t > now);
    const wait = Math.max(0, Math.min(this.settings.pollMs, ...this.retryTimes.map((t) => t - now)));
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.resume = undefined;
        resolve();
      }, wait);
      this.resume = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }

  private spawn(run: Run): void {
    const done = this.deliverRun(run)
      .catch(async (err: unknown) => {
        this.runtime.log.error({ err, subscription: run.subscriptionId }, 'webhooks: a delivery run failed');
        // Back to pending, not at once: a run that fails for a reason of ours would otherwise be claimed again and again.
        const later = Date.now() + Math.max(this.settings.pollMs, 1000);
        this.retryTimes.push(later);
        await this.runtime.store
          .write((tx) =>
            tx
              .updateTable('webhook_events')
              .set({ status: 'pending', lease_owner: null, lease_expires: null, next_attempt_at: later })
              .where('id', 'in', run.events.map((e) => e.id))
              .where('lease_owner', '=', this.owner)
              .execute(),
          )
          .catch((releaseErr: unknown) => this.runtime.log.warn({ err: releaseErr }, 'webhooks: could not release a failed run'));
      })
      .finally(() => {
        this.active.delete(done);
        this.wake();
      });
    this.active.add(done);
  }

  /** Claims up to `free` runs; answers them with their events in order. */
  private async claim(free: number): Promise<Run[]> {
    const { store } = this.runtime;
    const now = Date.now();
    // A cheap read first, so that an idle worker does not open write transactions.
    const due = await sql<{ id: number }>`${this.heads()} select e.id from heads h join webhook_events e on e.id = h.id where ${this.headCondition(now)} limit 1`.execute(store.db);
    if (due.rows.length === 0) return [];
    const expires = now + this.settings.leaseMs;
    const lock = store.dialect === 'postgres' ? sql.raw(' for update of e skip locked') : sql.raw('');
    return store.write(async (tx) => {
      const heads = await sql<{ id: number; subscription_id: number }>`
        ${this.heads()}, chosen as (select e.id from heads h join webhook_events e on e.id = h.id where ${this.headCondition(now)} order by e.id limit ${free}${lock})
        update webhook_events set status = 'delivering', lease_owner = ${this.owner}, lease_expires = ${expires}
        where id in (select id from chosen)
        returning id, subscription_id`.execute(tx);
      if (heads.rows.length === 0) return [];
      const subscriptionIds = heads.rows.map((h) => Number(h.subscription_id));
      // The rest of each run: nothing else of these subscriptions can be claimed while their heads are in flight.
      await sql`
        with later as (
          select id from (
            select id, row_number() over (partition by subscription_id order by id) as n from webhook_events
            where subscription_id in (${sql.join(subscriptionIds)}) and (status = 'pending' or (status = 'delivering' and lease_expires <= ${now}))
          ) ranked where n < ${this.settings.runLength}
        )
        update webhook_events set status = 'delivering', lease_owner = ${this.owner}, lease_expires = ${expires}
        where id in (select id from later)`.execute(tx);
      return this.runsOf(tx, subscriptionIds);
    });
  }

  /**
   * The earliest open event of each enabled subscription: one probe of the open events' index
   * per subscription, however many events wait behind them.
   */
  private heads() {
    return sql`with heads as (select (select min(o.id) from webhook_events o where o.subscription_id = s.id and o.status in ${OPEN}) as id from webhook_subscriptions s where s.enabled = 1)`;
  }

  /**
   * Whether a subscription's earliest open event `e` may start a run: due (or its claim
   * lapsed), and nothing else of the subscription in flight.
   */
  private headCondition(now: number) {
    return sql`((e.status = 'pending' and e.next_attempt_at <= ${now}) or (e.status = 'delivering' and e.lease_expires <= ${now}))
      and not exists (select 1 from webhook_events p where p.subscription_id = e.subscription_id and p.status = 'delivering' and p.lease_expires > ${now} and p.id <> e.id)`;
  }

  private async runsOf(tx: Tx, subscriptionIds: number[]): Promise<Run[]> {
    const subscriptions = await tx.selectFrom('webhook_subscriptions').select(['id', 'app_id', 'callback', 'capture_app_id']).where('id', 'in', subscriptionIds).execute();
    const events = await tx
      .selectFrom('webhook_events')
      .select(['id', 'subscription_id', 'jti', 'change_id', 'kind', 'entity_type', 'entity_uuid', 'attributes', 'client_id', 'occurred_at', 'attempts'])
      .where('subscription_id', 'in', subscriptionIds)
      .where('status', '=', 'delivering')
      .where('lease_owner', '=', this.owner)
      .orderBy('id')
      .execute();
    return subscriptions.map((s) => ({
      appId: Number(s.app_id),
      subscriptionId: Number(s.id),
      callback: s.callback,
      captureAppId: s.capture_app_id,
      events: events.filter((e) => Number(e.subscription_id) === Number(s.id)).map((e) => ({ ...e, id: Number(e.id), subscription_id: Number(e.subscription_id), occurred_at: Number(e.occurred_at) })),
    }));
  }

  private async deliverRun(run: Run): Promise<void> {
    const key = await signingKeyOf(this.runtime, run.appId);
    const issuer: Issuer = { issuer: `${this.issuerBase.url}/webhooks/${run.captureAppId}`, captureDomain: this.issuerBase.domain, captureApplicationId: run.captureAppId };
    const sign = (row: Claimed) => {
      const event: RecordEvent = {
        jti: row.jti,
        changeId: row.change_id,
        kind: row.kind,
        entityType: row.entity_type,
        entityUuid: row.entity_uuid,
        attributes: row.attributes ? (JSON.parse(row.attributes) as string[]) : null,
        clientId: row.client_id,
        occurredAt: row.occurred_at,
      };
      const token = signEvent(key, eventClaims(event, issuer, run.callback));
      token.catch(() => {});
      return token;
    };
    // Successes are recorded in batches while the next events go out (see recordDelivered).
    const successes = new SuccessBatch((items) => this.recordDelivered(run.appId, items), RECORD_DELAY_MS);
    try {
      // The next token is signed while the current one is on its way.
      let next = run.events.length > 0 ? sign(run.events[0]) : undefined;
      for (let i = 0; i < run.events.length; i++) {
        if (this.stopping) return;
        const row = run.events[i];
        const token = await next!;
        next = i + 1 < run.events.length ? sign(run.events[i + 1]) : undefined;
        const attemptedAt = Date.now();
        const outcome = await this.sender.post(run.callback, token, this.stop.signal);
        if (outcome.aborted) return;
        if (outcome.ok) {
          successes.add({ row, outcome, attemptedAt });
          continue;
        }
        await successes.flush();
        if (await this.settle(run, row, outcome, attemptedAt, run.events.slice(i + 1))) return;
      }
    } finally {
      await successes.flush();
    }
  }

  /**
   * Records delivered events and their attempts, many per transaction: a run does not wait for
   * one event's commit before sending the next. Events whose record did not commit before a
   * crash are delivered again once their claim lapses (delivery is at least once; jti is stable).
   */
  private async recordDelivered(appId: number, items: Delivered[]): Promise<void> {
    const now = Date.now();
    await this.runtime.store.write(async (tx) => {
      const codes = new Map<number, Delivered[]>();
      for (const item of items) codes.set(item.outcome.statusCode ?? 200, [...(codes.get(item.outcome.statusCode ?? 200) ?? []), item]);
      const updated = new Set<number>();
      for (const [code, group] of codes) {
        const rows = await tx
          .updateTable('webhook_events')
          .set({ status: 'delivered', attempts: sql<number>`attempts + 1`, lease_owner: null, lease_expires: null, last_status_code: code, last_error: null, finished_at: now })
          .where('id', 'in', group.map((g) => g.row.id))
          .where('lease_owner', '=', this.owner)
          .returning('id')
          .execute();
        for (const r of rows) updated.add(Number(r.id));
      }
      const attempts = items
        .filter((i) => updated.has(i.row.id))
        .map((i) => ({ app_id: appId, event_id: i.row.id, attempted_at: i.attemptedAt, duration_ms: i.outcome.durationMs, status_code: i.outcome.statusCode ?? null, error: null }));
      if (attempts.length > 0) await tx.insertInto('webhook_attempts').values(attempts).execute();
    });
  }

  /** Writes an attempt and its consequence; answers whether the run must stop (a retry was scheduled). */
  private async settle(run: Run, row: Claimed, outcome: Outcome, attemptedAt: number, rest: Claimed[]): Promise<boolean> {
    const now = Date.now();
    const failures = row.attempts + 1;
    let status: 'delivered' | 'dead' | 'pending';
    let nextAttemptAt = row.occurred_at;
    if (outcome.ok) status = 'delivered';
    else if (!outcome.retryable) status = 'dead';
    else {
      const deadline = row.occurred_at + this.settings.giveUpMs;
      if (now >= deadline) status = 'dead';
      else {
        status = 'pending';
        nextAttemptAt = Math.min(deadline, now + retryDelay(failures, this.settings.retryBaseMs, this.settings.retryMaxMs));
      }
    }
    await this.runtime.store.write(async (tx) => {
      const updated = await tx
        .updateTable('webhook_events')
        .set({
          status,
          attempts: failures,
          next_attempt_at: nextAttemptAt,
          lease_owner: null,
          lease_expires: null,
          last_status_code: outcome.statusCode ?? null,
          last_error: outcome.error ?? null,
          finished_at: status === 'pending' ? null : now,
        })
        .where('id', '=', row.id)
        .where('lease_owner', '=', this.owner)
        .returning('id')
        .executeTakeFirst();
      // Gone with its subscription, or its claim lapsed and another worker has it: nothing to record here.
      if (!updated) return;
      await tx
        .insertInto('webhook_attempts')
        .values({ app_id: run.appId, event_id: row.id, attempted_at: attemptedAt, duration_ms: outcome.durationMs, status_code: outcome.statusCode ?? null, error: outcome.error ?? null })
        .execute();
      if (status === 'pending' && rest.length > 0) {
        await tx
          .updateTable('webhook_events')
          .set({ status: 'pending', lease_owner: null, lease_expires: null })
          .where('id', 'in', rest.map((r) => r.id))
          .where('lease_owner', '=', this.owner)
          .execute();
      }
    });
    if (status === 'pending') {
      this.retryTimes.push(nextAttemptAt);
      this.runtime.log.info({ subscription: run.subscriptionId, event: row.jti, error: outcome.error, retryAt: nextAttemptAt }, 'webhooks: delivery failed, will retry');
    } else if (status === 'dead') {
      this.runtime.log.warn({ subscription: run.subscriptionId, event: row.jti, error: outcome.error }, 'webhooks: delivery given up');
    }
    return status === 'pending';
  }

  private async release(condition: ReturnType<typeof sql>): Promise<void> {
    await this.runtime.store.write((tx) => sql`update webhook_events set status = 'pending', lease_owner = null, lease_expires = null where status = 'delivering' and ${condition}`.execute(tx));
  }

  private async renewLeases(): Promise<void> {
    if (this.stopping || this.active.size === 0) return;
    try {
      const expires = Date.now() + this.settings.leaseMs;
      await this.runtime.store.write((tx) => tx.updateTable('webhook_events').set({ lease_expires: expires }).where('status', '=', 'delivering').where('lease_owner', '=', this.owner).execute());
    } catch (err) {
      this.runtime.log.warn({ err }, 'webhooks: could not renew claims');
    }
  }

  /** Drops delivered and dead events (with their attempts) older than the retention. */
  private async prune(): Promise<void> {
    const before = Date.now() - this.settings.retentionMs;
    try {
      for (;;) {
        if (this.stopping) return;
        const result = await this.runtime.store.write((tx) =>
          sql`delete from webhook_events where id in (select id from webhook_events where status in ('delivered', 'dead') and finished_at < ${before} limit 1000)`.execute(tx),
        );
        if (Number(result.numAffectedRows ?? 0) < 1000) return;
      }
    } catch (err) {
      if (!this.stopping) this.runtime.log.warn({ err }, 'webhooks: pruning old events failed');
    }
  }

  /** PostgreSQL: events committed by any process wake this worker through LISTEN. */
  private listen(): void {
    if (this.stopping) return;
    const client = new pg.Client({ connectionString: this.runtime.config.databaseUrl });
    this.listener = client;
    let retried = false;
    const retry = () => {
      if (retried || this.stopping) return;
      retried = true;
      client.end().catch(() => {});
      const timer = setTimeout(() => this.listen(), 1000);
      timer.unref();
    };
    client.on('error', retry);
    client.on('end', retry);
    client.on('notification', () => this.wake());
    client
      .connect()
      .then(() => client.query(`listen ${EVENTS_CHANNEL}`))
      .then(() => this.wake())
      .catch(retry);
  }
}

export function workerSettings(runtime: Runtime): WorkerSettings {
  return { ...runtime.config.webhooks, allowPrivateCallbacks: runtime.config.webhooks.allowPrivateCallbacks, timeoutMs: DELIVERY_TIMEOUT_MS, leaseMs: 30_000, runLength: 100, maxRuns: 16 };
}

/** Starts the delivery worker of this server (main.ts stops it before the store closes). */
export async function startDeliveryWorker(runtime: Runtime, overrides: Partial<WorkerSettings> = {}): Promise<DeliveryWorker> {
  const worker = new DeliveryWorker(runtime, { ...workerSettings(runtime), ...overrides });
  await worker.start();
  return worker;
}

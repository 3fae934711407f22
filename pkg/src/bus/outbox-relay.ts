import { randomUUID } from 'node:crypto';
import client from 'prom-client';
import type { ServiceProbes } from '../health/index.ts';
import { EMPTY_CONTEXT, activeContext, type Context } from '../telemetry/index.ts';
import type { Logger } from '../log/index.ts';
import {
  EventValidationError,
  isEventSubject,
  type EventPayload,
  type EventSubject,
} from './events.ts';
import { createClearer } from './outbox-clearer.ts';
import { publishEvent } from './publish.ts';
import type { StreamPublish } from './stream-publisher.ts';

/*
 * The outbox relay, one for every store (outbox-store-postgres.ts, outbox-store-mongo.ts). Every
 * event is stored in the same write as the change it announces (one transaction, or outbox-first
 * where the store has none), so an applied change always leaves its event behind. Publishing takes
 * two paths:
 *  - the fast path: each write hands its event to this process's queue once the change is applied;
 *    the queue publishes in write order, pipelined in batches, and the stored copies of what was
 *    published are deleted together a moment later (each store command costs CPU). While NATS is
 *    down the queue keeps its order and retries with backoff.
 *  - the sweep: events another instance stored but never published (it stopped or crashed) are
 *    found by a periodic query, under the store's lock or lease so one instance sweeps at a time.
 *    Only events older than the grace period are swept, which leaves the live queues theirs; where
 *    the store writes the event before the change, `confirm` drops an event whose change never
 *    happened.
 * A copy published twice (a crash between ack and clear, a sweep overlapping a retry) is dropped by
 * JetStream's duplicate window, keyed on event_id.
 */

/** One stored event; `event_id` is its key in every store. */
export interface OutboxEvent<S extends EventSubject = EventSubject> {
  event_id: string;
  subject: S;
  payload: EventPayload<S>;
  created_at: Date;
}

/** Where a service's events wait for the relay. */
export interface OutboxStore {
  /** Up to `limit` stored events at least `minAgeMs` old, oldest first. */
  pending(minAgeMs: number, limit: number): Promise<OutboxEvent[]>;
  /** Deletes the stored copies of events published, or never to be published. */
  remove(eventIds: string[]): Promise<void>;
  /** How many events are stored and not yet published (the outbox depth, addenda L). */
  depth(): Promise<number>;
  /** Notes a failed publish on the stored copy, for whoever looks at a stuck outbox. */
  recordFailure(eventId: string, error: string): Promise<void>;
  /** Runs `sweep` while `holder` holds the store's sweep lock; undefined when another holds it. */
  withLease<T>(holder: string, ttlMs: number, sweep: () => Promise<T>): Promise<T | undefined>;
  releaseLease(holder: string): Promise<void>;
}

/** Whether each left-behind event's change really happened (outbox-first stores); false drops it. */
export type ConfirmEvents = (events: OutboxEvent[]) => Promise<boolean[]>;

export const OUTBOX_DEFAULTS = {
  /** How often stored events left by a stopped instance are looked for. */
  sweepIntervalMs: 5_000,
  /** A stored event younger than this still belongs to the queue of the instance that wrote it. */
  sweepGraceMs: 30_000,
  leaseTtlMs: 30_000,
  /** Longest wait between retries while NATS is unreachable. */
  maxBackoffMs: 10_000,
  publishTimeoutMs: 5_000,
  batchSize: 200,
  /** Past this many queued events the oldest are left to the sweep instead of held in memory. */
  maxQueued: 50_000,
  /** How long the ids of published events gather before their stored copies are deleted. */
  clearDelayMs: 200,
  /**
   * When the queue was empty, how long a new event waits for others before a round starts, so a
   * round (one write to NATS, one delivery to each consumer) carries more. 0: at once.
   */
  lingerMs: 0,
};

export type OutboxTuning = Partial<typeof OUTBOX_DEFAULTS>;

export interface OutboxRelaySettings extends OutboxTuning {
  store: OutboxStore;
  /** `createStreamPublisher(nc)`, or a JetStream client. */
  js: StreamPublish;
  log: Logger;
  confirm?: ConfirmEvents;
  /** The service's probes: `outbox_depth` is read from the store at each scrape. */
  probes?: ServiceProbes;
}

export interface OutboxRelay {
  start(): void;
  /** Queues the stored events of changes this process just applied (committed). */
  notify(...events: OutboxEvent[]): void;
  /** Publishes everything queued and stored; rejects if NATS refused an event. Resolves with the count. */
  flush(): Promise<number>;
  /** Finishes the batch in hand and stops; what is left waits for the next sweep. */
  stop(): Promise<void>;
}

interface BatchOutcome {
  /** Published or dropped as invalid: their stored copies can go. */
  done: string[];
  published: number;
  /** The first failure that is worth a retry. */
  error?: Error;
}

/** How long a scrape waits for the store's count before leaving the gauge out. */
const DEPTH_TIMEOUT_MS = 1_000;

/** `outbox_depth`: events stored and not yet published, counted at each scrape. */
function gaugeDepth(probes: ServiceProbes, store: OutboxStore): void {
  if (probes.metrics.getSingleMetric('outbox_depth')) return;
  new client.Gauge({
    name: 'outbox_depth',
    help: 'Events stored in the outbox and not yet published to JetStream',
    registers: [probes.metrics],
    async collect() {
      const depth = await Promise.race([
        store.depth(),
        new Promise<undefined>((done) =>
          setTimeout(() => done(undefined), DEPTH_TIMEOUT_MS).unref(),
        ),
      ]).catch(() => undefined);
      if (depth === undefined) this.reset();
      else this.set(depth);
    },
  });
}

export function createOutboxRelay(settings: OutboxRelaySettings): OutboxRelay {
  const { store, js, log, confirm } = settings;
  const tuning = { ...OUTBOX_DEFAULTS, ...definedOnly(settings) };
  if (settings.probes) gaugeDepth(settings.probes, store);
  const holder = randomUUID();
  /** The context each notified event was made in; swept leftovers have none. */
  const contexts = new WeakMap<OutboxEvent, Context>();
  const queue: OutboxEvent[] = [];
  const clearer = createClearer(store, log, tuning);
  let running = false;
  let draining: Promise<number> | undefined;
  /** Whether a scheduled round's outcome is awaited (it schedules the next one). */
  let watching = false;
  let retryTimer: NodeJS.Timeout | undefined;
  let lingerTimer: NodeJS.Timeout | undefined;
  let sweepTimer: NodeJS.Timeout | undefined;
  let failures = 0;
  let sweeping: Promise<number> = Promise.resolve(0);

  async function publishOne(event: OutboxEvent): Promise<void> {
    if (!isEventSubject(event.subject))
      throw new EventValidationError(String(event.subject), ['unknown subject']);
    await publishEvent(js, event.subject, event.payload, {
      timeoutMs: tuning.publishTimeoutMs,
      context: contexts.get(event) ?? EMPTY_CONTEXT,
    });
  }

  /** Publishes `batch` pipelined (one connection keeps their order at the server). */
  async function publishBatch(batch: OutboxEvent[]): Promise<BatchOutcome> {
    const results = await Promise.allSettled(batch.map(publishOne));
    // An event its schema refuses would be refused forever and hold up every later one: it is
    // logged and dropped (a bug to fix, not a state to wait out).
    const invalid = (r: PromiseSettledResult<unknown>) =>
      r.status === 'rejected' && r.reason instanceof EventValidationError;
    batch.forEach((event, i) => {
      const result = results[i];
      if (result.status === 'rejected' && invalid(result))
        log.error(
          { err: result.reason, event_id: event.event_id, subject: event.subject },
          'outbox relay dropped an event its schema refuses',
        );
    });
    const done = batch
      .filter((_, i) => results[i].status === 'fulfilled' || invalid(results[i]))
      .map((event) => event.event_id);
    const published = results.filter((r) => r.status === 'fulfilled').length;
    const failed = results.findIndex((r) => r.status === 'rejected' && !invalid(r));
    if (failed < 0) return { done, published };
    const reason: unknown = (results[failed] as PromiseRejectedResult).reason;
    const error = reason instanceof Error ? reason : new Error(String(reason));
    await store
      .recordFailure(batch[failed].event_id, error.message)
      .catch((cause: unknown) => log.warn({ err: cause }, 'outbox failure not recorded'));
    return { done, published, error };
  }

  /** Empties the queue in order; on failure leaves the rest queued and rethrows. */
  async function drainQueue(): Promise<number> {
    let published = 0;
    while (queue.length) {
      // On a failure the whole batch stays queued, the acknowledged part too: republishing it keeps
      // the order, and JetStream drops the copies.
      const batch = queue.slice(0, tuning.batchSize);
      const outcome = await publishBatch(batch);
      clearer.later(outcome.done);
      if (outcome.error) throw outcome.error;
      queue.splice(0, batch.length);
      published += outcome.published;
    }
    return published;
  }

  function drain(): Promise<number> {
    draining ??= drainQueue().finally(() => (draining = undefined));
    return draining;
  }

  /**
   * Starts a round unless a scheduled one is running or waiting out its backoff. A write that lands while a
   * round is in flight only queues its event: that round, or the next, publishes it. (Watching the
   * running round once per write counted its one failure once per write, so a burst of writes
   * during an outage jumped straight to the longest backoff, with a retry timer each.)
   */
  function scheduleDrain(): void {
    if (!running || retryTimer || watching || lingerTimer) return;
    // Nothing to linger for: the first event to come starts its own wait.
    if (queue.length === 0) return;
    if (tuning.lingerMs <= 0) return startRound();
    lingerTimer = setTimeout(() => {
      lingerTimer = undefined;
      startRound();
    }, tuning.lingerMs);
  }

  /** One round now; events queued meanwhile go in the next, at once (they have waited a round). */
  function startRound(): void {
    if (!running || retryTimer || watching) return;
    watching = true;
    drain().then(
      () => {
        watching = false;
        failures = 0;
        if (queue.length) startRound();
      },
      (error: unknown) => {
        watching = false;
        failures += 1;
        const delay = Math.min(100 * 2 ** failures, tuning.maxBackoffMs);
        log.warn(
          { err: error, failures, queued: queue.length, retry_in_ms: delay },
          'outbox relay failed; retrying',
        );
        retryTimer = setTimeout(() => {
          retryTimer = undefined;
          scheduleDrain();
        }, delay);
      },
    );
  }

  /** Drops (deletes) left-behind events whose change never happened; returns the others. */
  async function confirmed(left: OutboxEvent[]): Promise<OutboxEvent[]> {
    if (!confirm || !left.length) return left;
    const happened = await confirm(left);
    const unapplied = left.filter((_, i) => !happened[i]).map((event) => event.event_id);
    if (unapplied.length) {
      await store.remove(unapplied);
      log.info(
        { events: unapplied.length },
        'outbox relay dropped events of changes never applied',
      );
    }
    return left.filter((_, i) => happened[i]);
  }

  /** Publishes stored events at least `graceMs` old, oldest first, while holding the lease. */
  async function sweepBatches(graceMs: number): Promise<number> {
    let published = 0;
    for (;;) {
      const left = await store.pending(graceMs, tuning.batchSize);
      const live = await confirmed(left);
      const outcome = await publishBatch(live);
      // Deleted at once, under the lease: the next sweep must not find them again.
      if (outcome.done.length) await store.remove(outcome.done);
      if (outcome.error) throw outcome.error;
      published += outcome.published;
      if (left.length < tuning.batchSize) break;
    }
    if (published) log.info({ published }, 'outbox relay published events left unpublished');
    return published;
  }

  function sweep(graceMs = tuning.sweepGraceMs): Promise<number> {
    const once = async () =>
      (await store.withLease(holder, tuning.leaseTtlMs, () => sweepBatches(graceMs))) ?? 0;
    const next = sweeping.then(once, once);
    sweeping = next.catch(() => 0);
    return next;
  }

  function scheduleSweep(): void {
    if (!running) return;
    sweepTimer = setTimeout(() => {
      sweep().then(
        () => scheduleSweep(),
        (error: unknown) => {
          log.warn({ err: error }, 'outbox relay sweep failed; will retry');
          scheduleSweep();
        },
      );
    }, tuning.sweepIntervalMs);
  }

  return {
    start() {
      if (running) return;
      running = true;
      scheduleDrain();
      scheduleSweep();
    },
    notify(...events) {
      // The request that made them: their trace goes on through the stream (addenda L).
      const notifiedIn = activeContext();
      for (const event of events) contexts.set(event, notifiedIn);
      queue.push(...events);
      // Held in memory only up to a bound; the stored copies of what is let go wait for the sweep.
      if (queue.length > tuning.maxQueued) queue.splice(0, queue.length - tuning.maxQueued);
      scheduleDrain();
    },
    async flush() {
      const drained = await drain();
      await clearer.now();
      const swept = await sweep(0);
      await clearer.now();
      return drained + swept;
    },
    async stop() {
      running = false;
      clearTimeout(retryTimer);
      clearTimeout(lingerTimer);
      clearTimeout(sweepTimer);
      retryTimer = undefined;
      lingerTimer = undefined;
      await draining?.catch(() => 0);
      await sweeping;
      clearer.stop();
      await clearer.now();
      await store.releaseLease(holder).catch(() => {});
    },
  };
}

/** The settings a caller gave, without the keys it left undefined (they keep the defaults). */
function definedOnly(tuning: OutboxTuning): OutboxTuning {
  const keys = Object.keys(OUTBOX_DEFAULTS) as (keyof typeof OUTBOX_DEFAULTS)[];
  return Object.fromEntries(
    keys.filter((key) => tuning[key] !== undefined).map((key) => [key, tuning[key]]),
  );
}

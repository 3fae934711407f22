import { randomUUID } from 'node:crypto';
import {
  EventValidationError,
  publishEvent,
  type EventPayload,
  type JetStreamClient,
} from '@wa/pkg/bus';
import type { Logger } from '@wa/pkg/log';
import type { MessageDoc } from '../model/message.ts';
import type { EventRepository, OutboxEventDoc } from '../repository/event-repository.ts';
import type { MessageRepository } from '../repository/message-repository.ts';

/*
 * The outbox relay. Every event is stored in the outbox collection before the write it reports is
 * acknowledged (a message's `msg.new` just before the message itself: FerretDB has no
 * multi-document transactions), so an acknowledged write always leaves its event behind.
 * Publishing then takes two paths:
 *  - the fast path: each write hands its event to this process's queue, which publishes in write
 *    order, pipelined in batches. The stored copies of published events are deleted together a
 *    moment later (one call for many sends: each MongoDB command costs CPU). While NATS
 *    is down the queue keeps its order and retries with backoff, so a chat's events still leave in
 *    order once it is back.
 *  - the sweep: events another instance stored but never published (it stopped or crashed) are
 *    found by a periodic query, under a lease so one instance sweeps at a time. Only events older
 *    than the grace period are swept, which leaves the live queues theirs.
 * A copy published twice (a crash between ack and clear, or a sweep overlapping a retry) is dropped
 * by JetStream's duplicate window, keyed on event_id.
 */

export interface EventRelayDeps {
  messages: MessageRepository;
  events: EventRepository;
  js: JetStreamClient;
  log: Logger;
  /** How often stored events left by a stopped instance are looked for. */
  sweepIntervalMs?: number;
  maxBackoffMs?: number;
  publishTimeoutMs?: number;
  batchSize?: number;
  leaseTtlMs?: number;
  /** A stored event younger than this still belongs to the queue of the instance that wrote it. */
  sweepGraceMs?: number;
  /** Past this many queued events the oldest are left to the sweep instead of held in memory. */
  maxQueued?: number;
  /** How long the ids of published events gather before their stored copies are deleted. */
  clearDelayMs?: number;
}

export interface EventRelay {
  start(): void;
  /** Queues the stored event of a write this process just made. */
  notify(event: OutboxEventDoc): void;
  /** Publishes everything queued and swept; rejects if NATS refused an event. Resolves with the count. */
  flush(): Promise<number>;
  stop(): Promise<void>;
}

const LEASE = 'message-service-relay';

/** The `msg.new` of a stored message; `recipient_ids` are the keys of its status map. */
export function msgNewEvent(doc: MessageDoc): EventPayload<'msg.new'> {
  return {
    event_id: doc.event_id,
    timestamp: doc.created_at.toISOString(),
    message_id: doc.message_id,
    chat_id: doc.chat_id,
    sender_id: doc.sender_id,
    type: doc.type,
    payload: doc.payload,
    recipient_ids: Object.keys(doc.status),
  };
}

export function createEventRelay(deps: EventRelayDeps): EventRelay {
  const { messages, events, js, log } = deps;
  const sweepIntervalMs = deps.sweepIntervalMs ?? 5_000;
  const maxBackoffMs = deps.maxBackoffMs ?? 10_000;
  const batchSize = deps.batchSize ?? 200;
  const leaseTtlMs = deps.leaseTtlMs ?? 30_000;
  const graceMs = deps.sweepGraceMs ?? 30_000;
  const maxQueued = deps.maxQueued ?? 50_000;
  const timeoutMs = deps.publishTimeoutMs ?? 5_000;
  const clearDelayMs = deps.clearDelayMs ?? 200;
  const holder = randomUUID();

  const queue: OutboxEventDoc[] = [];
  let running = false;
  let draining: Promise<number> | undefined;
  let retryTimer: NodeJS.Timeout | undefined;
  let sweepTimer: NodeJS.Timeout | undefined;
  let failures = 0;
  let sweeping: Promise<number> = Promise.resolve(0);

  const publishOne = (event: OutboxEventDoc) =>
    publishEvent(js, event.subject, event.payload, { timeoutMs });

  /*
   * Published events' stored copies, deleted in bulk. Until then the sweep leaves them alone (they
   * are younger than its grace period); if this instance dies first, the sweep republishes them and
   * JetStream's duplicate window drops the copies.
   */
  const toClear: string[] = [];
  let clearTimer: NodeJS.Timeout | undefined;
  let clearing: Promise<void> = Promise.resolve();

  function clearNow(): Promise<void> {
    clearTimeout(clearTimer);
    clearTimer = undefined;
    if (!toClear.length) return clearing;
    const ids = toClear.splice(0);
    clearing = clearing.then(() =>
      events.remove(ids).catch((error: unknown) => {
        // Once stopped, nothing retries: the sweep republishes them and JetStream drops the copies.
        log.warn(
          { err: error, events: ids.length, retrying: running },
          'published events not cleared',
        );
        if (running) clearLater(ids);
      }),
    );
    return clearing;
  }

  function clearLater(ids: string[]): void {
    toClear.push(...ids);
    if (toClear.length >= batchSize) void clearNow();
    else clearTimer ??= setTimeout(() => void clearNow(), clearDelayMs);
  }

  /**
   * Publishes `batch` pipelined (one connection keeps their order at the server) and clears the
   * stored copies of those acknowledged. Returns how many of the batch, from its start, are done.
   */
  async function publishBatch(batch: OutboxEventDoc[]): Promise<number> {
    const results = await Promise.allSettled(batch.map(publishOne));
    // An event its schema refuses would be refused forever and hold up every later one: it is
    // logged and dropped (a bug to fix, not a state to wait out).
    const invalid = (r: PromiseSettledResult<unknown>) =>
      r.status === 'rejected' && r.reason instanceof EventValidationError;
    batch.forEach((event, i) => {
      if (invalid(results[i]))
        log.error(
          { err: (results[i] as PromiseRejectedResult).reason, event_id: event.event_id },
          'event relay dropped an event its schema refuses',
        );
    });
    const done = batch.filter((_, i) => results[i].status === 'fulfilled' || invalid(results[i]));
    if (done.length) clearLater(done.map((event) => event.event_id));
    const firstFailure = results.findIndex((r) => r.status === 'rejected' && !invalid(r));
    if (firstFailure >= 0) throw (results[firstFailure] as PromiseRejectedResult).reason;
    return batch.length;
  }

  /** Empties the queue in order; on failure leaves the rest queued and rethrows. */
  async function drainQueue(): Promise<number> {
    let published = 0;
    while (queue.length) {
      // On a failure the whole batch stays queued, the acknowledged part too: republishing it keeps
      // the order, and JetStream drops the copies.
      const batch = queue.slice(0, batchSize);
      published += await publishBatch(batch);
      queue.splice(0, batch.length);
    }
    return published;
  }

  function drain(): Promise<number> {
    draining ??= drainQueue().finally(() => (draining = undefined));
    return draining;
  }

  function scheduleDrain(): void {
    if (!running || retryTimer) return;
    drain().then(
      () => {
        failures = 0;
        if (queue.length) scheduleDrain();
      },
      (error: unknown) => {
        failures += 1;
        const delay = Math.min(100 * 2 ** failures, maxBackoffMs);
        log.warn(
          { err: error, failures, queued: queue.length, retry_in_ms: delay },
          'event relay failed; retrying',
        );
        retryTimer = setTimeout(() => {
          retryTimer = undefined;
          scheduleDrain();
        }, delay);
      },
    );
  }

  /**
   * A `msg.new` whose message is not stored (the instance stopped between the two inserts, or the
   * message was a duplicate) was never acknowledged: its entry is dropped, not published.
   */
  async function withoutOrphans(left: OutboxEventDoc[]): Promise<OutboxEventDoc[]> {
    const stored = await Promise.all(
      left.map(
        async (event) =>
          event.subject !== 'msg.new' ||
          (await messages.findById((event.payload as EventPayload<'msg.new'>).message_id)) !== null,
      ),
    );
    const orphans = left.filter((_, i) => !stored[i]).map((event) => event.event_id);
    if (orphans.length) await events.remove(orphans);
    return left.filter((_, i) => stored[i]);
  }

  /** Publishes stored events older than the grace period, oldest first, while holding the lease. */
  async function sweepOnce(graceFor: number): Promise<number> {
    if (!(await events.acquireLease(LEASE, holder, leaseTtlMs, new Date()))) return 0;
    const before = new Date(Date.now() - graceFor);
    let published = 0;
    for (;;) {
      const left = await events.pending(before, batchSize);
      const live = await withoutOrphans(left);
      if (live.length) published += await publishBatch(live);
      if (left.length < batchSize) break;
    }
    if (published) log.info({ published }, 'event relay published events left unpublished');
    return published;
  }

  function sweep(graceFor = graceMs): Promise<number> {
    const next = sweeping.then(
      () => sweepOnce(graceFor),
      () => sweepOnce(graceFor),
    );
    sweeping = next.catch(() => 0);
    return next;
  }

  function scheduleSweep(): void {
    if (!running) return;
    sweepTimer = setTimeout(() => {
      sweep().then(
        () => scheduleSweep(),
        (error: unknown) => {
          log.warn({ err: error }, 'event relay sweep failed; will retry');
          scheduleSweep();
        },
      );
    }, sweepIntervalMs);
  }

  return {
    start() {
      if (running) return;
      running = true;
      scheduleDrain();
      scheduleSweep();
    },
    notify(event) {
      queue.push(event);
      // Held in memory only up to a bound; the stored copies of what is let go wait for the sweep.
      if (queue.length > maxQueued) queue.splice(0, queue.length - maxQueued);
      scheduleDrain();
    },
    async flush() {
      const drained = await drain();
      await clearNow();
      const swept = await sweep(0);
      await clearNow();
      return drained + swept;
    },
    async stop() {
      running = false;
      clearTimeout(retryTimer);
      clearTimeout(sweepTimer);
      retryTimer = undefined;
      await draining?.catch(() => 0);
      await sweeping;
      await clearNow();
      await events.releaseLease(LEASE, holder).catch(() => {});
    },
  };
}

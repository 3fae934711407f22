import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from '@wa/pkg/log';
import type { DeviceTokens } from '../repository/device-tokens.ts';
import type { FcmClient, FcmMessage, SendOutcome } from '../repository/fcm-client.ts';
import type { PushMarks } from '../repository/push-marks.ts';
import type { PushMetrics } from './push-metrics.ts';

/** Addenda J: `android.priority` high and a day to live. */
const ANDROID = { priority: 'high', ttl: '86400s' } as const;
/** No wait between attempts is longer, whatever FCM's Retry-After says. */
const MAX_RETRY_DELAY_MS = 60_000;

export interface PushDeliverySettings {
  fcm: Pick<FcmClient, 'send'>;
  tokens: Pick<DeviceTokens, 'remove'>;
  marks: PushMarks;
  metrics: PushMetrics;
  log: Logger;
  maxAttempts: number;
  retryBaseMs: number;
  /** FCM requests in flight at once; waits between attempts hold no slot. */
  concurrency: number;
  random?: () => number;
}

/** One push to all of a user's devices. */
export interface Push {
  /** Names the push for idempotence: an event id, or a window's last message. */
  key: string;
  userId: string;
  tokens: readonly string[];
  data: Record<string, string>;
  chatType: string;
  /** Unix ms of what caused the push, for the latency metric. */
  eventAt: number;
}

/** Thrown when Some devices could not be pushed to yet for some device: the caller tries the push again later. */
export class PushIncomplete extends Error {
  constructor(cause: unknown) {
    super('Some devices could not be pushed to yet', { cause });
    this.name = 'PushIncomplete';
  }
}

/** A slot pool: at most `size` holders at once, the rest queued in order. */
function createSlots(size: number) {
  let free = size;
  const waiting: Array<() => void> = [];
  return async function withSlot<T>(work: () => Promise<T>): Promise<T> {
    if (free > 0) free--;
    else await new Promise<void>((resolve) => waiting.push(resolve));
    try {
      return await work();
    } finally {
      const next = waiting.shift();
      if (next) next();
      else free++;
    }
  };
}

/**
 * Sends pushes over FCM (addenda J): each device once (marks survive a redelivery), a dead token
 * deleted, 429 and 5xx retried with exponential backoff and equal jitter or FCM's Retry-After, up
 * to `maxAttempts`, then dead-lettered (logged and counted) so it never blocks what comes next.
 * A network failure leaves the device unsettled and rejects with PushIncomplete once every other
 * device has been tried.
 */
export function createPushDelivery(settings: PushDeliverySettings) {
  const { fcm, tokens, marks, metrics, log, maxAttempts, retryBaseMs } = settings;
  const random = settings.random ?? Math.random;
  const withSlot = createSlots(settings.concurrency);

  const backoffMs = (attempt: number, retryAfterMs: number | undefined) => {
    if (retryAfterMs !== undefined) return Math.min(retryAfterMs, MAX_RETRY_DELAY_MS);
    const ceiling = Math.min(retryBaseMs * 2 ** (attempt - 1), MAX_RETRY_DELAY_MS);
    return ceiling / 2 + random() * (ceiling / 2);
  };

  /** Tries one device until FCM settles it; rejects only when FCM cannot be reached. */
  async function toDevice(push: Push, token: string): Promise<void> {
    const message: FcmMessage = { token, data: push.data, android: ANDROID };
    for (let attempt = 1; ; attempt++) {
      const outcome: SendOutcome = await withSlot(() => fcm.send(message));
      switch (outcome.kind) {
        case 'sent':
          metrics.count('sent');
          metrics.accepted(push.chatType, push.eventAt);
          return;
        case 'stale-token':
          await tokens.remove(token);
          metrics.count('stale_token_removed');
          log.info({ user_id: push.userId, code: outcome.code }, 'stale device token removed');
          return;
        case 'rejected':
          metrics.count('rejected');
          log.warn(
            { user_id: push.userId, status: outcome.status, code: outcome.code },
            `push refused by FCM: ${outcome.message}`,
          );
          return;
        case 'retry':
          if (attempt >= maxAttempts) {
            metrics.count('dead_lettered');
            log.error(
              {
                user_id: push.userId,
                status: outcome.status,
                code: outcome.code,
                attempts: attempt,
              },
              'push dead-lettered after its last attempt',
            );
            return;
          }
          metrics.count('retried');
          await sleep(backoffMs(attempt, outcome.retryAfterMs));
      }
    }
  }

  return {
    async deliver(push: Push): Promise<void> {
      const done = await marks.settled(push.key, push.tokens);
      const pending = push.tokens.filter((token) => !done.has(token));
      if (done.size > 0) metrics.count('already_sent', done.size);
      const outcomes = await Promise.allSettled(
        pending.map(async (token) => {
          await toDevice(push, token);
          await marks.settle(push.key, token);
        }),
      );
      const failed = outcomes.find((outcome) => outcome.status === 'rejected');
      if (failed) throw new PushIncomplete(failed.reason);
    },
  };
}

export type PushDelivery = ReturnType<typeof createPushDelivery>;

import type { JsMsg } from '@nats-io/jetstream';

export interface AckBatch {
  /** Acks the message now (`delayMs` 0) or with the others of the next flush. */
  ack(message: JsMsg): void;
  /** Sends every ack still waiting (before the consumer stops). */
  flush(): void;
}

/**
 * Acks of handled events sent together every `delayMs` instead of one by one: NATS writes the
 * acks of one tick in one packet, so a busy consumer costs itself and the server one write and
 * one read per flush rather than per event. An ack is off the delivery path, and one lost with
 * the process only means a redelivery (handlers are idempotent, at-least-once).
 */
export function batchAcks(delayMs: number): AckBatch {
  let waiting: JsMsg[] = [];
  let timer: NodeJS.Timeout | undefined;
  const flush = () => {
    clearTimeout(timer);
    timer = undefined;
    const batch = waiting;
    waiting = [];
    for (const message of batch) {
      try {
        message.ack();
      } catch {
        // A closed connection: the event comes back after the ack wait, as with a lost ack.
      }
    }
  };
  return {
    ack(message) {
      if (delayMs <= 0) {
        message.ack();
        return;
      }
      waiting.push(message);
      timer ??= setTimeout(flush, delayMs);
    },
    flush,
  };
}

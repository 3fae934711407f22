import type { JsMsg } from '@nats-io/jetstream';
import type { Logger } from '../log/index.ts';

export interface InProgressMarks {
  /** From now until `release`, the message is marked in progress (for at most `atMostMs`). */
  hold(message: JsMsg): void;
  release(message: JsMsg): void;
  stop(): void;
}

/**
 * Keeps the ack wait of the messages a consumer is handling from running out while they are
 * handled, with one timer for all of them (never one per message): every `everyMs` each held
 * message is marked in progress, so a slow batch does not use up deliveries. After `atMostMs` a
 * message is left to run out, so a stuck handler's event goes back to the stream.
 */
export function markInProgress(everyMs: number, atMostMs: number, log: Logger): InProgressMarks {
  const held = new Map<JsMsg, number>();
  const timer = setInterval(() => {
    const now = Date.now();
    try {
      for (const [message, since] of held) if (now - since < atMostMs) message.working();
    } catch (error) {
      // A closed connection: the messages go back to the stream after the ack wait anyway.
      log.warn({ err: error }, 'events in hand not marked in progress');
    }
  }, everyMs);
  timer.unref();
  return {
    hold: (message) => void held.set(message, Date.now()),
    release: (message) => void held.delete(message),
    stop: () => clearInterval(timer),
  };
}

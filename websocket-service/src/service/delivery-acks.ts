import type { MessageRemote } from '../repository/message-remote.ts';

/** Ids the message-service takes in one UpdateMessageStatus (its MAX_STATUS_BATCH). */
export const MAX_IDS_PER_CALL = 500;

/** One `message.delivered` frame waiting for its call. */
export interface WaitingAck {
  ids: readonly string[];
  resolve: () => void;
  reject: (error: unknown) => void;
}

/**
 * The frames the next call carries: the oldest first, whole frames only, while their ids fit in
 * one call (a frame holds at most 500, so the first always fits), and its distinct ids.
 */
export function nextCall<T extends { ids: readonly string[] }>(
  waiting: readonly T[],
  maxIds = MAX_IDS_PER_CALL,
): { frames: T[]; ids: string[] } {
  const ids = new Set<string>();
  const frames: T[] = [];
  for (const frame of waiting) {
    const added = frame.ids.filter((id) => !ids.has(id));
    if (frames.length > 0 && ids.size + added.length > maxIds) break;
    for (const id of added) ids.add(id);
    frames.push(frame);
  }
  return { frames, ids: [...ids] };
}

export interface DeliveryAckDeps {
  messages: Pick<MessageRemote, 'delivered'>;
}

/**
 * `message.delivered` frames as UpdateMessageStatus calls, per user: a frame goes at once when
 * none of the user's calls is in flight; frames arriving meanwhile wait for it and then share
 * one call. So a lone ack is never delayed, and a burst of acks (a replayed backlog, acked one
 * frame per message) costs a call per round trip instead of one per frame. Each frame settles
 * with the call that carried its ids: `ack` when it succeeded, the same error as a call of its
 * own would have had when it failed (the client resends; acks are idempotent).
 */
export function createDeliveryAcks({ messages }: DeliveryAckDeps) {
  const waitingByUser = new Map<string, WaitingAck[]>();

  async function callWhileWaiting(userId: string, waiting: WaitingAck[]): Promise<void> {
    while (waiting.length > 0) {
      const { frames, ids } = nextCall(waiting);
      waiting.splice(0, frames.length);
      try {
        await messages.delivered(userId, ids);
        for (const frame of frames) frame.resolve();
      } catch (error) {
        for (const frame of frames) frame.reject(error);
      }
    }
    waitingByUser.delete(userId);
  }

  return {
    delivered(userId: string, ids: readonly string[]): Promise<void> {
      return new Promise((resolve, reject) => {
        const waiting = waitingByUser.get(userId);
        if (waiting) {
          waiting.push({ ids, resolve, reject });
          return;
        }
        const fresh: WaitingAck[] = [{ ids, resolve, reject }];
        waitingByUser.set(userId, fresh);
        void callWhileWaiting(userId, fresh);
      });
    },
  };
}

export type DeliveryAcks = ReturnType<typeof createDeliveryAcks>;

import { validationError } from '@wa/pkg/errors';
import type { DeliveryReceipt, MessageRemote } from '../repository/message-remote.ts';

/** Ids the message-service takes in one receipt (its MAX_STATUS_BATCH). */
export const MAX_IDS_PER_RECEIPT = 500;
/** Ids it takes in one UpdateMessageStatuses call, all receipts together (MAX_STATUSES_CALL). */
export const MAX_IDS_PER_CALL = 2_000;

/** One `message.delivered` frame waiting for its call. */
export interface WaitingAck {
  userId: string;
  ids: readonly string[];
  resolve: () => void;
  reject: (error: unknown) => void;
}

/**
 * The frames the next call carries and its receipts, one per user with their distinct ids: the
 * oldest frames first, whole frames only, while each user's ids fit in a receipt and all of them
 * in a call (a frame holds at most 500 ids, so the first always fits).
 */
export function nextCall<T extends { userId: string; ids: readonly string[] }>(
  waiting: readonly T[],
  limits = { perReceipt: MAX_IDS_PER_RECEIPT, perCall: MAX_IDS_PER_CALL },
): { frames: T[]; receipts: DeliveryReceipt[] } {
  const idsByUser = new Map<string, Set<string>>();
  const frames: T[] = [];
  let total = 0;
  for (const frame of waiting) {
    const ids = idsByUser.get(frame.userId) ?? new Set<string>();
    const added = frame.ids.filter((id) => !ids.has(id));
    const fits =
      ids.size + added.length <= limits.perReceipt && total + added.length <= limits.perCall;
    if (frames.length > 0 && !fits) break;
    for (const id of added) ids.add(id);
    idsByUser.set(frame.userId, ids);
    total += added.length;
    frames.push(frame);
  }
  const receipts = [...idsByUser].map(([userId, ids]) => ({ userId, messageIds: [...ids] }));
  return { frames, receipts };
}

export interface DeliveryAckDeps {
  messages: Pick<MessageRemote, 'deliveredMany'>;
}

/**
 * `message.delivered` frames of every socket of this instance as UpdateMessageStatuses calls:
 * a frame goes at once when no call is in flight; frames arriving meanwhile, from any user, wait
 * for it and then share one call (group commit). So a lone ack is never delayed, and acks that
 * arrive together — a group message acknowledged by its members, a replayed backlog acked one
 * frame per message — cost one call and one store write per round trip instead of one per
 * frame. Each frame settles with its receipt: `ack` when accepted, a validation error when the
 * message-service refused that receipt alone, the call's error when the call failed (the client
 * resends; acks are idempotent).
 */
export function createDeliveryAcks({ messages }: DeliveryAckDeps) {
  let waiting: WaitingAck[] = [];
  let calling = false;

  async function callWhileWaiting(): Promise<void> {
    calling = true;
    while (waiting.length > 0) {
      const { frames, receipts } = nextCall(waiting);
      waiting = waiting.slice(frames.length);
      try {
        const refused = await messages.deliveredMany(receipts);
        for (const frame of frames) {
          const reason = refused.get(frame.userId);
          if (reason === undefined) frame.resolve();
          else frame.reject(validationError(reason));
        }
      } catch (error) {
        for (const frame of frames) frame.reject(error);
      }
    }
    calling = false;
  }

  return {
    delivered(userId: string, ids: readonly string[]): Promise<void> {
      return new Promise((resolve, reject) => {
        waiting.push({ userId, ids, resolve, reject });
        if (!calling) void callWhileWaiting();
      });
    },
  };
}

export type DeliveryAcks = ReturnType<typeof createDeliveryAcks>;

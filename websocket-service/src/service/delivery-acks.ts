import { validationError } from '@wa/pkg/errors';
import { MESSAGE_CALL_LIMITS } from '@wa/pkg/grpc';
import type { DeliveryReceipt, MessageRemote } from '../repository/message-remote.ts';
import { createCallGroup } from './call-group.ts';

/** One `message.delivered` frame: its user and the ids it acknowledges. */
interface FrameAck {
  userId: string;
  ids: readonly string[];
}

/**
 * The frames the next call carries and its receipts, one per user with their distinct ids: the
 * oldest frames first, whole frames only, while each user's ids fit in a receipt and all of them
 * in a call (a frame holds at most 500 ids, so the first always fits).
 */
export function nextCall<T extends { userId: string; ids: readonly string[] }>(
  waiting: readonly T[],
  limits: { perReceipt: number; perCall: number } = {
    perReceipt: MESSAGE_CALL_LIMITS.idsPerReceipt,
    perCall: MESSAGE_CALL_LIMITS.idsPerCall,
  },
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
  /** How long a lone frame waits for others to share its call (call-group.ts). */
  lingerMs?: number;
}

/**
 * `message.delivered` frames of every socket of this instance as UpdateMessageStatuses calls,
 * grouped while a call is in flight (call-group.ts). Each frame settles with its receipt: `ack`
 * when accepted, a validation error when the message-service refused that receipt alone, the
 * call's error when the call failed.
 */
export function createDeliveryAcks({ messages, lingerMs }: DeliveryAckDeps) {
  const acknowledge = createCallGroup<FrameAck>({
    lingerMs,
    take: (waiting) => nextCall(waiting).frames.length,
    async call(frames) {
      const refused = await messages.deliveredMany(nextCall(frames).receipts);
      return frames.map((frame) => {
        const reason = refused.get(frame.userId);
        return reason === undefined ? undefined : validationError(reason);
      });
    },
  });
  return {
    delivered: (userId: string, ids: readonly string[]): Promise<void> =>
      acknowledge({ userId, ids }),
  };
}

export type DeliveryAcks = ReturnType<typeof createDeliveryAcks>;

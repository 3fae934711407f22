import { MESSAGE_CALL_LIMITS } from '@wa/pkg/grpc';
import type { ChatRead, DeliveryReceipt, MessageRemote } from '../repository/message-remote.ts';
import { createCallGroup } from './call-group.ts';

/** One receipt frame of some socket: `message.delivered` (its user and ids) or `message.read`. */
export type ReceiptFrame =
  { kind: 'delivered'; userId: string; ids: readonly string[] } | { kind: 'read'; read: ChatRead };

export interface ReceiptCallLimits {
  /** Ids in one user's receipt. */
  perReceipt: number;
  /** Ids in all the receipts of a call. */
  perCall: number;
  /** Reads in a call. */
  readsPerCall: number;
}

const CALL_LIMITS: ReceiptCallLimits = {
  perReceipt: MESSAGE_CALL_LIMITS.idsPerReceipt,
  perCall: MESSAGE_CALL_LIMITS.idsPerCall,
  readsPerCall: MESSAGE_CALL_LIMITS.readsPerCall,
};

/**
 * The frames the next call carries and what it sends: the oldest frames first, whole frames only,
 * while each user's ids fit in a receipt, all of them in the call and the reads too (a frame holds
 * at most 500 ids, so the first always fits). Acks go as one receipt per user with their distinct
 * ids; reads one by one, in order.
 */
export function nextCall(
  waiting: readonly ReceiptFrame[],
  limits: ReceiptCallLimits = CALL_LIMITS,
): { frames: ReceiptFrame[]; delivered: DeliveryReceipt[]; reads: ChatRead[] } {
  const idsByUser = new Map<string, Set<string>>();
  const frames: ReceiptFrame[] = [];
  const reads: ChatRead[] = [];
  let total = 0;
  for (const frame of waiting) {
    if (frame.kind === 'read') {
      if (frames.length > 0 && reads.length >= limits.readsPerCall) break;
      reads.push(frame.read);
      frames.push(frame);
      continue;
    }
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
  const delivered = [...idsByUser].map(([userId, ids]) => ({ userId, messageIds: [...ids] }));
  return { frames, delivered, reads };
}

export interface ReceiptCallDeps {
  messages: Pick<MessageRemote, 'updateReceipts'>;
  /** How long a lone frame waits for others to share its call (call-group.ts). */
  lingerMs?: number;
}

/**
 * `message.delivered` and `message.read` frames of every socket of this instance as
 * UpdateReceipts calls, grouped while a call is in flight (call-group.ts). In one call an open
 * chat's ack and read of the same message cost the sender one `read` event instead of a
 * `delivered` and a `read` (the message-service leaves the ack out). Each frame settles with its
 * receipt's or read's answer: ack when applied, its refusal, or the call's error when the call
 * failed.
 */
export function createReceiptCalls({ messages, lingerMs }: ReceiptCallDeps) {
  const receipt = createCallGroup<ReceiptFrame>({
    lingerMs,
    take: (waiting) => nextCall(waiting).frames.length,
    async call(frames) {
      const { delivered, reads } = nextCall(frames);
      const answer = await messages.updateReceipts(delivered, reads);
      const refusalOf = new Map(delivered.map((r, i) => [r.userId, answer.delivered[i]]));
      let read = 0;
      return frames.map((frame) =>
        frame.kind === 'read' ? answer.reads[read++] : refusalOf.get(frame.userId),
      );
    },
  });
  return {
    delivered: (userId: string, ids: readonly string[]): Promise<void> =>
      receipt({ kind: 'delivered', userId, ids }),
    read: (read: ChatRead): Promise<void> => receipt({ kind: 'read', read }),
  };
}

export type ReceiptCalls = ReturnType<typeof createReceiptCalls>;

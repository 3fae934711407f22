import type { DeliveryStatus, MessageDoc, RecipientStatus } from './message.ts';

/*
 * Pure rules of per-recipient delivery state (PRD §3.5, addenda E): sent → delivered → read,
 * never backwards; what a viewer is shown; the cursor format.
 */

const RANK: Record<DeliveryStatus, number> = { sent: 0, delivered: 1, read: 2 };

/** The statuses a recipient may move forward from to reach `target` (the update's filter). */
export function statusesBelow(target: DeliveryStatus): DeliveryStatus[] {
  return (Object.keys(RANK) as DeliveryStatus[]).filter((status) => RANK[status] < RANK[target]);
}

export const movesForward = (from: DeliveryStatus | undefined, to: DeliveryStatus): boolean =>
  from !== undefined && RANK[to] > RANK[from];

/** What the sender is told of one recipient: a read with receipts off counts as delivered. */
export function statusShownToSender(entry: RecipientStatus): DeliveryStatus {
  return entry.status === 'read' && entry.receipt_hidden ? 'delivered' : entry.status;
}

/**
 * Addenda E: on your own message, the lowest status across recipients; on another's, your own.
 * A member who joined after the message was sent has no entry and sees it as read.
 */
export function statusForViewer(
  message: Pick<MessageDoc, 'sender_id' | 'status'>,
  viewerId: string,
): DeliveryStatus {
  if (message.sender_id === viewerId) {
    const shown = Object.values(message.status).map(statusShownToSender);
    if (shown.length === 0) return 'sent';
    return shown.reduce((lowest, status) => (RANK[status] < RANK[lowest] ? status : lowest));
  }
  return message.status[viewerId]?.status ?? 'read';
}

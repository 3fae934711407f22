import type { EventPayload, OutboxEvent } from '@wa/pkg/bus';
import type { DeliveryStatus, MessageDoc } from './message.ts';
import { movesForward } from './status-rules.ts';

/** The message an event is about (every message event names one). */
export const messageIdOf = (event: OutboxEvent): string | undefined =>
  (event.payload as Partial<EventPayload<'msg.new'>>).message_id;

/**
 * Whether the change `event` announces is in `message`: it exists (msg.new), the recipient's
 * status reached at least the event's (a later receipt may have moved it further), it is deleted.
 * A recipient without an entry joined after the message and counts as having read it.
 */
export function changeApplied(event: OutboxEvent, message: MessageDoc | null): boolean {
  if (!message) return false;
  if (event.subject === 'msg.new') return true;
  if (event.subject === 'msg.deleted') return message.is_deleted;
  if (event.subject !== 'msg.status.updated') return false; // not a message event: never ours
  const { user_id: userId, status } = event.payload as EventPayload<'msg.status.updated'>;
  const reached: DeliveryStatus = message.status[userId]?.status ?? 'read';
  return !movesForward(reached, status);
}

import { notFound, validationError } from '@wa/pkg/errors';
import type { Logger } from '@wa/pkg/log';
import type { MessageKey } from '../model/message.ts';
import { LIMITS } from '../model/message.ts';
import type { OutboxRelay } from '@wa/pkg/bus';
import type { MessageStore, StatusChange } from '../repository/message-store.ts';
import type { UserRemote } from '../repository/user-remote.ts';
import { decodeCursor, encodeCursor } from './cursor.ts';
import type { Membership } from './membership.ts';
import type { KnownMessage, MessageRefs } from './message-refs.ts';
import { msgStatusEvent, statusChange } from './outbox-events.ts';

/** Whether a user sends read receipts (privacy setting `read_receipts`, addenda E). */
export type ReadReceiptsLookup = (userId: string) => Promise<boolean>;

/**
 * The reader's setting from user-service `GetReadReceipts`, asked at each read so a change applies
 * at once. Fails safe: when the user-service cannot answer (or does not know the user) the read is
 * hidden, since a read shown against the reader's wish cannot be taken back, while a hidden one
 * only leaves the sender at "delivered".
 */
export function readReceiptsFromUserService(
  users: Pick<UserRemote, 'readReceipts'>,
  log: Logger,
): ReadReceiptsLookup {
  return async (userId) => {
    try {
      return await users.readReceipts(userId);
    } catch (error) {
      log.warn({ err: error, user_id: userId }, 'read receipts setting unavailable, read hidden');
      return false;
    }
  };
}

export interface ReceiptServiceDeps {
  messages: MessageStore;
  /** Given each event whose change applied (the store recorded it with the change). */
  relay: Pick<OutboxRelay, 'notify'>;
  refs: Pick<MessageRefs, 'get'>;
  membership: Membership;
  readReceipts: ReadReceiptsLookup;
  now?: () => Date;
}

/** Delivery and read receipts, and the replay list of undelivered messages. */
export function createReceiptService(deps: ReceiptServiceDeps) {
  const { messages, refs, membership, relay, readReceipts, now = () => new Date() } = deps;

  return {
    /**
     * Moves `userId`'s status on each message forward to `status`; one `msg.status.updated` per
     * message that actually moved. Messages the user is not a recipient of are ignored.
     */
    async updateStatus(messageIds: string[], userId: string, status: 'delivered' | 'read') {
      const ids = [...new Set(messageIds)];
      const hidden = status === 'read' && !(await readReceipts(userId));
      const at = now();
      const known = await Promise.all(ids.map((id) => refs.get(id)));
      const changes: StatusChange[] = known
        .filter((message): message is KnownMessage => !!message?.recipients.has(userId))
        .map((message) => statusChange(message, userId, status, at, hidden));
      // One call for every message of the receipt: the store records each event with its change.
      const moved = await messages.advanceStatus(changes);
      const events = changes.filter((_, i) => moved[i]).map((change) => change.event);
      if (events.length) relay.notify(...events);
      return { updated: events.length };
    },

    /** Everything in the chat up to and including `upToMessageId` is read by `userId` (PRD §6.4). */
    async markRead(chatId: string, userId: string, upToMessageId: string) {
      await membership.requireMember(chatId, userId);
      const upTo = await messages.findById(upToMessageId);
      if (!upTo || upTo.chat_id !== chatId) throw notFound('Message not found in this chat');
      const hidden = !(await readReceipts(userId));
      const at = now();
      // One cumulative event: "read up to here" (the chat-service recounts unread from it), about
      // the newest message from someone else, recorded with the update.
      const anchor =
        upTo.sender_id === userId
          ? ((await messages.latestFromOthers(chatId, userId, upTo)) ?? upTo)
          : upTo;
      const event = msgStatusEvent(anchor, userId, 'read', at, hidden);
      const updated = await messages.markReadUpTo(chatId, userId, upTo, hidden, at, event);
      if (updated > 0) relay.notify(event);
      return { updated };
    },

    async listUndelivered(userId: string, after: string, limit: number) {
      if (!Number.isInteger(limit) || limit < 1 || limit > LIMITS.undeliveredMax)
        throw validationError(`limit must be 1-${LIMITS.undeliveredMax}`);
      const key: MessageKey | undefined = after ? decodeCursor(after, 'after') : undefined;
      const page = await messages.undelivered(userId, key, limit + 1);
      const more = page.length > limit;
      const items = more ? page.slice(0, limit) : page;
      const last = items.at(-1);
      return { messages: items, next: more && last ? encodeCursor(last) : '' };
    },
  };
}

export type ReceiptService = ReturnType<typeof createReceiptService>;

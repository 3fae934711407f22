import { forbidden, notFound, validationError } from '@wa/pkg/errors';
import { DELETED_BODY, LIMITS, type MessageDoc } from '../model/message.ts';
import type { OutboxRelay } from '@wa/pkg/bus';
import type { MessageStore } from '../repository/message-store.ts';
import { decodeCursor, encodeCursor } from './cursor.ts';
import type { Membership } from './membership.ts';
import { toApiMessage } from './message-views.ts';
import { msgDeletedEvent } from './outbox-events.ts';

export interface HistoryServiceDeps {
  messages: MessageStore;
  membership: Membership;
  /** Given the event of a deletion that applied (the store recorded it with the change). */
  relay: Pick<OutboxRelay, 'notify'>;
  now?: () => Date;
}

export interface PageQuery {
  cursor?: string;
  limit?: number;
}

const WORD = /[\p{L}\p{N}_]+/gu;

/** A page of one more than asked tells whether there is more. */
function page(docs: MessageDoc[], limit: number, viewerId: string) {
  const more = docs.length > limit;
  const items = more ? docs.slice(0, limit) : docs;
  const last = items.at(-1);
  return {
    messages: items.map((doc) => toApiMessage(doc, viewerId)),
    next_cursor: more && last ? encodeCursor(last) : null,
    has_more: more,
  };
}

/** Reading a chat (history, search, starred) and per-message actions (delete, star). */
export function createHistoryService(deps: HistoryServiceDeps) {
  const { messages, membership, relay, now = () => new Date() } = deps;

  /** The message when the user may see it; 404 otherwise, so non-members learn nothing. */
  async function visible(messageId: string, userId: string): Promise<MessageDoc> {
    const message = await messages.findById(messageId);
    if (
      !message ||
      message.deleted_for.includes(userId) ||
      !(await membership.isMember(message.chat_id, userId))
    )
      throw notFound('Message not found');
    return message;
  }

  return {
    async history(chatId: string, userId: string, query: PageQuery) {
      await membership.requireMember(chatId, userId);
      const limit = query.limit ?? LIMITS.historyDefault;
      const before = query.cursor ? decodeCursor(query.cursor) : undefined;
      return page(await messages.history(chatId, userId, before, limit + 1), limit, userId);
    },

    async search(chatId: string, userId: string, q: string, limit: number = LIMITS.searchDefault) {
      await membership.requireMember(chatId, userId);
      const terms = q.match(WORD) ?? [];
      if (terms.length === 0)
        throw validationError('q must contain at least one word', [
          { field: 'q', message: 'no words' },
        ]);
      const found = await messages.search(chatId, userId, terms, limit);
      return { messages: found.map((doc) => toApiMessage(doc, userId)) };
    },

    async starred(userId: string, query: PageQuery) {
      const limit = query.limit ?? LIMITS.historyDefault;
      const before = query.cursor ? decodeCursor(query.cursor) : undefined;
      return page(await messages.starred(userId, before, limit + 1), limit, userId);
    },

    /** Addenda E: for me hides it from the caller; for everyone (sender only) blanks it for all. */
    async delete(messageId: string, userId: string, forEveryone: boolean) {
      const message = await visible(messageId, userId);
      if (!forEveryone) {
        await messages.hideFor(message, userId);
        return { message_id: message.message_id, deleted_for: 'me' as const };
      }
      if (message.sender_id !== userId)
        throw forbidden('Only the sender can delete a message for everyone');
      if (message.type === 'system')
        throw forbidden('A group notice cannot be deleted for everyone');
      const at = now();
      const event = msgDeletedEvent(message, at);
      if (await messages.deleteForEveryone(message, { body: DELETED_BODY }, at, event))
        relay.notify(event);
      return { message_id: message.message_id, deleted_for: 'everyone' as const };
    },

    async star(messageId: string, userId: string, starred: boolean) {
      const message = await visible(messageId, userId);
      await messages.setStar(message, userId, starred);
      return { message_id: message.message_id, starred };
    },
  };
}

export type HistoryService = ReturnType<typeof createHistoryService>;

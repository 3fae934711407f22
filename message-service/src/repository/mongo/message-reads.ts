import type { Collection, Db, Filter } from '@wa/pkg/db';
import type { MessageDoc, MessageKey } from '../../model/message.ts';
import type { MessageReads } from '../message-store.ts';
import type { Capabilities } from './capabilities.ts';
import {
  DELIVERIES,
  MESSAGE_FIELDS,
  MESSAGES,
  STARS,
  type DeliveryDoc,
  type StarDoc,
  type StoredMessage,
} from './documents.ts';
import {
  everyTermFilter,
  NEWEST_FIRST,
  newerThan,
  OLDEST_FIRST,
  olderThan,
  textSearch,
} from './filters.ts';
import type { MessageLookups } from './message-lookups.ts';

/*
 * The store's reads. Lists find their page in one collection, in keyset order, then complete it
 * (message-lookups.ts). On FerretDB only the equality conditions reach PostgreSQL (its GIN twins,
 * scripts/infra/ferretdb-gin.sql); the keyset, the sort and the limit are applied by FerretDB to
 * what they select: a chat's messages, a user's stars, a user's owed deliveries.
 */

const KEY_ONLY = { projection: { _id: 0, message_id: 1, created_at: 1 } } as const;

export function createMessageReads(
  db: Db,
  lookups: MessageLookups,
  capabilities: Capabilities,
): MessageReads {
  const messages: Collection<StoredMessage> = db.collection<StoredMessage>(MESSAGES);
  const deliveries: Collection<DeliveryDoc> = db.collection<DeliveryDoc>(DELIVERIES);
  const stars: Collection<StarDoc> = db.collection<StarDoc>(STARS);

  const newestPage = (filter: Filter<StoredMessage>, limit: number) =>
    messages.find(filter, { ...MESSAGE_FIELDS, sort: NEWEST_FIRST, limit }).toArray();

  /**
   * Owed messages after `after`, oldest first. A delivery whose message is missing (its insert is
   * in flight, or never finished) is skipped, and the page filled from further on.
   */
  async function owedPage(userId: string, after: MessageKey | undefined, limit: number) {
    const page: StoredMessage[] = [];
    for (let key = after; page.length < limit;) {
      const want = limit - page.length;
      const owed = await deliveries
        .find(
          { user_id: userId, owed: true, ...newerThan<DeliveryDoc>(key) },
          { ...KEY_ONLY, sort: OLDEST_FIRST, limit: want },
        )
        .toArray();
      page.push(...(await lookups.messagesById(owed.map((entry) => entry.message_id))));
      if (owed.length < want) break;
      key = owed[owed.length - 1];
    }
    return page;
  }

  return {
    findById: (messageId) => lookups.one({ message_id: messageId }, messageId),

    findByClientId: (senderId, clientMsgId) =>
      lookups.one({ sender_id: senderId, client_msg_id: clientMsgId }),

    async history(chatId, viewerId, before, limit) {
      const page = await newestPage(
        { chat_id: chatId, deleted_for: { $ne: viewerId }, ...olderThan<StoredMessage>(before) },
        limit,
      );
      return lookups.complete(page, viewerId);
    },

    async search(chatId, viewerId, terms, limit) {
      if (!terms.length) return [];
      const filter: Filter<StoredMessage> = {
        chat_id: chatId,
        is_deleted: false,
        deleted_for: { $ne: viewerId },
        ...(everyTermFilter(terms) as Filter<StoredMessage>),
        ...(capabilities.textSearch ? { $text: textSearch(terms) } : {}),
      };
      return lookups.complete(await newestPage(filter, limit), viewerId);
    },

    async starred(userId, before, limit) {
      const marked = await stars
        .find(
          { user_id: userId, hidden: false, ...olderThan<StarDoc>(before) },
          { ...KEY_ONLY, sort: NEWEST_FIRST, limit },
        )
        .toArray();
      const page = await lookups.messagesById(marked.map((star) => star.message_id));
      return lookups.complete(page, userId);
    },

    async undelivered(userId, after, limit) {
      return lookups.complete(await owedPage(userId, after, limit), userId);
    },

    async latestFromOthers(chatId, userId, upTo): Promise<MessageDoc | null> {
      const [latest] = await newestPage(
        { chat_id: chatId, sender_id: { $ne: userId }, created_at: { $lte: upTo.created_at } },
        1,
      );
      return latest ? lookups.whole(latest) : null;
    },
  };
}

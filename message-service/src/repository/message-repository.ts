import type { Collection, Db, Filter } from '@wa/pkg/db';
import type { DeliveryStatus, MessageDoc, MessageKey, MessagePayload } from '../model/message.ts';
import { EVENT_OUTBOX, type OutboxEventDoc } from './event-repository.ts';
import { createWriteBatch, duplicateIndexes } from './write-batch.ts';

export const MESSAGES = 'messages';

/** Documents strictly before `key` in (created_at, message_id) descending order. */
const olderThan = (key: MessageKey): Filter<MessageDoc> => ({
  $or: [
    { created_at: { $lt: key.created_at } },
    { created_at: key.created_at, message_id: { $lt: key.message_id } },
  ],
});

const newerThan = (key: MessageKey): Filter<MessageDoc> => ({
  $or: [
    { created_at: { $gt: key.created_at } },
    { created_at: key.created_at, message_id: { $gt: key.message_id } },
  ],
});

const NEWEST_FIRST = { created_at: -1, message_id: -1 } as const;
const OLDEST_FIRST = { created_at: 1, message_id: 1 } as const;
const NO_ID = { projection: { _id: 0 } } as const;

/** Queries of the `messages` collection; plain documents in and out. */
export function createMessageRepository(db: Db) {
  const messages: Collection<MessageDoc> = db.collection<MessageDoc>(MESSAGES);
  const outbox = db.collection<OutboxEventDoc>(EVENT_OUTBOX);

  const insertBatch = createWriteBatch(
    async (items: { doc: MessageDoc; event: OutboxEventDoc }[]) => {
      await outbox.insertMany(
        items.map((item) => ({ ...item.event })),
        { ordered: false },
      );
      let duplicates = new Set<number>();
      try {
        await messages.insertMany(
          items.map((item) => ({ ...item.doc })),
          { ordered: false },
        );
      } catch (error) {
        duplicates = duplicateIndexes(error);
        await outbox.deleteMany({
          event_id: { $in: [...duplicates].map((i) => items[i].event.event_id) },
        });
      }
      return items.map((_, i): 'inserted' | 'duplicate' =>
        duplicates.has(i) ? 'duplicate' : 'inserted',
      );
    },
  );

  return {
    /**
     * Stores messages with their `msg.new` in the outbox: the outbox entry first, so a stored
     * message always has one (the sweep drops an entry whose message never got stored). Batched
     * with concurrent sends; 'duplicate' when (sender_id, client_msg_id) exists (unique index).
     */
    insert: (doc: MessageDoc, event: OutboxEventDoc): Promise<'inserted' | 'duplicate'> =>
      insertBatch({ doc, event }),

    findByClientId(senderId: string, clientMsgId: string): Promise<MessageDoc | null> {
      return messages.findOne({ sender_id: senderId, client_msg_id: clientMsgId }, NO_ID);
    },

    findById(messageId: string): Promise<MessageDoc | null> {
      return messages.findOne({ message_id: messageId }, NO_ID);
    },

    /** A chat's messages the viewer has not deleted for themselves, newest first. */
    history(chatId: string, viewerId: string, before: MessageKey | undefined, limit: number) {
      const filter: Filter<MessageDoc> = { chat_id: chatId, deleted_for: { $ne: viewerId } };
      return messages
        .find(before ? { ...filter, ...olderThan(before) } : filter, NO_ID)
        .sort(NEWEST_FIRST)
        .limit(limit)
        .toArray();
    },

    /** `$text` where the server has a text index, else whole-word, case-insensitive regexes. */
    search(
      chatId: string,
      viewerId: string,
      terms: string[],
      useTextIndex: boolean,
      limit: number,
    ) {
      const base: Filter<MessageDoc> = {
        chat_id: chatId,
        is_deleted: false,
        deleted_for: { $ne: viewerId },
      };
      const match: Filter<MessageDoc> = useTextIndex
        ? { $text: { $search: terms.join(' ') } }
        : {
            $or: terms.map((term) => ({
              'payload.body': { $regex: wholeWord(term), $options: 'i' },
            })),
          };
      return messages
        .find({ ...base, ...match }, NO_ID)
        .sort(NEWEST_FIRST)
        .limit(limit)
        .toArray();
    },

    starred(userId: string, before: MessageKey | undefined, limit: number) {
      const filter: Filter<MessageDoc> = { is_starred_by: userId, deleted_for: { $ne: userId } };
      return messages
        .find(before ? { ...filter, ...olderThan(before) } : filter, NO_ID)
        .sort(NEWEST_FIRST)
        .limit(limit)
        .toArray();
    },

    /** Messages addressed to `userId` that no device of theirs acknowledged, oldest first. */
    undelivered(userId: string, after: MessageKey | undefined, limit: number) {
      const filter: Filter<MessageDoc> = { undelivered_to: userId };
      return messages
        .find(after ? { ...filter, ...newerThan(after) } : filter, NO_ID)
        .sort(OLDEST_FIRST)
        .limit(limit)
        .toArray();
    },

    /**
     * Moves one recipient's status forward; the filter names only lower statuses, so concurrent
     * updates can never move it back. Resolves true when it moved.
     */
    async advanceStatus(
      messageId: string,
      userId: string,
      target: DeliveryStatus,
      from: DeliveryStatus[],
      at: Date,
    ): Promise<boolean> {
      const result = await messages.updateOne(
        { message_id: messageId, [`status.${userId}.status`]: { $in: from } },
        {
          $set: { [`status.${userId}`]: { status: target, updated_at: at } },
          $pull: { undelivered_to: userId },
        },
      );
      return result.modifiedCount === 1;
    },

    /** Marks every message of the chat up to `upTo` from others read by `userId`, in one update. */
    async markReadUpTo(
      chatId: string,
      userId: string,
      upTo: MessageKey,
      receiptHidden: boolean,
      at: Date,
    ): Promise<number> {
      const result = await messages.updateMany(
        {
          chat_id: chatId,
          created_at: { $lte: upTo.created_at },
          [`status.${userId}.status`]: { $in: ['sent', 'delivered'] },
        },
        {
          $set: {
            [`status.${userId}`]: receiptHidden
              ? { status: 'read', updated_at: at, receipt_hidden: true }
              : { status: 'read', updated_at: at },
          },
          $pull: { undelivered_to: userId },
        },
      );
      return result.modifiedCount;
    },

    /** The newest message from someone else at or before `upTo` (a read receipt's anchor). */
    latestFromOthers(chatId: string, userId: string, upTo: MessageKey) {
      return messages.findOne(
        { chat_id: chatId, sender_id: { $ne: userId }, created_at: { $lte: upTo.created_at } },
        { ...NO_ID, sort: NEWEST_FIRST },
      );
    },

    async hideFor(messageId: string, userId: string): Promise<void> {
      await messages.updateOne({ message_id: messageId }, { $addToSet: { deleted_for: userId } });
    },

    /** Deletes for everyone; false when it already was. */
    async deleteForEveryone(
      messageId: string,
      payload: MessagePayload,
      at: Date,
    ): Promise<boolean> {
      const result = await messages.updateOne(
        { message_id: messageId, is_deleted: false },
        { $set: { is_deleted: true, payload, updated_at: at } },
      );
      return result.modifiedCount === 1;
    },

    async setStar(messageId: string, userId: string, starred: boolean): Promise<void> {
      await messages.updateOne(
        { message_id: messageId },
        starred ? { $addToSet: { is_starred_by: userId } } : { $pull: { is_starred_by: userId } },
      );
    },
  };
}

export type MessageRepository = ReturnType<typeof createMessageRepository>;

const NOT_WORD = '[^\\p{L}\\p{N}_]';

/**
 * A regex matching `term` as a whole word, also next to non-ASCII letters (`\b` is ASCII-only
 * in RE2 and PCRE); the term is escaped, never interpreted.
 */
export function wholeWord(term: string): string {
  const escaped = term.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return `(^|${NOT_WORD})${escaped}($|${NOT_WORD})`;
}

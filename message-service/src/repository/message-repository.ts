import type { MongoOutboxStore, OutboxEvent } from '@wa/pkg/bus';
import {
  createPerKeyQueue,
  createWriteBatch,
  type Collection,
  type Db,
  type Filter,
} from '@wa/pkg/db';
import type { WorkTracker } from '@wa/pkg/health';
import type { DeliveryStatus, MessageDoc, MessageKey, MessagePayload } from '../model/message.ts';
import { duplicateIndexes } from './duplicate-keys.ts';

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

/** The message an update is about; the chat id picks its write queue. */
export type MessageRef = Pick<MessageDoc, 'message_id' | 'chat_id'>;

/** A message's `msg.new`, stored with it. */
export type MsgNewEntry = OutboxEvent<'msg.new'>;

/**
 * Queries of the `messages` collection; plain documents in and out. `outbox` is the service's
 * outbox store, which the `msg.new` of each inserted message enters first.
 */
export function createMessageRepository(
  db: Db,
  outbox: Pick<MongoOutboxStore, 'insertMany' | 'remove'>,
  progress?: WorkTracker,
) {
  const messages: Collection<MessageDoc> = db.collection<MessageDoc>(MESSAGES);
  /*
   * MongoDB applies each update to a document atomically, so the status filters below cannot be
   * raced. FerretDB v1 (the tests' store) reads a document and writes it back whole, so two
   * concurrent updates of one message can undo each other (a `read` overwritten by a stale
   * `delivered`, a deletion undone by a star). Updates of one chat's messages therefore run one at
   * a time in this process; other chats are not held up.
   */
  const chatWrites = createPerKeyQueue();

  const insertBatch = createWriteBatch(
    async (items: { doc: MessageDoc; event: MsgNewEntry }[]) => {
      await outbox.insertMany(items.map((item) => item.event));
      let duplicates = new Set<number>();
      try {
        await messages.insertMany(
          items.map((item) => ({ ...item.doc })),
          { ordered: false },
        );
      } catch (error) {
        duplicates = duplicateIndexes(error);
        // A batch that failed is written again item by item: a message it already stored is this
        // item's own (its message_id is new for every send), not a resend of the client's.
        const stored = await messages
          .find(
            { message_id: { $in: [...duplicates].map((i) => items[i].doc.message_id) } },
            { projection: { _id: 0, message_id: 1 } },
          )
          .toArray();
        const own = new Set(stored.map((doc) => doc.message_id));
        for (const i of duplicates) if (own.has(items[i].doc.message_id)) duplicates.delete(i);
        await outbox.remove([...duplicates].map((i) => items[i].event.event_id));
      }
      return items.map((_, i): 'inserted' | 'duplicate' =>
        duplicates.has(i) ? 'duplicate' : 'inserted',
      );
    },
    { progress },
  );

  return {
    /**
     * Stores messages with their `msg.new` in the outbox: the outbox entry first, so a stored
     * message always has one (the sweep drops an entry whose message never got stored). Batched
     * with concurrent sends; 'duplicate' when (sender_id, client_msg_id) exists (unique index).
     */
    insert: (doc: MessageDoc, event: MsgNewEntry): Promise<'inserted' | 'duplicate'> =>
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
     * updates can never move it back. Resolves true when it moved. Either way the recipient, who
     * named this message, has it: it is no longer owed (a message already read up to, then
     * replayed and acknowledged, would otherwise be replayed on every connect).
     */
    async advanceStatus(
      message: MessageRef,
      userId: string,
      target: DeliveryStatus,
      from: DeliveryStatus[],
      at: Date,
    ): Promise<boolean> {
      return chatWrites(message.chat_id, async () => {
        const result = await messages.updateOne(
          { message_id: message.message_id, [`status.${userId}.status`]: { $in: from } },
          {
            $set: { [`status.${userId}`]: { status: target, updated_at: at } },
            $pull: { undelivered_to: userId },
          },
        );
        if (result.modifiedCount === 1) return true;
        await messages.updateOne(
          { message_id: message.message_id, undelivered_to: userId },
          { $pull: { undelivered_to: userId } },
        );
        return false;
      });
    },

    /**
     * Marks every message of the chat up to `upTo` from others read by `userId`, in one update.
     * Only `upTo` itself is known to be on the reader's device: an earlier one it never received
     * (its socket dropped) stays owed, and is replayed until a delivery acknowledges it.
     */
    async markReadUpTo(
      chatId: string,
      userId: string,
      upTo: MessageKey & { message_id: string },
      receiptHidden: boolean,
      at: Date,
    ): Promise<number> {
      return chatWrites(chatId, async () => {
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
          },
        );
        await messages.updateOne(
          { message_id: upTo.message_id, undelivered_to: userId },
          { $pull: { undelivered_to: userId } },
        );
        return result.modifiedCount;
      });
    },

    /** The newest message from someone else at or before `upTo` (a read receipt's anchor). */
    latestFromOthers(chatId: string, userId: string, upTo: MessageKey) {
      return messages.findOne(
        { chat_id: chatId, sender_id: { $ne: userId }, created_at: { $lte: upTo.created_at } },
        { ...NO_ID, sort: NEWEST_FIRST },
      );
    },

    async hideFor(message: MessageRef, userId: string): Promise<void> {
      await chatWrites(message.chat_id, () =>
        messages.updateOne(
          { message_id: message.message_id },
          { $addToSet: { deleted_for: userId } },
        ),
      );
    },

    /** Deletes for everyone; false when it already was. */
    async deleteForEveryone(
      message: MessageRef,
      payload: MessagePayload,
      at: Date,
    ): Promise<boolean> {
      const result = await chatWrites(message.chat_id, () =>
        messages.updateOne(
          { message_id: message.message_id, is_deleted: false },
          { $set: { is_deleted: true, payload, updated_at: at } },
        ),
      );
      return result.modifiedCount === 1;
    },

    async setStar(message: MessageRef, userId: string, starred: boolean): Promise<void> {
      await chatWrites(message.chat_id, () =>
        messages.updateOne(
          { message_id: message.message_id },
          starred ? { $addToSet: { is_starred_by: userId } } : { $pull: { is_starred_by: userId } },
        ),
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

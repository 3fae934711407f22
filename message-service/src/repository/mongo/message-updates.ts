import type { MongoOutboxStore } from '@wa/pkg/bus';
import { isDuplicateKeyError, type Db } from '@wa/pkg/db';
import type { MessageStore } from '../message-store.ts';
import { MESSAGES, STARS, type StarDoc, type StoredMessage } from './documents.ts';
import { messageKey, type EventRemoval, type WriteOrder } from './write-order.ts';

/*
 * Updates of a message and of its stars, one message at a time (write-order.ts). A user's star
 * carries whether they deleted the message for themselves, so their starred list needs no look
 * at the message to leave it out.
 */

export function createMessageUpdates(
  db: Db,
  outbox: Pick<MongoOutboxStore, 'enqueue'>,
  removeEvents: EventRemoval,
  holding: WriteOrder,
): Pick<MessageStore, 'hideFor' | 'deleteForEveryone' | 'setStar'> {
  const messages = db.collection<StoredMessage>(MESSAGES);
  const stars = db.collection<StarDoc>(STARS);

  async function star(messageId: string, userId: string): Promise<void> {
    const message = await messages.findOne(
      { message_id: messageId },
      { projection: { _id: 0, chat_id: 1, created_at: 1, deleted_for: 1 } },
    );
    if (!message) return;
    try {
      await stars.updateMany(
        { message_id: messageId, user_id: userId },
        {
          $setOnInsert: { chat_id: message.chat_id, created_at: message.created_at },
          $set: { hidden: message.deleted_for.includes(userId) },
        },
        { upsert: true },
      );
    } catch (error) {
      // Another instance starred it for the same user at the same moment: starred either way.
      if (!isDuplicateKeyError(error)) throw error;
    }
  }

  return {
    hideFor(message, userId) {
      return holding([messageKey(message.message_id)], async () => {
        await Promise.all([
          messages.updateMany(
            { message_id: message.message_id },
            { $addToSet: { deleted_for: userId } },
          ),
          stars.updateMany(
            { message_id: message.message_id, user_id: userId, hidden: false },
            { $set: { hidden: true } },
          ),
        ]);
      });
    },

    deleteForEveryone(message, payload, at, event) {
      return holding([messageKey(message.message_id)], async () => {
        await outbox.enqueue(event);
        const { modifiedCount } = await messages.updateMany(
          { message_id: message.message_id, is_deleted: false },
          { $set: { is_deleted: true, payload, updated_at: at } },
        );
        if (!modifiedCount) await removeEvents([event.event_id]);
        return modifiedCount === 1;
      });
    },

    setStar(message, userId, starred) {
      return holding([messageKey(message.message_id)], async () => {
        if (starred) await star(message.message_id, userId);
        else await stars.deleteMany({ message_id: message.message_id, user_id: userId });
      });
    },
  };
}

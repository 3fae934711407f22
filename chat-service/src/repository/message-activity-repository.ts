import type { Queryable } from '@wa/pkg/db';

export interface NewMessage {
  messageId: string;
  chatId: string;
  senderId: string;
  type: string;
  preview: string;
  createdAt: Date;
  recipientIds: readonly string[];
}

/**
 * What message events change in PostgreSQL: `chat_message_log` (one row per message), the chat's
 * last message, and each member's unread count and list position. Every statement is safe to
 * repeat and to receive out of order.
 */
export function createMessageActivityRepository() {
  return {
    /**
     * Logs the message, makes it the chat's last message if it is newer than the current one
     * (time, then id), counts it unread for each recipient who has not already read past it and
     * moves the chat up in every member's list: one statement, so one round trip and atomic.
     * False, changing nothing, when it was logged before (a redelivery) or the chat is not ours.
     */
    async record(db: Queryable, message: NewMessage): Promise<boolean> {
      const { rows } = await db.query<{ applied: boolean }>(
        `WITH logged AS (
           INSERT INTO chat_message_log (message_id, chat_id, sender_id, created_at)
           SELECT $1, $2, $3, $4 WHERE EXISTS (SELECT 1 FROM chats WHERE id = $2)
           ON CONFLICT (message_id) DO NOTHING
           RETURNING 1),
         last_message AS (
           UPDATE chats SET last_message_id = $1, last_message_sender_id = $3,
             last_message_type = $5, last_message_preview = $6, last_message_at = $4
           WHERE id = $2 AND EXISTS (SELECT 1 FROM logged)
             AND (last_message_at IS NULL OR (last_message_at, last_message_id) < ($4, $1::uuid))),
         counted AS (
           UPDATE chat_participants SET
             unread_count = unread_count + CASE
               WHEN user_id = ANY($7::uuid[]) AND user_id <> $3
                    AND (last_read_at IS NULL OR last_read_at < $4) THEN 1 ELSE 0 END,
             last_activity_at = GREATEST(last_activity_at, $4)
           WHERE chat_id = $2 AND EXISTS (SELECT 1 FROM logged))
         SELECT EXISTS (SELECT 1 FROM logged) AS applied`,
        [
          message.messageId,
          message.chatId,
          message.senderId,
          message.createdAt,
          message.type,
          message.preview,
          message.recipientIds,
        ],
      );
      return rows[0].applied;
    },

    /**
     * A cumulative read up to `readUpTo`: the reader's unread count becomes the number of logged
     * messages from others after it. An older or repeated read changes nothing.
     */
    async markRead(
      db: Queryable,
      chatId: string,
      userId: string,
      readUpTo: Date,
    ): Promise<boolean> {
      const { rowCount } = await db.query(
        `UPDATE chat_participants p SET
           last_read_at = $3,
           unread_count = (
             SELECT count(*) FROM chat_message_log l
             WHERE l.chat_id = p.chat_id AND l.created_at > $3 AND l.sender_id <> p.user_id
           )
         WHERE p.chat_id = $1 AND p.user_id = $2 AND (p.last_read_at IS NULL OR p.last_read_at < $3)`,
        [chatId, userId, readUpTo],
      );
      return (rowCount ?? 0) > 0;
    },

    /**
     * Deletes up to `limit` log rows no unread count can need again: older than every member's
     * read watermark (a later read only counts rows after its own, newer watermark) and older
     * than `before`, so a late redelivery of their msg.new is still recognised. A member who never
     * read keeps the chat's whole log.
     */
    async prune(db: Queryable, before: Date, limit: number): Promise<number> {
      const { rowCount } = await db.query(
        `DELETE FROM chat_message_log WHERE message_id IN (
           SELECT l.message_id
           FROM chat_message_log l
           JOIN (
             SELECT chat_id, min(COALESCE(last_read_at, '-infinity')) AS read_by_all
             FROM chat_participants GROUP BY chat_id
           ) r ON r.chat_id = l.chat_id
           WHERE l.created_at <= r.read_by_all AND l.created_at < $1
           LIMIT $2
         )`,
        [before, limit],
      );
      return rowCount ?? 0;
    },

    /** A message deleted for everyone no longer shows its text as the chat's preview. */
    async blankPreview(db: Queryable, chatId: string, messageId: string, preview: string) {
      await db.query(
        'UPDATE chats SET last_message_preview = $3 WHERE id = $1 AND last_message_id = $2',
        [chatId, messageId, preview],
      );
    },
  };
}

export type MessageActivityRepository = ReturnType<typeof createMessageActivityRepository>;

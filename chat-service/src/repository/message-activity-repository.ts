import { pgArray, type Queryable } from '@wa/pkg/db';

export interface NewMessage {
  messageId: string;
  chatId: string;
  senderId: string;
  type: string;
  preview: string;
  createdAt: Date;
  recipientIds: readonly string[];
}

/** A member's cumulative read: everything in the chat up to `readUpTo` is read. */
export interface ChatRead {
  chatId: string;
  userId: string;
  readUpTo: Date;
}

/** Names a reader in the set `markRead` resolves with. */
export const readKey = (read: Pick<ChatRead, 'chatId' | 'userId'>): string =>
  `${read.chatId} ${read.userId}`;

/**
 * What message events change in PostgreSQL: `chat_message_log` (one row per message), the chat's
 * last message, and each member's unread count and list position. Every statement is safe to
 * repeat and to receive out of order.
 */
export function createMessageActivityRepository() {
  return {
    /**
     * Records new messages in one statement (one round trip and one commit, atomic): logs each,
     * makes the newest of each chat its last message if newer than the current one (time, then
     * id), counts each unread for its recipients who have not already read past it, and moves the
     * chat up in every member's list. Resolves with the ids it logged; a message logged before (a
     * redelivery) or of a chat that is not ours changes nothing.
     */
    async record(db: Queryable, batch: readonly NewMessage[]): Promise<Set<string>> {
      const recipients = batch.flatMap((m) => m.recipientIds.map((id) => [m.messageId, id]));
      // Named: prepared once per connection, where an unnamed statement is parsed and planned
      // on every batch.
      const { rows } = await db.query<{ message_id: string }>({
        name: 'chat_activity_record',
        text: `WITH input AS (
           SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::uuid[], $4::timestamptz[],
                                $5::text[], $6::text[])
             AS t(message_id, chat_id, sender_id, created_at, type, preview)),
         logged AS (
           INSERT INTO chat_message_log (message_id, chat_id, sender_id, created_at)
           SELECT i.message_id, i.chat_id, i.sender_id, i.created_at FROM input i
           WHERE EXISTS (SELECT 1 FROM chats WHERE id = i.chat_id)
           ON CONFLICT (message_id) DO NOTHING
           RETURNING message_id, chat_id, sender_id, created_at),
         newest AS (
           SELECT DISTINCT ON (l.chat_id) l.chat_id, l.message_id, l.sender_id, l.created_at,
                  i.type, i.preview
           FROM logged l JOIN input i USING (message_id)
           ORDER BY l.chat_id, l.created_at DESC, l.message_id DESC),
         last_message AS (
           UPDATE chats c SET last_message_id = n.message_id, last_message_sender_id = n.sender_id,
             last_message_type = n.type, last_message_preview = n.preview,
             last_message_at = n.created_at
           FROM newest n
           WHERE c.id = n.chat_id
             AND (c.last_message_at IS NULL
                  OR (c.last_message_at, c.last_message_id) < (n.created_at, n.message_id))),
         recipient AS (
           SELECT DISTINCT * FROM unnest($7::uuid[], $8::uuid[]) AS r(message_id, user_id)),
         counted AS (
           UPDATE chat_participants p SET
             unread_count = p.unread_count + (
               SELECT count(*) FROM logged l JOIN recipient r USING (message_id)
               WHERE l.chat_id = p.chat_id AND r.user_id = p.user_id AND p.user_id <> l.sender_id
                 AND (p.last_read_at IS NULL OR p.last_read_at < l.created_at)),
             last_activity_at = GREATEST(p.last_activity_at,
               (SELECT max(l.created_at) FROM logged l WHERE l.chat_id = p.chat_id))
           WHERE p.chat_id IN (SELECT chat_id FROM logged))
         SELECT message_id FROM logged`,
        values: [
          batch.map((m) => m.messageId),
          batch.map((m) => m.chatId),
          batch.map((m) => m.senderId),
          batch.map((m) => m.createdAt.toISOString()),
          batch.map((m) => m.type),
          batch.map((m) => m.preview),
          recipients.map(([messageId]) => messageId),
          recipients.map(([, userId]) => userId),
        ].map(pgArray),
      });
      return new Set(rows.map((row) => row.message_id));
    },

    /**
     * Cumulative reads, in one statement: each reader's unread count becomes the number of logged
     * messages from others after their newest read in the batch. An older or repeated read changes
     * nothing. Resolves with the `readKey`s of the readers whose watermark moved.
     */
    async markRead(db: Queryable, reads: readonly ChatRead[]): Promise<Set<string>> {
      const { rows } = await db.query<{ chat_id: string; user_id: string }>({
        name: 'chat_activity_mark_read',
        text: `WITH input AS (
           SELECT chat_id, user_id, max(read_up_to) AS read_up_to
           FROM unnest($1::uuid[], $2::uuid[], $3::timestamptz[]) AS t(chat_id, user_id, read_up_to)
           GROUP BY chat_id, user_id)
         UPDATE chat_participants p SET
           last_read_at = i.read_up_to,
           unread_count = (
             SELECT count(*) FROM chat_message_log l
             WHERE l.chat_id = p.chat_id AND l.created_at > i.read_up_to AND l.sender_id <> p.user_id
           )
         FROM input i
         WHERE p.chat_id = i.chat_id AND p.user_id = i.user_id
           AND (p.last_read_at IS NULL OR p.last_read_at < i.read_up_to)
         RETURNING p.chat_id, p.user_id`,
        values: [
          reads.map((r) => r.chatId),
          reads.map((r) => r.userId),
          reads.map((r) => r.readUpTo.toISOString()),
        ].map(pgArray),
      });
      return new Set(rows.map((row) => readKey({ chatId: row.chat_id, userId: row.user_id })));
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

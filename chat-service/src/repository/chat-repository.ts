import type { Queryable } from '@wa/pkg/db';
import type { ChatRow } from '../model/chat.ts';
import type { GroupSettings } from '../service/chat-rules.ts';

const CHAT_COLUMNS = `
  c.id, c.type, g.name, g.description, g.avatar_url, COALESCE(g.is_admin_only, FALSE) AS is_admin_only,
  g.created_by, c.direct_user_low, c.direct_user_high, c.last_message_id, c.last_message_sender_id,
  c.last_message_type, c.last_message_preview, c.last_message_at, c.created_at,
  GREATEST(c.updated_at, g.updated_at) AS updated_at`;

export interface NewGroup {
  name: string;
  description: string;
  avatarUrl: string;
  createdBy: string;
}

/** `chats` and `groups` (a group's metadata row shares the chat's id). */
export function createChatRepository() {
  return {
    /**
     * Inserts the direct chat of a pair, or nothing when the pair already has one: the unique
     * index decides, so two simultaneous requests cannot both insert.
     */
    async insertDirect(db: Queryable, userA: string, userB: string): Promise<string | undefined> {
      const { rows } = await db.query<{ id: string }>(
        `INSERT INTO chats (type, direct_user_low, direct_user_high)
         VALUES ('direct', LEAST($1::uuid, $2::uuid), GREATEST($1::uuid, $2::uuid))
         ON CONFLICT (direct_user_low, direct_user_high) WHERE type = 'direct' DO NOTHING
         RETURNING id`,
        [userA, userB],
      );
      return rows[0]?.id;
    },

    async findDirect(db: Queryable, userA: string, userB: string): Promise<string | undefined> {
      const { rows } = await db.query<{ id: string }>(
        `SELECT id FROM chats
         WHERE type = 'direct'
           AND direct_user_low = LEAST($1::uuid, $2::uuid)
           AND direct_user_high = GREATEST($1::uuid, $2::uuid)`,
        [userA, userB],
      );
      return rows[0]?.id;
    },

    async insertGroup(db: Queryable, group: NewGroup): Promise<string> {
      const { rows } = await db.query<{ id: string }>(
        "INSERT INTO chats (type) VALUES ('group') RETURNING id",
      );
      const id = rows[0].id;
      await db.query(
        `INSERT INTO groups (chat_id, name, description, avatar_url, created_by)
         VALUES ($1, $2, $3, $4, $5)`,
        [id, group.name, group.description, group.avatarUrl, group.createdBy],
      );
      return id;
    },

    /** `lock` takes the chat's row lock: membership changes of one chat happen one at a time. */
    async find(db: Queryable, chatId: string, lock = false): Promise<ChatRow | undefined> {
      const { rows } = await db.query<ChatRow>(
        `SELECT ${CHAT_COLUMNS}
         FROM chats c LEFT JOIN groups g ON g.chat_id = c.id
         WHERE c.id = $1 ${lock ? 'FOR UPDATE OF c' : ''}`,
        [chatId],
      );
      return rows[0];
    },

    async updateGroup(db: Queryable, chatId: string, changes: Partial<GroupSettings>) {
      await db.query(
        `UPDATE groups SET
           name = COALESCE($2, name),
           description = COALESCE($3, description),
           avatar_url = COALESCE($4, avatar_url),
           is_admin_only = COALESCE($5, is_admin_only),
           updated_at = NOW()
         WHERE chat_id = $1`,
        [
          chatId,
          changes.name ?? null,
          changes.description ?? null,
          changes.avatar_url ?? null,
          changes.is_admin_only ?? null,
        ],
      );
    },
  };
}

export type ChatRepository = ReturnType<typeof createChatRepository>;

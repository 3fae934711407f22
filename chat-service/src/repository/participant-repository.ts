import type { Queryable } from '@wa/pkg/db';
import type { MemberRow } from '../model/chat.ts';
import type { Role } from '../model/schemas.ts';

const MEMBER_COLUMNS =
  'user_id, role, is_muted, mute_until, joined_at, unread_count, last_activity_at';

export interface NewMember {
  userId: string;
  role: Role;
}

/** `chat_participants`: who is in which chat, and each member's own state of it. */
export function createParticipantRepository() {
  return {
    async find(db: Queryable, chatId: string, userId: string): Promise<MemberRow | undefined> {
      const { rows } = await db.query<MemberRow>(
        `SELECT ${MEMBER_COLUMNS} FROM chat_participants WHERE chat_id = $1 AND user_id = $2`,
        [chatId, userId],
      );
      return rows[0];
    },

    /** In joining order; at most 256 rows. */
    async list(db: Queryable, chatId: string): Promise<MemberRow[]> {
      const { rows } = await db.query<MemberRow>(
        `SELECT ${MEMBER_COLUMNS} FROM chat_participants WHERE chat_id = $1
         ORDER BY joined_at, user_id`,
        [chatId],
      );
      return rows;
    },

    /**
     * New members start with nothing unread and the chat at the top of their list; duplicates
     * are skipped. Reading starts now: older messages never count as unread for them.
     */
    async insert(db: Queryable, chatId: string, members: readonly NewMember[]): Promise<void> {
      await db.query(
        `INSERT INTO chat_participants (chat_id, user_id, role, last_read_at, last_activity_at)
         SELECT $1, m.user_id, m.role, NOW(), NOW()
         FROM unnest($2::uuid[], $3::text[]) AS m(user_id, role)
         ON CONFLICT (chat_id, user_id) DO NOTHING`,
        [chatId, members.map((m) => m.userId), members.map((m) => m.role)],
      );
    },

    async remove(db: Queryable, chatId: string, userId: string): Promise<void> {
      await db.query('DELETE FROM chat_participants WHERE chat_id = $1 AND user_id = $2', [
        chatId,
        userId,
      ]);
    },

    async setRole(db: Queryable, chatId: string, userId: string, role: Role): Promise<void> {
      await db.query('UPDATE chat_participants SET role = $3 WHERE chat_id = $1 AND user_id = $2', [
        chatId,
        userId,
        role,
      ]);
    },

    /** Returns false when the user is not a member. */
    async setMute(
      db: Queryable,
      chatId: string,
      userId: string,
      isMuted: boolean,
      muteUntil: Date | null,
    ): Promise<boolean> {
      const { rowCount } = await db.query(
        `UPDATE chat_participants SET is_muted = $3, mute_until = $4
         WHERE chat_id = $1 AND user_id = $2`,
        [chatId, userId, isMuted, muteUntil],
      );
      return (rowCount ?? 0) > 0;
    },
  };
}

export type ParticipantRepository = ReturnType<typeof createParticipantRepository>;

import type { Queryable } from '@wa/pkg/db';

export function createBlockRepository(db: Queryable) {
  return {
    /** Idempotent. False when the user to block does not exist. */
    async block(blockerId: string, blockedId: string): Promise<boolean> {
      const { rows } = await db.query<{ found: boolean }>(
        `WITH target AS (SELECT id FROM users WHERE id = $2),
              added AS (
                INSERT INTO blocks (blocker_id, blocked_id) SELECT $1, id FROM target
                ON CONFLICT (blocker_id, blocked_id) DO NOTHING)
         SELECT EXISTS (SELECT 1 FROM target) AS found`,
        [blockerId, blockedId],
      );
      return rows[0].found;
    },

    /** Idempotent. False when the user to unblock does not exist. */
    async unblock(blockerId: string, blockedId: string): Promise<boolean> {
      const { rows } = await db.query<{ found: boolean }>(
        `WITH removed AS (DELETE FROM blocks WHERE blocker_id = $1 AND blocked_id = $2)
         SELECT EXISTS (SELECT 1 FROM users WHERE id = $2) AS found`,
        [blockerId, blockedId],
      );
      return rows[0].found;
    },

    async isBlocked(blockerId: string, blockedId: string): Promise<boolean> {
      const { rows } = await db.query<{ blocked: boolean }>(
        `SELECT EXISTS (SELECT 1 FROM blocks WHERE blocker_id = $1 AND blocked_id = $2) AS blocked`,
        [blockerId, blockedId],
      );
      return rows[0].blocked;
    },
  };
}

export type BlockRepository = ReturnType<typeof createBlockRepository>;

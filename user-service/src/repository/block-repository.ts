import type { Queryable } from '@wa/pkg/db';

/** What a block or unblock did: nothing to a user that does not exist, nothing twice. */
export type BlockChange = 'changed' | 'unchanged' | 'unknown_user';

const changeOf = (row: { found: boolean; changed: boolean }): BlockChange =>
  !row.found ? 'unknown_user' : row.changed ? 'changed' : 'unchanged';

/** Queries of `blocks`; each takes the connection or transaction to run on. */
export function createBlockRepository() {
  return {
    async block(db: Queryable, blockerId: string, blockedId: string): Promise<BlockChange> {
      const { rows } = await db.query<{ found: boolean; changed: boolean }>(
        `WITH target AS (SELECT id FROM users WHERE id = $2),
              added AS (
                INSERT INTO blocks (blocker_id, blocked_id) SELECT $1, id FROM target
                ON CONFLICT (blocker_id, blocked_id) DO NOTHING
                RETURNING 1)
         SELECT EXISTS (SELECT 1 FROM target) AS found, EXISTS (SELECT 1 FROM added) AS changed`,
        [blockerId, blockedId],
      );
      return changeOf(rows[0]);
    },

    async unblock(db: Queryable, blockerId: string, blockedId: string): Promise<BlockChange> {
      const { rows } = await db.query<{ found: boolean; changed: boolean }>(
        `WITH removed AS (
           DELETE FROM blocks WHERE blocker_id = $1 AND blocked_id = $2 RETURNING 1)
         SELECT EXISTS (SELECT 1 FROM users WHERE id = $2) AS found,
                EXISTS (SELECT 1 FROM removed) AS changed`,
        [blockerId, blockedId],
      );
      return changeOf(rows[0]);
    },

    async isBlocked(db: Queryable, blockerId: string, blockedId: string): Promise<boolean> {
      const { rows } = await db.query<{ blocked: boolean }>(
        `SELECT EXISTS (SELECT 1 FROM blocks WHERE blocker_id = $1 AND blocked_id = $2) AS blocked`,
        [blockerId, blockedId],
      );
      return rows[0].blocked;
    },
  };
}

export type BlockRepository = ReturnType<typeof createBlockRepository>;

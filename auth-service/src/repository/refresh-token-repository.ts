import type { Queryable } from '@wa/pkg/db';

export interface RefreshTokenRow {
  id: string;
  user_id: string;
  family_id: string;
  expires_at: Date;
  revoked: boolean;
  replaced_by: string | null;
  phone: string;
}

export interface NewRefreshToken {
  userId: string;
  familyId: string;
  tokenHash: string;
  expiresAt: Date;
}

export function createRefreshTokenRepository() {
  return {
    async insert(db: Queryable, token: NewRefreshToken): Promise<string> {
      const { rows } = await db.query<{ id: string }>(
        `INSERT INTO refresh_tokens (user_id, family_id, token_hash, expires_at)
         VALUES ($1, $2, $3, $4) RETURNING id`,
        [token.userId, token.familyId, token.tokenHash, token.expiresAt],
      );
      return rows[0].id;
    },

    /** Locks the row so two refreshes of one token are decided one after the other. */
    async findByHashForUpdate(
      db: Queryable,
      tokenHash: string,
    ): Promise<RefreshTokenRow | undefined> {
      const { rows } = await db.query<RefreshTokenRow>(
        `SELECT t.id, t.user_id, t.family_id, t.expires_at, t.revoked, t.replaced_by, u.phone
         FROM refresh_tokens t JOIN users u ON u.id = t.user_id
         WHERE t.token_hash = $1
         FOR UPDATE OF t`,
        [tokenHash],
      );
      return rows[0];
    },

    async markRotated(db: Queryable, id: string, replacedBy: string): Promise<void> {
      await db.query('UPDATE refresh_tokens SET revoked = TRUE, replaced_by = $2 WHERE id = $1', [
        id,
        replacedBy,
      ]);
    },

    async revokeFamily(db: Queryable, familyId: string): Promise<void> {
      await db.query(
        'UPDATE refresh_tokens SET revoked = TRUE WHERE family_id = $1 AND NOT revoked',
        [familyId],
      );
    },

    /** Revokes the family of a token, but only when it belongs to `userId`; returns whether it did. */
    async revokeFamilyOfToken(db: Queryable, tokenHash: string, userId: string): Promise<boolean> {
      const { rowCount } = await db.query(
        `UPDATE refresh_tokens SET revoked = TRUE
         WHERE family_id = (SELECT family_id FROM refresh_tokens WHERE token_hash = $1 AND user_id = $2)`,
        [tokenHash, userId],
      );
      return (rowCount ?? 0) > 0;
    },
  };
}

export type RefreshTokenRepository = ReturnType<typeof createRefreshTokenRepository>;

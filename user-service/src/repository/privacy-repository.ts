import type { Queryable } from '@wa/pkg/db';
import type { PrivacySettings, PrivacyUpdate } from '../model/schemas.ts';

const COLUMNS = 'last_seen, profile_photo, about, read_receipts';

export interface ReadReceiptsRow {
  user_id: string;
  /** Null when the user never saved privacy settings. */
  read_receipts: boolean | null;
}

export function createPrivacyRepository(db: Queryable) {
  return {
    async find(userId: string): Promise<PrivacySettings | undefined> {
      const { rows } = await db.query<PrivacySettings>(
        `SELECT ${COLUMNS} FROM privacy_settings WHERE user_id = $1`,
        [userId],
      );
      return rows[0];
    },

    /** Users among `ids` (any order, unknown ids absent) with their read_receipts setting. */
    async findReadReceipts(ids: readonly string[]): Promise<ReadReceiptsRow[]> {
      const { rows } = await db.query<ReadReceiptsRow>(
        `SELECT u.id AS user_id, p.read_receipts
         FROM users u LEFT JOIN privacy_settings p ON p.user_id = u.id
         WHERE u.id = ANY($1::uuid[])`,
        [ids],
      );
      return rows;
    },

    /** Creates the row with `defaults` unless one exists (a concurrent first read made it). */
    async insertIfMissing(userId: string, defaults: PrivacySettings): Promise<void> {
      await db.query(
        `INSERT INTO privacy_settings (user_id, ${COLUMNS}) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (user_id) DO NOTHING`,
        [
          userId,
          defaults.last_seen,
          defaults.profile_photo,
          defaults.about,
          defaults.read_receipts,
        ],
      );
    },

    /** Applies the given fields atomically, starting from `defaults` when there is no row yet. */
    async update(
      userId: string,
      patch: PrivacyUpdate,
      defaults: PrivacySettings,
    ): Promise<PrivacySettings> {
      const { rows } = await db.query<PrivacySettings>(
        `INSERT INTO privacy_settings AS p (user_id, ${COLUMNS})
         VALUES ($1, COALESCE($2, $6), COALESCE($3, $7), COALESCE($4, $8), COALESCE($5::boolean, $9))
         ON CONFLICT (user_id) DO UPDATE SET
           last_seen = COALESCE($2, p.last_seen),
           profile_photo = COALESCE($3, p.profile_photo),
           about = COALESCE($4, p.about),
           read_receipts = COALESCE($5::boolean, p.read_receipts),
           updated_at = NOW()
         RETURNING ${COLUMNS}`,
        [
          userId,
          patch.last_seen ?? null,
          patch.profile_photo ?? null,
          patch.about ?? null,
          patch.read_receipts ?? null,
          defaults.last_seen,
          defaults.profile_photo,
          defaults.about,
          defaults.read_receipts,
        ],
      );
      return rows[0];
    },
  };
}

export type PrivacyRepository = ReturnType<typeof createPrivacyRepository>;

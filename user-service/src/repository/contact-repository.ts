import type { Queryable } from '@wa/pkg/db';

export function createContactRepository(db: Queryable) {
  return {
    /**
     * Adds users to the owner's contacts in one multi-row statement; rows already there stay
     * as they are. Returns how many were new.
     */
    async addMany(ownerId: string, contactIds: readonly string[]): Promise<number> {
      if (contactIds.length === 0) return 0;
      const { rowCount } = await db.query(
        `INSERT INTO contacts (user_id, contact_id)
         SELECT $1, contact_id FROM unnest($2::uuid[]) AS t(contact_id)
         ON CONFLICT (user_id, contact_id) DO NOTHING`,
        [ownerId, contactIds],
      );
      return rowCount ?? 0;
    },

    async has(ownerId: string, contactId: string): Promise<boolean> {
      const { rows } = await db.query<{ found: boolean }>(
        'SELECT EXISTS (SELECT 1 FROM contacts WHERE user_id = $1 AND contact_id = $2) AS found',
        [ownerId, contactId],
      );
      return rows[0].found;
    },
  };
}

export type ContactRepository = ReturnType<typeof createContactRepository>;

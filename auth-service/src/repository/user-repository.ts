import type { Queryable } from '@wa/pkg/db';

export interface UserRow {
  id: string;
  phone: string;
  display_name: string;
}

export function createUserRepository(db: Queryable) {
  return {
    /** Creates the user on first login; `created` says whether this call made the row. */
    async findOrCreateByPhone(phone: string): Promise<{ user: UserRow; created: boolean }> {
      const inserted = await db.query<UserRow>(
        `INSERT INTO users (phone) VALUES ($1)
         ON CONFLICT (phone) DO NOTHING
         RETURNING id, phone, display_name`,
        [phone],
      );
      if (inserted.rows[0]) return { user: inserted.rows[0], created: true };
      const existing = await db.query<UserRow>(
        'SELECT id, phone, display_name FROM users WHERE phone = $1',
        [phone],
      );
      if (!existing.rows[0]) throw new Error('user vanished between insert and select');
      return { user: existing.rows[0], created: false };
    },
  };
}

export type UserRepository = ReturnType<typeof createUserRepository>;

import type { Queryable } from '@wa/pkg/db';

/** The users table is the user-service's; the chat-service only asks who exists. */
export function createUserRepository() {
  return {
    async existing(db: Queryable, ids: readonly string[]): Promise<Set<string>> {
      const { rows } = await db.query<{ id: string }>(
        'SELECT id FROM users WHERE id = ANY($1::uuid[])',
        [ids],
      );
      return new Set(rows.map((row) => row.id));
    },
  };
}

export type UserRepository = ReturnType<typeof createUserRepository>;

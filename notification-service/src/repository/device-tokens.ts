import { createWriteBatch, type Queryable } from '@wa/pkg/db';

/**
 * `device_tokens` (PRD §5.1), written by the user-service (`PUT /users/me/fcm-token`) and read
 * here (PRD §6.6); this service only deletes a token FCM says is dead.
 */
export function createDeviceTokens(db: Queryable) {
  /** Every token of each user asked about, oldest registration first. */
  async function ofUsers(userIds: readonly string[]): Promise<Map<string, string[]>> {
    const byUser = new Map<string, string[]>();
    if (userIds.length === 0) return byUser;
    const { rows } = await db.query<{ user_id: string; token: string }>(
      `SELECT user_id, token FROM device_tokens WHERE user_id = ANY($1::uuid[])
       ORDER BY created_at, token`,
      [userIds],
    );
    for (const row of rows) {
      const tokens = byUser.get(row.user_id) ?? [];
      tokens.push(row.token);
      byUser.set(row.user_id, tokens);
    }
    return byUser;
  }

  // Concurrent pushes ask together: one query for the users of all of them.
  const ofUser = createWriteBatch(async (userIds: string[]) => {
    const byUser = await ofUsers([...new Set(userIds)]);
    return userIds.map((userId) => byUser.get(userId) ?? []);
  });

  return {
    ofUsers,
    /** One user's tokens, looked up together with those of concurrent callers. */
    ofUser,

    /** Deletes a token FCM answered UNREGISTERED (or malformed) for; true when one was removed. */
    async remove(token: string): Promise<boolean> {
      const { rowCount } = await db.query('DELETE FROM device_tokens WHERE token = $1', [token]);
      return (rowCount ?? 0) > 0;
    },
  };
}

export type DeviceTokens = ReturnType<typeof createDeviceTokens>;

import type { Queryable } from '@wa/pkg/db';
import type { DevicePlatform } from '../model/schemas.ts';

export function createDeviceTokenRepository(db: Queryable) {
  return {
    /** A token is one device: registering it again, even for another user, moves the one row. */
    async upsert(userId: string, token: string, platform: DevicePlatform): Promise<void> {
      await db.query(
        `INSERT INTO device_tokens (user_id, token, platform) VALUES ($1, $2, $3)
         ON CONFLICT (token) DO UPDATE SET
           user_id = EXCLUDED.user_id, platform = EXCLUDED.platform, updated_at = NOW()`,
        [userId, token, platform],
      );
    },

    /** Deletes the token only when it belongs to `userId`; returns whether it did. */
    async deleteForUser(userId: string, token: string): Promise<boolean> {
      const { rowCount } = await db.query(
        'DELETE FROM device_tokens WHERE user_id = $1 AND token = $2',
        [userId, token],
      );
      return (rowCount ?? 0) > 0;
    },
  };
}

export type DeviceTokenRepository = ReturnType<typeof createDeviceTokenRepository>;

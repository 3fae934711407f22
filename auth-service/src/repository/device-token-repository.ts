import type { Queryable } from '@wa/pkg/db';

export function createDeviceTokenRepository(db: Queryable) {
  return {
    /** Deletes a device token only when it belongs to the caller. */
    async deleteForUser(userId: string, token: string): Promise<void> {
      await db.query('DELETE FROM device_tokens WHERE user_id = $1 AND token = $2', [
        userId,
        token,
      ]);
    },
  };
}

export type DeviceTokenRepository = ReturnType<typeof createDeviceTokenRepository>;

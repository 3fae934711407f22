import type { DeviceTokenBody, DevicePlatform } from '../model/schemas.ts';
import type { DeviceTokenRepository } from '../repository/device-token-repository.ts';
import { orUserNotFound } from './user-views.ts';

export function createDeviceTokenService(tokens: DeviceTokenRepository) {
  return {
    /** Registers the device for the caller; a token last registered by another user moves here. */
    async register(userId: string, body: DeviceTokenBody) {
      const platform: DevicePlatform = body.platform ?? 'android';
      await orUserNotFound(tokens.upsert(userId, body.token, platform));
      return { registered: true as const, platform };
    },

    /** Only the caller's own token is ever deleted; an unknown or foreign one changes nothing. */
    async unregister(userId: string, token: string) {
      return { deleted: await tokens.deleteForUser(userId, token) };
    },
  };
}

export type DeviceTokenService = ReturnType<typeof createDeviceTokenService>;

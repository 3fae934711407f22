import type { Logger } from '@wa/pkg/log';
import type { Profile } from '../model/schemas.ts';
import type { UserRemote } from '../repository/user-remote.ts';

export interface ProfileLookup {
  /**
   * One GetUsers call for every id given, as `viewerId` may see them (privacy settings); a user
   * the call did not describe gets empty fields.
   */
  profiles(ids: readonly string[], viewerId: string): Promise<Map<string, Profile>>;
}

/**
 * Profiles come from the user-service (PRD §4.1), one batch per response. When it cannot answer
 * the response still goes out, with ids and empty names: a chat list without names beats no
 * chat list (the client shows the phone or a placeholder and refreshes later).
 */
export function createProfileLookup(users: Pick<UserRemote, 'cards'>, log: Logger): ProfileLookup {
  return {
    async profiles(ids, viewerId) {
      const unique = [...new Set(ids)];
      const found = new Map<string, Profile>();
      if (unique.length > 0) {
        try {
          for (const user of await users.cards(unique, viewerId))
            found.set(user.userId, {
              id: user.userId,
              display_name: user.displayName,
              avatar_url: user.avatarUrl,
            });
        } catch (error) {
          log.warn(
            { err: error, count: unique.length },
            'user-service unavailable; profiles left empty',
          );
        }
      }
      for (const id of unique)
        if (!found.has(id)) found.set(id, { id, display_name: '', avatar_url: '' });
      return found;
    },
  };
}

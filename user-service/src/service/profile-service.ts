import { renewAfter, userStamp, type StampWriter } from '@wa/pkg/cache';
import { DEFAULT_PRIVACY, profileForViewer, type OwnerProfile } from '../model/privacy.ts';
import type {
  MyProfile,
  PrivacySettings,
  PrivacyUpdate,
  ProfileUpdate,
  PublicProfile,
} from '../model/schemas.ts';
import type { PrivacyRepository } from '../repository/privacy-repository.ts';
import type { UserRepository, UserRow } from '../repository/user-repository.ts';
import { orUserNotFound, relationOf, settingsOf, userNotFound } from './user-views.ts';

export interface ProfileServiceDeps {
  users: UserRepository;
  privacy: PrivacyRepository;
  /** The user's stamp, renewed when their privacy settings change (pkg/src/cache/freshness.ts). */
  stamps: StampWriter;
}

const toMyProfile = (row: UserRow): MyProfile => ({
  id: row.id,
  phone: row.phone,
  display_name: row.display_name,
  avatar_url: row.avatar_url,
  status_text: row.status_text,
  created_at: row.created_at.toISOString(),
});

const profileFields = (user: OwnerProfile): PublicProfile => ({
  id: user.id,
  phone: user.phone,
  display_name: user.display_name,
  avatar_url: user.avatar_url,
  status_text: user.status_text,
});

export function createProfileService({ users, privacy, stamps }: ProfileServiceDeps) {
  /** Profiles in the order asked, each once, unknown ids left out; privacy applied for a viewer. */
  async function getUsers(ids: readonly string[], viewerId?: string): Promise<OwnerProfile[]> {
    const wanted = [...new Set(ids)];
    if (wanted.length === 0) return [];
    const rows = await users.findViews(wanted, viewerId ?? null);
    const byId = new Map(rows.map((row) => [row.id, row]));
    return wanted.flatMap((id) => {
      const row = byId.get(id);
      if (!row) return [];
      return [viewerId ? profileForViewer(row, settingsOf(row), relationOf(row, viewerId)) : row];
    });
  }

  return {
    async getMe(userId: string): Promise<MyProfile> {
      const row = await users.findById(userId);
      if (!row) throw userNotFound();
      return toMyProfile(row);
    },

    async updateMe(userId: string, patch: ProfileUpdate): Promise<MyProfile> {
      const row = await users.update(userId, patch);
      if (!row) throw userNotFound();
      return toMyProfile(row);
    },

    /** One profile, as `viewerId` may see it when given; 404 when the user does not exist. */
    async getUser(userId: string, viewerId?: string): Promise<PublicProfile> {
      const [profile] = await getUsers([userId], viewerId);
      if (!profile) throw userNotFound();
      return profileFields(profile);
    },

    getUsers,

    /** A user's settings; the first read stores the defaults (PRD: a row per user). */
    async getPrivacy(userId: string): Promise<PrivacySettings> {
      const stored = await privacy.find(userId);
      if (stored) return stored;
      await orUserNotFound(privacy.insertIfMissing(userId, DEFAULT_PRIVACY));
      return (await privacy.find(userId)) ?? { ...DEFAULT_PRIVACY };
    },

    /**
     * Whether each user sends read receipts (addenda E), keyed by lower-case id; unknown ids are
     * absent and a user who never saved settings has the default.
     */
    async readReceipts(ids: readonly string[]): Promise<Map<string, boolean>> {
      const wanted = [...new Set(ids)];
      if (wanted.length === 0) return new Map();
      const rows = await privacy.findReadReceipts(wanted);
      return new Map(
        rows.map((row) => [row.user_id, row.read_receipts ?? DEFAULT_PRIVACY.read_receipts]),
      );
    },

    /** Renews the user's stamp before answering: whoever caches these settings sees them next. */
    updatePrivacy: (userId: string, patch: PrivacyUpdate): Promise<PrivacySettings> =>
      renewAfter(stamps, [userStamp(userId)], () =>
        orUserNotFound(privacy.update(userId, patch, DEFAULT_PRIVACY)),
      ),
  };
}

export type ProfileService = ReturnType<typeof createProfileService>;

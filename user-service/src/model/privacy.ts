import type { Audience, PrivacySettings, PublicProfile } from './schemas.ts';

/** Privacy settings of a user who never saved any (PRD §5.1 column defaults). */
export const DEFAULT_PRIVACY: Readonly<PrivacySettings> = Object.freeze({
  last_seen: 'everyone',
  profile_photo: 'everyone',
  about: 'everyone',
  read_receipts: true,
});

/** How a viewer stands towards the owner of a profile. */
export interface Relation {
  /** The viewer is the owner. */
  self: boolean;
  /** The owner has the viewer in their contacts (their address book, not the block list). */
  inOwnerContacts: boolean;
  /** The owner has blocked the viewer. */
  blockedByOwner: boolean;
}

/**
 * Whether an owner's setting lets this viewer see the field. The owner always sees their own;
 * a viewer the owner blocked sees nothing guarded, whatever the setting (addenda E, and as
 * WhatsApp does for photo and about too).
 */
export function mayView(audience: Audience, relation: Relation): boolean {
  if (relation.self) return true;
  if (relation.blockedByOwner) return false;
  switch (audience) {
    case 'everyone':
      return true;
    case 'contacts':
      return relation.inOwnerContacts;
    case 'nobody':
      return false;
  }
}

export interface OwnerProfile {
  id: string;
  phone: string;
  display_name: string;
  avatar_url: string;
  status_text: string;
}

type GuardedSettings = Pick<PrivacySettings, 'profile_photo' | 'about'>;

/** The profile a viewer gets: photo and about follow the owner's settings, hidden ones are ''. */
export function profileForViewer(
  owner: OwnerProfile,
  settings: GuardedSettings,
  relation: Relation,
): PublicProfile {
  return {
    id: owner.id,
    phone: owner.phone,
    display_name: owner.display_name,
    avatar_url: mayView(settings.profile_photo, relation) ? owner.avatar_url : '',
    status_text: mayView(settings.about, relation) ? owner.status_text : '',
  };
}

export interface PresenceFacts {
  online: boolean;
  lastSeen: Date | null;
}

/**
 * The presence a viewer gets. The `last_seen` setting covers online too: showing "online" to
 * someone denied last seen would let them rebuild it by polling.
 */
export function presenceForViewer(
  facts: PresenceFacts,
  lastSeenSetting: Audience,
  relation: Relation,
): PresenceFacts {
  if (!mayView(lastSeenSetting, relation)) return { online: false, lastSeen: null };
  return facts;
}

import { Type, type Static } from 'typebox';
import { HttpUrl } from '@wa/pkg/http';

/** Most numbers one contact sync takes; a bigger address book is sent in several requests. */
export const CONTACT_SYNC_MAX_NUMBERS = 5_000;
export const DEVICE_PLATFORMS = ['android', 'ios', 'web'] as const;
export const AUDIENCES = ['everyone', 'contacts', 'nobody'] as const;

export const Audience = Type.Enum(AUDIENCES);
export type Audience = Static<typeof Audience>;

// ---- Profiles (PRD §6.2) ----

export const MyProfile = Type.Object({
  id: Type.String(),
  phone: Type.String(),
  display_name: Type.String(),
  avatar_url: Type.String(),
  status_text: Type.String(),
  created_at: Type.String(),
});
export type MyProfile = Static<typeof MyProfile>;

/** Another user's profile as the viewer may see it; hidden fields are empty strings. */
export const PublicProfile = Type.Object({
  id: Type.String(),
  phone: Type.String(),
  display_name: Type.String(),
  avatar_url: Type.String(),
  status_text: Type.String(),
});
export type PublicProfile = Static<typeof PublicProfile>;

export const ProfileUpdate = Type.Object(
  {
    display_name: Type.Optional(Type.String({ maxLength: 64 })),
    status_text: Type.Optional(Type.String({ maxLength: 140 })),
    // An empty string removes the photo.
    avatar_url: Type.Optional(Type.Union([Type.Literal(''), HttpUrl(2_048)])),
  },
  { additionalProperties: false, minProperties: 1 },
);
export type ProfileUpdate = Static<typeof ProfileUpdate>;

// ---- Privacy ----

export const PrivacySettings = Type.Object({
  last_seen: Audience,
  profile_photo: Audience,
  about: Audience,
  read_receipts: Type.Boolean(),
});
export type PrivacySettings = Static<typeof PrivacySettings>;

export const PrivacyUpdate = Type.Object(
  {
    last_seen: Type.Optional(Audience),
    profile_photo: Type.Optional(Audience),
    about: Type.Optional(Audience),
    read_receipts: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false, minProperties: 1 },
);
export type PrivacyUpdate = Static<typeof PrivacyUpdate>;

// ---- Contacts and blocking ----

export const ContactSyncBody = Type.Object(
  {
    phone_numbers: Type.Array(
      Type.String({ minLength: 1, maxLength: 32, examples: ['+14155550124'] }),
      {
        minItems: 1,
        maxItems: CONTACT_SYNC_MAX_NUMBERS,
      },
    ),
    // Country calling code for numbers without a leading '+'; the caller's own by default.
    country_code: Type.Optional(
      Type.String({ pattern: '^\\+?[1-9][0-9]{0,3}$', examples: ['+1'] }),
    ),
  },
  { additionalProperties: false },
);
export type ContactSyncBody = Static<typeof ContactSyncBody>;

export const RegisteredUser = Type.Object({
  phone: Type.String(),
  user_id: Type.String(),
  display_name: Type.String(),
  avatar_url: Type.String(),
});
export type RegisteredUser = Static<typeof RegisteredUser>;

export const ContactSyncResult = Type.Object({
  registered_users: Type.Array(RegisteredUser),
  /** The submitted strings that are not valid phone numbers, each once. */
  invalid_numbers: Type.Array(Type.String()),
});
export type ContactSyncResult = Static<typeof ContactSyncResult>;

export const BlockState = Type.Object({ user_id: Type.String(), blocked: Type.Boolean() });
export type BlockState = Static<typeof BlockState>;

// ---- Presence ----

export const Presence = Type.Object({
  user_id: Type.String(),
  online: Type.Boolean(),
  /** ISO 8601; null when never recorded or hidden by the owner's privacy settings. */
  last_seen: Type.Union([Type.String(), Type.Null()]),
});
export type Presence = Static<typeof Presence>;

// ---- Device tokens ----

export const DeviceTokenBody = Type.Object(
  {
    token: Type.String({ minLength: 1, maxLength: 4_096 }),
    platform: Type.Optional(Type.Enum(DEVICE_PLATFORMS, { default: 'android' })),
  },
  { additionalProperties: false },
);
export type DeviceTokenBody = Static<typeof DeviceTokenBody>;
export type DevicePlatform = (typeof DEVICE_PLATFORMS)[number];

export const DeviceTokenDeleteBody = Type.Object(
  { token: Type.String({ minLength: 1, maxLength: 4_096 }) },
  { additionalProperties: false },
);

export const DeviceTokenRegistered = Type.Object({
  registered: Type.Literal(true),
  platform: Type.String(),
});
export const DeviceTokenDeleted = Type.Object({ deleted: Type.Boolean() });

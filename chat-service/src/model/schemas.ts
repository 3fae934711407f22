import { Type, type Static, type TSchema } from 'typebox';
import { HttpUrl, IdParams, Uuid } from '@wa/pkg/http';

/** PRD §3.4 and addenda G. */
export const GROUP_LIMITS = {
  maxMembers: 256,
  /** Others besides the creator at creation: 3–256 members in all. */
  minOthersAtCreation: 2,
  maxOthersAtCreation: 255,
  nameMax: 100,
  descriptionMax: 512,
} as const;

const Timestamp = Type.String({ format: 'date-time' });
const Nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()]);

const GroupName = Type.String({ minLength: 1, maxLength: GROUP_LIMITS.nameMax, pattern: '\\S' });
const Description = Type.String({ maxLength: GROUP_LIMITS.descriptionMax });
/** An http(s) URL, or '' to clear the avatar. */
const AvatarUrl = Type.Union([Type.Literal(''), HttpUrl(2_048)]);
const Role = Type.Enum(['admin', 'member']);
export type Role = Static<typeof Role>;

// ── Requests ────────────────────────────────────────────────────────────────────────────────

export const ChatParams = IdParams;
export const ParticipantParams = Type.Object({ id: Uuid(), userId: Uuid() });

/**
 * PRD §6.3: `direct` takes `participant_id`; `group` takes `name`, `participant_ids` (2–255 others)
 * and optionally `description` and `avatar_url`. Which fields go with which type is checked by
 * `parseCreateChat`, so each mistake gets its own message.
 */
export const CreateChatBody = Type.Object(
  {
    type: Type.Enum(['direct', 'group']),
    participant_id: Type.Optional(Uuid()),
    name: Type.Optional(GroupName),
    description: Type.Optional(Description),
    avatar_url: Type.Optional(AvatarUrl),
    participant_ids: Type.Optional(
      Type.Array(Uuid(), {
        minItems: GROUP_LIMITS.minOthersAtCreation,
        maxItems: GROUP_LIMITS.maxOthersAtCreation,
        uniqueItems: true,
      }),
    ),
  },
  {
    additionalProperties: false,
    examples: [
      {
        type: 'group',
        name: 'Weekend',
        participant_ids: [
          '2d7a9c3e-1b4f-4e6d-8a0c-5f3e2d1c0b9a',
          '8e01b2c3-d4e5-4f60-8a7b-9c0d1e2f3a4b',
        ],
      },
    ],
  },
);
export type CreateChatBody = Static<typeof CreateChatBody>;

export const UpdateChatBody = Type.Object(
  {
    name: Type.Optional(GroupName),
    description: Type.Optional(Description),
    avatar_url: Type.Optional(AvatarUrl),
    is_admin_only: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false, minProperties: 1 },
);
export type UpdateChatBody = Static<typeof UpdateChatBody>;

export const AddParticipantsBody = Type.Object(
  { user_ids: Type.Array(Uuid(), { minItems: 1, maxItems: GROUP_LIMITS.maxOthersAtCreation }) },
  { additionalProperties: false },
);

export const RoleBody = Type.Object({ role: Role }, { additionalProperties: false });

export const MuteBody = Type.Object(
  { is_muted: Type.Boolean(), mute_until: Type.Optional(Nullable(Timestamp)) },
  { additionalProperties: false },
);
export type MuteBody = Static<typeof MuteBody>;

export const ListChatsQuery = Type.Object(
  {
    cursor: Type.Optional(Type.String({ minLength: 1, maxLength: 512 })),
    limit: Type.Integer({ minimum: 1, maximum: 100, default: 20 }),
  },
  { additionalProperties: false },
);
export type ListChatsQuery = Static<typeof ListChatsQuery>;

// ── Responses ───────────────────────────────────────────────────────────────────────────────
// Response schemas are serialisation allow-lists. Ids (UUIDs) and times (ISO 8601) are plain
// strings here: a `format` would only make the serialiser validate every union branch it picks.

const Id = Type.String();
const Time = Type.String();

/** A user as the user-service describes them; empty strings when it could not be asked. */
export const Profile = Type.Object({
  id: Id,
  display_name: Type.String(),
  avatar_url: Type.String(),
});
export type Profile = Static<typeof Profile>;

export const Participant = Type.Object({
  ...Profile.properties,
  role: Role,
  joined_at: Time,
});
export type Participant = Static<typeof Participant>;

export const LastMessage = Type.Object({
  message_id: Id,
  sender_id: Id,
  type: Type.String(),
  preview: Type.String(),
  timestamp: Time,
});
export type LastMessage = Static<typeof LastMessage>;

/** Fields a chat has in the list and in its detail; group fields are null on a direct chat. */
const ChatCommon = {
  chat_id: Id,
  type: Type.Enum(['direct', 'group']),
  name: Nullable(Type.String()),
  avatar_url: Nullable(Type.String()),
  /** The other member of a direct chat; null for a group. */
  participant: Nullable(Profile),
  last_message: Nullable(LastMessage),
  unread_count: Type.Integer(),
  is_muted: Type.Boolean(),
  mute_until: Nullable(Time),
  /** The last activity: newest message, creation, or when the caller joined. */
  updated_at: Time,
};

export const ChatSummary = Type.Object(ChatCommon);
export type ChatSummary = Static<typeof ChatSummary>;

export const ChatList = Type.Object({
  chats: Type.Array(ChatSummary),
  next_cursor: Nullable(Type.String()),
});
export type ChatList = Static<typeof ChatList>;

export const ChatDetail = Type.Object({
  ...ChatCommon,
  description: Nullable(Type.String()),
  is_admin_only: Type.Boolean(),
  created_by: Nullable(Id),
  participants: Type.Array(Participant),
  created_at: Time,
});
export type ChatDetail = Static<typeof ChatDetail>;

export const MuteState = Type.Object({
  chat_id: Id,
  is_muted: Type.Boolean(),
  mute_until: Nullable(Time),
});
export type MuteState = Static<typeof MuteState>;

export const MembersAdded = Type.Object({
  chat_id: Id,
  /** Users who were not members before; ids already in the group are ignored. */
  added: Type.Array(Id),
  participant_count: Type.Integer(),
});
export type MembersAdded = Static<typeof MembersAdded>;

export const MemberRemoved = Type.Object({
  chat_id: Id,
  user_id: Id,
  /** True when the caller removed themselves. */
  left: Type.Boolean(),
});
export type MemberRemoved = Static<typeof MemberRemoved>;

export const RoleChanged = Type.Object({ chat_id: Id, user_id: Id, role: Role });
export type RoleChanged = Static<typeof RoleChanged>;

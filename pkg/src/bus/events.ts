import { randomUUID } from 'node:crypto';
import { Type, type Static } from 'typebox';
import { Compile, type Validator } from 'typebox/compile';
import { useFastDateTimeCheck } from '../text/date-time.ts';
import { CanonicalUuid } from '../uuid/index.ts';

// Every event and frame validator checks timestamps; TypeBox's registry is per process.
useFastDateTimeCheck();

/*
 * The one subject → payload map of every JetStream event (PRD §4.2 as corrected by addenda C).
 * Publishers and consumers are typed against it and validate against it on both sides.
 *
 * Conventions for every event:
 * - `event_id`: a UUID, also sent as the JetStream `Nats-Msg-Id` header, so the stream drops a
 *   republished copy within its duplicate window and consumers can recognise redeliveries.
 * - `timestamp`: ISO 8601 in UTC with milliseconds (`2025-01-31T12:00:00.000Z`), like the REST
 *   envelope and WebSocket frames; on `msg.new` it is the message's `created_at`.
 * - Ids are UUID strings. Consumers ignore fields they do not know, so a publisher may add fields;
 *   removing or renaming one is a breaking change to every consumer listed below.
 */

// Ids are lower-cased where they enter (HTTP, WebSocket, gRPC edges); events carry them as they are.
const Uuid = CanonicalUuid();
const IsoTimestamp = Type.String({ format: 'date-time' });

const EventBase = { event_id: Uuid, timestamp: IsoTimestamp };

export const MessageType = Type.Union([
  Type.Literal('text'),
  Type.Literal('image'),
  Type.Literal('video'),
  Type.Literal('audio'),
  Type.Literal('document'),
  Type.Literal('system'),
]);
export type MessageType = Static<typeof MessageType>;

/**
 * PRD §3.5: `body` for text/system, `media_id` (+ `caption`/`filename`/`duration_ms`) for media.
 * On a stored media message the message-service adds the upload's metadata from the
 * media-service (addenda I): `mime_type`, `size_bytes`, and `width`/`height`/`duration_ms` when
 * the file has them; a probed `duration_ms` replaces the client's. Clients never send these.
 */
export const MessagePayload = Type.Object({
  body: Type.Optional(Type.String()),
  media_id: Type.Optional(Uuid),
  caption: Type.Optional(Type.String()),
  filename: Type.Optional(Type.String()),
  duration_ms: Type.Optional(Type.Integer({ minimum: 0 })),
  mime_type: Type.Optional(Type.String()),
  size_bytes: Type.Optional(Type.Integer({ minimum: 0 })),
  width: Type.Optional(Type.Integer({ minimum: 1 })),
  height: Type.Optional(Type.Integer({ minimum: 1 })),
});
export type MessagePayload = Static<typeof MessagePayload>;

/** What a client may send in a payload: the media metadata comes only from the media-service. */
export const SentMessagePayload = Type.Pick(MessagePayload, [
  'body',
  'media_id',
  'caption',
  'filename',
  'duration_ms',
]);

const ChatType = Type.Union([Type.Literal('direct'), Type.Literal('group')]);
const Role = Type.Union([Type.Literal('admin'), Type.Literal('member')]);

/**
 * `msg.new` — message-service → websocket-, notification- and chat-service.
 * The chat-service relies on every field but `payload.media_id`: it keeps the chat's last message
 * (ordered by `timestamp`, then `message_id`) and counts one unread message for each of
 * `recipient_ids` (the chat's participants except the sender, addenda C).
 */
export const MsgNew = Type.Object({
  ...EventBase,
  message_id: Uuid,
  chat_id: Uuid,
  sender_id: Uuid,
  type: MessageType,
  payload: MessagePayload,
  recipient_ids: Type.Array(Uuid),
  /** Present only on a reply, so clients can show it live as history shows it (addenda E). */
  reply_to_message_id: Type.Optional(Uuid),
  /** Present (true) only on a forwarded copy. */
  forwarded: Type.Optional(Type.Literal(true)),
});

/**
 * `msg.status.updated` — message-service → websocket- and chat-service. `user_id` is the
 * recipient whose status changed, `sender_id` the message's author (who is told). A `read` status
 * means "read up to and including this message" (PRD §7.3 `message.read` is cumulative): the
 * chat-service recounts `user_id`'s unread messages in `chat_id` newer than `message_timestamp`
 * (the message's `created_at`). `timestamp` is when the status changed.
 */
export const MsgStatusUpdated = Type.Object({
  ...EventBase,
  message_id: Uuid,
  chat_id: Uuid,
  sender_id: Uuid,
  user_id: Uuid,
  status: Type.Union([Type.Literal('delivered'), Type.Literal('read')]),
  message_timestamp: IsoTimestamp,
  /**
   * True on a `read` by a user whose `read_receipts` privacy setting is off (addenda E): the
   * chat-service still clears that user's unread count, but no one else may learn of the read.
   * `audienceOf` (audience.ts) applies it; absent or false: forward as usual.
   */
  receipt_hidden: Type.Optional(Type.Boolean()),
});

/**
 * `msg.deleted` — deleted for everyone (addenda E); the chat-service blanks a last-message preview.
 * `recipient_ids` are the message's recipients (the chat's participants when it was sent, except
 * the sender, who is the one deleting), as on `msg.new`, so no consumer looks membership up.
 */
export const MsgDeleted = Type.Object({
  ...EventBase,
  message_id: Uuid,
  chat_id: Uuid,
  recipient_ids: Type.Array(Uuid),
});

/** `chat.created` — chat-service → websocket-service. `name` is '' for a direct chat. */
export const ChatCreated = Type.Object({
  ...EventBase,
  chat_id: Uuid,
  type: ChatType,
  name: Type.String(),
  created_by: Uuid,
  participants: Type.Array(Type.Object({ user_id: Uuid, role: Role })),
});

/**
 * `chat.updated` — chat-service → websocket-service (and anyone caching GetParticipants: a role
 * or `is_admin_only` change alters who may post). `changes` holds only what changed;
 * `participant_ids` are the members to tell.
 */
export const ChatUpdated = Type.Object({
  ...EventBase,
  chat_id: Uuid,
  updated_by: Uuid,
  changes: Type.Object({
    name: Type.Optional(Type.String()),
    description: Type.Optional(Type.String()),
    avatar_url: Type.Optional(Type.String()),
    is_admin_only: Type.Optional(Type.Boolean()),
    role: Type.Optional(Type.Object({ user_id: Uuid, role: Role })),
  }),
  participant_ids: Type.Array(Uuid),
});

/**
 * `group.member.added` — chat-service → websocket-, notification- and message-service (cache).
 * One event per added user; `participant_ids` are the members after the change.
 */
export const GroupMemberAdded = Type.Object({
  ...EventBase,
  chat_id: Uuid,
  user_id: Uuid,
  added_by: Uuid,
  participant_ids: Type.Array(Uuid),
});

/**
 * `group.member.removed` — as above; `removed_by` equals `user_id` when the member left, and
 * `participant_ids` are the members who remain.
 */
export const GroupMemberRemoved = Type.Object({
  ...EventBase,
  chat_id: Uuid,
  user_id: Uuid,
  removed_by: Uuid,
  participant_ids: Type.Array(Uuid),
});

/** `presence.changed` — websocket-service → websocket-service (fan-out across instances). */
export const PresenceChanged = Type.Object({
  ...EventBase,
  user_id: Uuid,
  status: Type.Union([Type.Literal('online'), Type.Literal('offline')]),
  last_seen: Type.Union([IsoTimestamp, Type.Null()]),
});

/**
 * `user.blocked` / `user.unblocked` — user-service → message-service (every instance drops its
 * cached block check for the pair; addenda E: a blocked user cannot send to the blocker).
 */
export const UserBlockChanged = Type.Object({
  ...EventBase,
  blocker_id: Uuid,
  blocked_id: Uuid,
});

export const EVENT_SCHEMAS = {
  'msg.new': MsgNew,
  'msg.status.updated': MsgStatusUpdated,
  'msg.deleted': MsgDeleted,
  'chat.created': ChatCreated,
  'chat.updated': ChatUpdated,
  'group.member.added': GroupMemberAdded,
  'group.member.removed': GroupMemberRemoved,
  'presence.changed': PresenceChanged,
  'user.blocked': UserBlockChanged,
  'user.unblocked': UserBlockChanged,
} as const;

export type EventSubject = keyof typeof EVENT_SCHEMAS;
export type EventPayload<S extends EventSubject> = Static<(typeof EVENT_SCHEMAS)[S]>;

export const EVENT_SUBJECTS = Object.keys(EVENT_SCHEMAS) as EventSubject[];

export const isEventSubject = (subject: string): subject is EventSubject =>
  Object.hasOwn(EVENT_SCHEMAS, subject);

/** Raised when a payload does not match its subject's schema; `problems` name each field. */
export class EventValidationError extends Error {
  readonly subject: string;
  readonly problems: string[];
  constructor(subject: string, problems: string[]) {
    super(`invalid ${subject} event: ${problems.join('; ')}`);
    this.name = 'EventValidationError';
    this.subject = subject;
    this.problems = problems;
  }
}

const validators = new Map<EventSubject, Validator>();

function validatorFor(subject: EventSubject): Validator {
  let validator = validators.get(subject);
  if (!validator) {
    validator = Compile(EVENT_SCHEMAS[subject]);
    validators.set(subject, validator);
  }
  return validator;
}

/** Checks `value` against the schema of `subject`; throws EventValidationError when it does not match. */
export function assertEvent<S extends EventSubject>(
  subject: S,
  value: unknown,
): asserts value is EventPayload<S> {
  const validator = validatorFor(subject);
  if (validator.Check(value)) return;
  const problems = validator
    .Errors(value)
    .map((error) => `${error.instancePath || '(root)'} ${error.message}`);
  throw new EventValidationError(subject, problems);
}

/** The fields every event starts with: a fresh `event_id` and the current time. */
export const eventMeta = (at: Date = new Date()) => ({
  event_id: randomUUID(),
  timestamp: at.toISOString(),
});

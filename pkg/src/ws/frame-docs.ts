import type { ErrorCode } from '../errors/index.ts';
import type { WS_CLOSE } from './close-codes.ts';
import type { ClientEvent, ClientEventData, ServerEvent, ServerEventData } from './frames.ts';

/*
 * What each frame means, which frames answer it, and one example of each: the words of the
 * AsyncAPI document (`@wa/pkg/api-docs`), typed against the frame schemas so a new event cannot
 * go undocumented. docs/websocket-protocol.md tells the same in prose.
 */

export interface ClientEventDoc<E extends ClientEvent> {
  summary: string;
  description: string;
  /** Server events that may answer it with its `req_id` (besides `error`). */
  replies: readonly ServerEvent[];
  example: ClientEventData<E>;
}

export interface ServerEventDoc<E extends ServerEvent> {
  summary: string;
  description: string;
  example: ServerEventData<E>;
}

const CHAT_ID = '6f1c2a9e-6c1b-4d0e-9a43-2f3a1c5d7e90';
const MESSAGE_ID = '9b2e4c1a-7d3f-4a8e-b1c2-3d4e5f6a7b8c';
const SENDER_ID = '2d7a9c3e-1b4f-4e6d-8a0c-5f3e2d1c0b9a';
const OTHER_ID = '8e01b2c3-d4e5-4f60-8a7b-9c0d1e2f3a4b';
const MEDIA_ID = 'c3d4e5f6-a7b8-4c9d-8e0f-1a2b3c4d5e6f';
const AT = '2025-01-31T12:00:00.123Z';

export const CLIENT_EVENT_DOCS: { [E in ClientEvent]: ClientEventDoc<E> } = {
  auth: {
    summary: 'Authenticate when the upgrade carried no `?token=`',
    description:
      'Must be the first frame within 10 s. A bad or expired token closes the socket with 4001; ' +
      'when the auth-service cannot be asked it closes with 1013 (keep the token, reconnect). ' +
      'Sent again on an authenticated socket it is error 4000.',
    replies: ['ack'],
    example: { token: 'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.e30.signature' },
  },
  'message.send': {
    summary: 'Send a message',
    description:
      '`client_msg_id` makes the send idempotent: sending it again answers the first message ' +
      'with `duplicate: true`. A media message names an upload of the sender of the same type. ' +
      'Errors: 4003 (not a member, admin-only group, blocked), 4029 (more than 30 sends in 10 s), ' +
      '4000 (invalid), 5003 (retry with the same `client_msg_id`).',
    replies: ['message.sent'],
    example: {
      chat_id: CHAT_ID,
      client_msg_id: '0b9d2c8e-3c52-4f0b-8d0c-1f6a1d1f2b11',
      type: 'text',
      payload: { body: 'Hello!' },
    },
  },
  'message.delivered': {
    summary: 'Acknowledge delivery of messages',
    description:
      'Answered once the acknowledgement is stored; the senders get `message.status` ' +
      '(`delivered`), and the messages are no longer replayed on connect.',
    replies: ['ack'],
    example: { message_ids: [MESSAGE_ID] },
  },
  'message.read': {
    summary: 'Mark a chat read up to and including a message',
    description: 'The senders get `message.status` (`read`) unless the reader hides read receipts.',
    replies: ['ack'],
    example: { chat_id: CHAT_ID, up_to_message_id: MESSAGE_ID },
  },
  'message.delete': {
    summary: 'Delete a message for me or for everyone',
    description: 'For everyone (sender only), every recipient gets `message.deleted`.',
    replies: ['ack'],
    example: { message_id: MESSAGE_ID, for: 'everyone' },
  },
  'typing.start': {
    summary: 'Start typing in a chat',
    description:
      'Members only (else 4003). The other members get `typing`; the indicator lapses after 5 s, ' +
      'so send it again every few seconds while typing.',
    replies: ['ack'],
    example: { chat_id: CHAT_ID },
  },
  'typing.stop': {
    summary: 'Stop typing in a chat',
    description: 'The other members get `typing` with `is_typing: false`.',
    replies: ['ack'],
    example: { chat_id: CHAT_ID },
  },
  'presence.subscribe': {
    summary: "Follow users' presence",
    description:
      'Answered with one `presence` frame per visible user (same `req_id`), then `ack`; later ' +
      'changes arrive as `presence` frames for an hour. Users who blocked the subscriber or hide ' +
      'their last seen from them are left out silently.',
    replies: ['presence', 'ack'],
    example: { user_ids: [SENDER_ID, OTHER_ID] },
  },
  ping: {
    summary: 'Heartbeat',
    description: 'Send one every 25 s; `data` may be left out.',
    replies: ['pong'],
    example: {},
  },
};

export const SERVER_EVENT_DOCS: { [E in ServerEvent]: ServerEventDoc<E> } = {
  'message.new': {
    summary: 'A message for this user',
    description:
      'Live, or replayed on connect while no device of the user acknowledged it with ' +
      '`message.delivered` (so it may come twice, with the same `message_id`).',
    example: {
      message_id: MESSAGE_ID,
      chat_id: CHAT_ID,
      sender_id: SENDER_ID,
      type: 'image',
      payload: {
        media_id: MEDIA_ID,
        caption: 'Look',
        mime_type: 'image/jpeg',
        size_bytes: 245_000,
        width: 1920,
        height: 1080,
      },
      timestamp: AT,
    },
  },
  'message.sent': {
    summary: 'The answer to `message.send`',
    description: '`duplicate` is true when the `client_msg_id` had already been sent.',
    example: {
      message_id: MESSAGE_ID,
      client_msg_id: '0b9d2c8e-3c52-4f0b-8d0c-1f6a1d1f2b11',
      timestamp: AT,
      duplicate: false,
    },
  },
  'message.status': {
    summary: "A recipient's status of the user's message changed",
    description: '`user_id` is the recipient; `read` means read up to and including this message.',
    example: {
      message_id: MESSAGE_ID,
      chat_id: CHAT_ID,
      user_id: OTHER_ID,
      status: 'delivered',
      timestamp: AT,
    },
  },
  'message.deleted': {
    summary: 'A message was deleted for everyone',
    description: 'Sent to the recipients of the message.',
    example: { message_id: MESSAGE_ID, chat_id: CHAT_ID },
  },
  typing: {
    summary: 'Another member started or stopped typing',
    description: 'Hide an indicator that was not refreshed for 5 s.',
    example: { chat_id: CHAT_ID, user_id: SENDER_ID, is_typing: true },
  },
  presence: {
    summary: "A followed user's presence",
    description: '`last_seen` is null while online or when never recorded.',
    example: { user_id: OTHER_ID, online: false, last_seen: '2025-01-31T11:58:00.000Z' },
  },
  'chat.created': {
    summary: 'The user is in a new chat',
    description: '`name` is empty for a direct chat.',
    example: {
      chat_id: CHAT_ID,
      type: 'group',
      name: 'Weekend',
      participants: [
        { user_id: SENDER_ID, role: 'admin' },
        { user_id: OTHER_ID, role: 'member' },
      ],
    },
  },
  'chat.updated': {
    summary: 'A chat changed',
    description:
      '`changes` holds only what changed: `name`, `description`, `avatar_url`, `is_admin_only`, `role`.',
    example: { chat_id: CHAT_ID, changes: { name: 'Long weekend' } },
  },
  'group.member.added': {
    summary: 'Someone joined a group',
    description: 'Sent to the members, the new one included.',
    example: { chat_id: CHAT_ID, user_id: OTHER_ID, added_by: SENDER_ID, display_name: 'Ada' },
  },
  'group.member.removed': {
    summary: 'Someone left or was removed from a group',
    description:
      'Sent to the remaining members and the removed one; `removed_by` equals `user_id` when they left.',
    example: { chat_id: CHAT_ID, user_id: OTHER_ID, removed_by: SENDER_ID },
  },
  pong: {
    summary: 'The answer to `ping`',
    description: 'Carries the `req_id` of the ping.',
    example: {},
  },
  ack: {
    summary: 'A frame succeeded and has nothing else to say',
    description:
      'Answers `auth` and, when they carry a `req_id`, `message.delivered`, `message.read`, ' +
      '`message.delete`, typing and subscriptions: sent without `req_id` those are fire-and-forget ' +
      '(a failure is still answered by `error`).',
    example: {},
  },
  error: {
    summary: 'A frame failed; the socket stays open',
    description: '`code` is one of the WebSocket error codes; `req_id` echoes the failed frame.',
    example: { code: 4003, message: 'Not a member of this chat' },
  },
};

/** The meaning of each `error` frame code (PRD §7.6, addenda F), by the shared error code. */
export const WS_ERROR_MEANINGS: Record<ErrorCode, string> = {
  VALIDATION_ERROR:
    'Invalid frame: not JSON, not `{event, data, req_id}`, unknown event, missing or malformed fields',
  UNAUTHORIZED: 'Authentication failed (also the close code)',
  FORBIDDEN: 'Forbidden: not a member, admin-only group, blocked',
  NOT_FOUND: 'Not found',
  CONFLICT: 'Conflict',
  PAYLOAD_TOO_LARGE: 'Frame too large (it was not parsed)',
  UNSUPPORTED_MEDIA_TYPE: 'Binary frame (only JSON text frames are accepted)',
  RATE_LIMITED: 'Rate limited (30 `message.send` per 10 s per user)',
  INTERNAL_ERROR: 'Internal error',
  SERVICE_UNAVAILABLE: 'A backend service is unavailable; retry',
};

export interface CloseCodeDoc {
  when: string;
  clientShould: string;
}

/** When the server closes with each code, and what a client should do then. */
export const WS_CLOSE_DOCS: Record<keyof typeof WS_CLOSE, CloseCodeDoc> = {
  GOING_AWAY: {
    when: 'The instance is shutting down',
    clientShould: 'Reconnect at once (another instance takes it)',
  },
  POLICY_VIOLATION: {
    when: 'Reserved for a client that keeps sending more than it may (not sent today)',
    clientShould: 'Fix the client; reconnect',
  },
  MESSAGE_TOO_BIG: {
    when: 'A frame over the largest payload (1 MiB + 64 KiB)',
    clientShould: 'Fix the client; reconnect',
  },
  TRY_AGAIN_LATER: {
    when: 'The client read too slowly, or the auth-service could not be asked to check the token',
    clientShould: 'Keep the token; reconnect with backoff; the backlog is replayed',
  },
  AUTH_FAILED: {
    when: 'Missing, invalid or expired token, or no `auth` frame within 10 s',
    clientShould: 'Refresh the token, then reconnect',
  },
};

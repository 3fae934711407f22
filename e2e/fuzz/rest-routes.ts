import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { badPathSegment } from './strings.ts';
import type { JsonObject } from './values.ts';
import type { FuzzWorld, SnapshotKind } from './world.ts';

/**
 * Every `/api/v1` route of every service behind the gateway (api-gateway/src/model/routes.ts and
 * each service's src/handler/http-routes.ts), with a valid body to spoil, the query keys it
 * knows and the records it could change. A test fails when a route is added and not listed here.
 */
export interface FuzzRoute {
  /** `METHOD /path/:param` as the service registers it. */
  name: string;
  /** Valid values for each `:param`, drawn half the time; bad segments otherwise. */
  params?: (world: FuzzWorld) => Record<string, string[]>;
  body?: (world: FuzzWorld) => JsonObject;
  query?: readonly string[];
  /** Read before and after a rejected input: it must be unchanged. */
  changes: SnapshotKind;
  /** Called without a token (the public auth routes). */
  anonymous?: true;
  /** Statuses besides 2xx and 4xx this route may answer. */
  alsoAllowed?: readonly number[];
  /** What a 2xx answer must say about the request (`path` as sent); a problem, or undefined. */
  accepted?: (data: unknown, path: string) => string | undefined;
}

const directChat = (w: FuzzWorld) => ({ id: [w.directChatId, w.groupChatId] });
const chatOfMessages = (w: FuzzWorld) => ({ chatId: [w.directChatId, w.groupChatId] });
const message = (w: FuzzWorld) => ({ messageId: w.messageIds });
const otherUser = (w: FuzzWorld) => ({ id: [w.friend.id, w.stranger.id] });
/** One client_msg_id for every send into either chat: a reuse across chats must not pass. */
const textMessage = (): JsonObject => ({
  client_msg_id: 'fuzz-reused-id',
  type: 'text',
  payload: { body: 'hello' },
});

export const FUZZ_ROUTES: readonly FuzzRoute[] = [
  // auth-service
  {
    name: 'POST /api/v1/auth/request-otp',
    anonymous: true,
    changes: 'none',
    body: () => ({ phone: '+14155550100' }),
  },
  {
    name: 'POST /api/v1/auth/verify-otp',
    anonymous: true,
    changes: 'none',
    body: () => ({ phone: '+14155550100', otp: '123456' }),
  },
  {
    name: 'POST /api/v1/auth/refresh',
    anonymous: true,
    changes: 'none',
    body: () => ({ refresh_token: 'x' }),
  },
  { name: 'POST /api/v1/auth/logout', changes: 'profile', body: () => ({ refresh_token: 'x' }) },
  // user-service
  { name: 'GET /api/v1/users/me', changes: 'none', query: [] },
  {
    name: 'PATCH /api/v1/users/me',
    changes: 'profile',
    query: [],
    body: () => ({
      display_name: 'Fuzz',
      status_text: 'fuzzing',
      avatar_url: 'https://cdn.example.com/a.jpg',
    }),
  },
  { name: 'GET /api/v1/users/:id', params: otherUser, changes: 'none', query: [] },
  { name: 'GET /api/v1/users/me/privacy', changes: 'none', query: [] },
  {
    name: 'PUT /api/v1/users/me/privacy',
    changes: 'profile',
    query: [],
    body: () => ({
      last_seen: 'everyone',
      profile_photo: 'contacts',
      about: 'nobody',
      read_receipts: true,
    }),
  },
  {
    name: 'POST /api/v1/users/contacts/sync',
    changes: 'profile',
    query: [],
    body: (w) => ({ phone_numbers: [w.friend.phone, '+14155550101'], country_code: '+1' }),
  },
  {
    name: 'POST /api/v1/users/:id/block',
    params: (w) => ({ id: [w.stranger.id] }),
    changes: 'profile',
    query: [],
  },
  {
    name: 'DELETE /api/v1/users/:id/block',
    params: (w) => ({ id: [w.stranger.id] }),
    changes: 'profile',
    query: [],
  },
  { name: 'GET /api/v1/users/:id/presence', params: otherUser, changes: 'none', query: [] },
  {
    name: 'PUT /api/v1/users/me/fcm-token',
    changes: 'profile',
    query: [],
    body: () => ({ token: 'fcm-token', platform: 'ios' }),
  },
  {
    name: 'DELETE /api/v1/users/me/fcm-token',
    changes: 'profile',
    query: [],
    body: () => ({ token: 'fcm-token' }),
  },
  // chat-service
  {
    name: 'POST /api/v1/chats',
    changes: 'chats',
    body: (w) => ({
      type: 'group',
      name: 'Fuzz group',
      participant_ids: [w.friend.id, w.member.id],
    }),
  },
  { name: 'GET /api/v1/chats', changes: 'none', query: ['cursor', 'limit'] },
  { name: 'GET /api/v1/chats/:id', params: directChat, changes: 'none' },
  {
    name: 'PATCH /api/v1/chats/:id',
    params: (w) => ({ id: [w.groupChatId] }),
    changes: 'chats',
    body: () => ({ name: 'Renamed', description: 'd', avatar_url: '', is_admin_only: false }),
  },
  {
    name: 'PATCH /api/v1/chats/:id/mute',
    params: directChat,
    changes: 'chats',
    body: () => ({ is_muted: true, mute_until: '2030-01-01T00:00:00.000Z' }),
  },
  {
    name: 'POST /api/v1/chats/:id/participants',
    params: (w) => ({ id: [w.groupChatId] }),
    changes: 'chats',
    body: (w) => ({ user_ids: [w.stranger.id] }),
  },
  {
    name: 'DELETE /api/v1/chats/:id/participants/:userId',
    params: (w) => ({ id: [w.groupChatId], userId: [w.stranger.id] }),
    changes: 'chats',
  },
  {
    name: 'PATCH /api/v1/chats/:id/participants/:userId/role',
    params: (w) => ({ id: [w.groupChatId], userId: [w.member.id] }),
    changes: 'chats',
    body: () => ({ role: 'member' }),
  },
  // message-service
  {
    name: 'GET /api/v1/chats/:chatId/messages',
    params: chatOfMessages,
    changes: 'none',
    query: ['cursor', 'limit'],
  },
  {
    name: 'GET /api/v1/chats/:chatId/messages/search',
    params: chatOfMessages,
    changes: 'none',
    query: ['q', 'limit'],
  },
  {
    name: 'POST /api/v1/chats/:chatId/messages',
    params: chatOfMessages,
    changes: 'messages',
    body: textMessage,
    accepted: (data, path) => {
      const chatId = (data as { message: { chat_id: string } }).message.chat_id;
      return path.startsWith(`/api/v1/chats/${chatId}/`)
        ? undefined
        : `a message of chat ${chatId}`;
    },
  },
  {
    name: 'POST /api/v1/chats/:chatId/messages/read',
    params: chatOfMessages,
    changes: 'messages',
    body: (w) => ({ up_to_message_id: w.messageIds[1] }),
  },
  { name: 'GET /api/v1/messages/starred', changes: 'none', query: ['cursor', 'limit'] },
  {
    name: 'DELETE /api/v1/messages/:messageId',
    params: (w) => ({ messageId: w.deletableIds }),
    changes: 'messages',
    query: ['for'],
  },
  {
    name: 'POST /api/v1/messages/:messageId/forward',
    params: message,
    changes: 'messages',
    body: (w) => ({ target_chat_ids: [w.groupChatId] }),
  },
  { name: 'POST /api/v1/messages/:messageId/star', params: message, changes: 'messages' },
  { name: 'DELETE /api/v1/messages/:messageId/star', params: message, changes: 'messages' },
  // media-service: a JSON or malformed body to the upload route is 400 (uploads are multipart).
  { name: 'POST /api/v1/media/upload', changes: 'none', body: () => ({ type: 'image' }) },
  { name: 'GET /api/v1/media/:id', changes: 'none' },
  { name: 'GET /api/v1/media/:id/download', changes: 'none' },
];

/** Any of `values` evenly (constantFrom favours the first, and both chats must get sends). */
const oneOf = (values: string[]) =>
  fc.integer({ min: 0, max: values.length - 1 }).map((index) => values[index]);

/** `/api/v1/chats/:id` with each `:param` replaced by a drawn segment. */
export const pathArbitrary = (route: FuzzRoute, world: FuzzWorld): fc.Arbitrary<string> => {
  const template = route.name.split(' ')[1];
  const valid = route.params?.(world) ?? {};
  const names = [...template.matchAll(/:(\w+)/g)].map((match) => match[1]);
  if (names.length === 0) return fc.constant(template);
  return fc
    .tuple(
      ...names.map((name) =>
        fc.oneof(
          { arbitrary: oneOf(valid[name] ?? [randomUUID()]), weight: 1 },
          { arbitrary: badPathSegment, weight: 1 },
        ),
      ),
    )
    .map((segments) =>
      names.reduce((path, name, index) => path.replace(`:${name}`, segments[index]), template),
    );
};

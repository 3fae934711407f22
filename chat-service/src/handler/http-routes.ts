import {
  Envelope,
  NoQuery,
  ok,
  requireCaller,
  type AppInstance,
  type CallerRequest,
} from '@wa/pkg/http';
import {
  AddParticipantsBody,
  ChatDetail,
  ChatList,
  ChatParams,
  CreateChatBody,
  ListChatsQuery,
  MemberRemoved,
  MembersAdded,
  MuteBody,
  MuteState,
  ParticipantParams,
  RoleBody,
  RoleChanged,
  UpdateChatBody,
} from '../model/schemas.ts';
import type { ChatService } from '../service/chat-service.ts';
import type { MembershipService } from '../service/membership-service.ts';

/** The gateway's X-User-Id, read and lower-cased by the pkg caller hook. */
const callerOf = (request: CallerRequest): string => requireCaller(request).userId;

/** PRD §6.3. Handlers only translate HTTP to service calls. */
export function registerChatRoutes(
  app: AppInstance,
  chats: ChatService,
  membership: MembershipService,
): void {
  app.post(
    '/api/v1/chats',
    {
      schema: {
        summary: 'Create a direct or group chat',
        description:
          'A group takes the creator plus 2 to 255 others. 201 for a new chat; 200 with the existing chat when a direct chat with that user already exists.',
        querystring: NoQuery,
        body: CreateChatBody,
        response: { 200: Envelope(ChatDetail), 201: Envelope(ChatDetail) },
      },
    },
    async (request, reply) => {
      const { created, chat } = await chats.create(callerOf(request), request.body);
      return reply.code(created ? 201 : 200).send(ok(request.id, chat));
    },
  );

  app.get(
    '/api/v1/chats',
    {
      schema: {
        summary: 'List my chats with their unread counts',
        querystring: ListChatsQuery,
        response: { 200: Envelope(ChatList) },
      },
    },
    async (request) => ok(request.id, await chats.list(callerOf(request), request.query)),
  );

  app.get(
    '/api/v1/chats/:id',
    {
      schema: {
        summary: 'Get a chat with its participants',
        errors: { NOT_FOUND: 'No such chat, or the caller is not a member of it' },
        querystring: NoQuery,
        params: ChatParams,
        response: { 200: Envelope(ChatDetail) },
      },
    },
    async (request) => ok(request.id, await chats.get(request.params.id, callerOf(request))),
  );

  app.patch(
    '/api/v1/chats/:id',
    {
      schema: {
        summary: 'Update a group (admins)',
        errors: {
          FORBIDDEN: 'Only group admins change a group',
          NOT_FOUND: 'No such chat, or the caller is not a member of it',
          CONFLICT: 'A direct chat cannot be changed',
        },
        querystring: NoQuery,
        params: ChatParams,
        body: UpdateChatBody,
        response: { 200: Envelope(ChatDetail) },
      },
    },
    async (request) =>
      ok(request.id, await chats.update(request.params.id, callerOf(request), request.body)),
  );

  app.patch(
    '/api/v1/chats/:id/mute',
    {
      schema: {
        summary: 'Mute or unmute a chat for me',
        errors: { NOT_FOUND: 'No such chat, or the caller is not a member of it' },
        querystring: NoQuery,
        params: ChatParams,
        body: MuteBody,
        response: { 200: Envelope(MuteState) },
      },
    },
    async (request) =>
      ok(request.id, await chats.mute(request.params.id, callerOf(request), request.body)),
  );

  app.post(
    '/api/v1/chats/:id/participants',
    {
      schema: {
        summary: 'Add members to a group (admins)',
        errors: {
          FORBIDDEN: 'Only group admins add members',
          NOT_FOUND: 'No such chat, or the caller is not a member of it',
          CONFLICT: 'A direct chat, or the group would pass 256 members',
        },
        querystring: NoQuery,
        params: ChatParams,
        body: AddParticipantsBody,
        response: { 200: Envelope(MembersAdded) },
      },
    },
    async (request) =>
      ok(
        request.id,
        await membership.add(request.params.id, callerOf(request), request.body.user_ids),
      ),
  );

  app.delete(
    '/api/v1/chats/:id/participants/:userId',
    {
      schema: {
        summary: 'Remove a member, or leave a group',
        errors: {
          FORBIDDEN: 'Only group admins remove others (anyone may remove themselves)',
          NOT_FOUND: 'No such chat for the caller, or the user is not a member',
          CONFLICT: 'A direct chat, or the last admin leaving',
        },
        querystring: NoQuery,
        params: ParticipantParams,
        response: { 200: Envelope(MemberRemoved) },
      },
    },
    async (request) =>
      ok(
        request.id,
        await membership.remove(request.params.id, callerOf(request), request.params.userId),
      ),
  );

  app.patch(
    '/api/v1/chats/:id/participants/:userId/role',
    {
      schema: {
        summary: "Change a member's role (admins)",
        errors: {
          FORBIDDEN: 'Only group admins change roles',
          NOT_FOUND: 'No such chat for the caller, or the user is not a member',
          CONFLICT: 'A direct chat, or the last admin demoted',
        },
        querystring: NoQuery,
        params: ParticipantParams,
        body: RoleBody,
        response: { 200: Envelope(RoleChanged) },
      },
    },
    async (request) =>
      ok(
        request.id,
        await membership.setRole(
          request.params.id,
          callerOf(request),
          request.params.userId,
          request.body.role,
        ),
      ),
  );
}

import {
  Envelope,
  NoQuery,
  ok,
  requireCaller,
  type AppInstance,
  type CallerRequest,
} from '@wa/pkg/http';
import {
  ChatParams,
  DeleteQuery,
  Deleted,
  ForwardBody,
  Forwarded,
  HistoryQuery,
  MessageList,
  MessagePage,
  MessageParams,
  ReadBody,
  ReadResult,
  SearchQuery,
  SendBody,
  Sent,
  Starred,
} from '../model/schemas.ts';
import type { HistoryService } from '../service/history-service.ts';
import { toApiMessage } from '../service/message-views.ts';
import type { ReceiptService } from '../service/receipt-service.ts';
import type { SendService } from '../service/send-service.ts';

/** The gateway's X-User-Id, read and lower-cased by the pkg caller hook. */
const callerOf = (request: CallerRequest): string => requireCaller(request).userId;

export interface MessageRouteDeps {
  send: SendService;
  history: HistoryService;
  receipts: ReceiptService;
}

/** PRD §6.4 and addenda E. Handlers only translate HTTP to service calls. */
export function registerMessageRoutes(
  app: AppInstance,
  { send, history, receipts }: MessageRouteDeps,
) {
  app.get(
    '/api/v1/chats/:chatId/messages',
    {
      schema: {
        summary: "A chat's message history, a page at a time",
        errors: { FORBIDDEN: 'The caller is not a member of the chat' },
        params: ChatParams,
        querystring: HistoryQuery,
        response: { 200: Envelope(MessagePage) },
      },
    },
    async (request) =>
      ok(
        request.id,
        await history.history(request.params.chatId, callerOf(request), request.query),
      ),
  );

  app.get(
    '/api/v1/chats/:chatId/messages/search',
    {
      schema: {
        summary: "Search a chat's text messages",
        errors: { FORBIDDEN: 'The caller is not a member of the chat' },
        params: ChatParams,
        querystring: SearchQuery,
        response: { 200: Envelope(MessageList) },
      },
    },
    async (request) =>
      ok(
        request.id,
        await history.search(
          request.params.chatId,
          callerOf(request),
          request.query.q,
          request.query.limit,
        ),
      ),
  );

  app.post(
    '/api/v1/chats/:chatId/messages',
    {
      schema: {
        summary: 'Send a message',
        description:
          'The REST fallback of the WebSocket `message.send`. 201 for a new message; 200 with `duplicate: true` when this `client_msg_id` was already sent (nothing is stored or delivered twice).',
        errors: {
          FORBIDDEN: 'Not a member, an admin-only group, or blocked in a direct chat',
          CONFLICT: 'This `client_msg_id` was already used in another chat',
        },
        querystring: NoQuery,
        params: ChatParams,
        body: SendBody,
        response: { 200: Envelope(Sent), 201: Envelope(Sent) },
      },
    },
    async (request, reply) => {
      const caller = callerOf(request);
      const { message, duplicate } = await send.send({
        chatId: request.params.chatId,
        senderId: caller,
        type: request.body.type,
        payload: request.body.payload,
        clientMsgId: request.body.client_msg_id,
        replyToMessageId: request.body.reply_to_message_id,
      });
      return reply
        .code(duplicate ? 200 : 201)
        .send(ok(request.id, { message: toApiMessage(message, caller), duplicate }));
    },
  );

  app.post(
    '/api/v1/chats/:chatId/messages/read',
    {
      schema: {
        summary: 'Mark a chat read up to a message',
        errors: {
          FORBIDDEN: 'The caller is not a member of the chat',
          NOT_FOUND: 'No such message in this chat',
        },
        querystring: NoQuery,
        params: ChatParams,
        body: ReadBody,
        response: { 200: Envelope(ReadResult) },
      },
    },
    async (request) =>
      ok(
        request.id,
        await receipts.markRead(
          request.params.chatId,
          callerOf(request),
          request.body.up_to_message_id,
        ),
      ),
  );

  app.get(
    '/api/v1/messages/starred',
    {
      schema: {
        summary: 'List my starred messages',
        querystring: HistoryQuery,
        response: { 200: Envelope(MessagePage) },
      },
    },
    async (request) => ok(request.id, await history.starred(callerOf(request), request.query)),
  );

  app.delete(
    '/api/v1/messages/:messageId',
    {
      schema: {
        summary: 'Delete a message for me or for everyone',
        errors: {
          FORBIDDEN: 'Only the sender deletes for everyone, and never a group notice',
          NOT_FOUND: 'No such message in a chat of the caller',
        },
        params: MessageParams,
        querystring: DeleteQuery,
        response: { 200: Envelope(Deleted) },
      },
    },
    async (request) =>
      ok(
        request.id,
        await history.delete(
          request.params.messageId,
          callerOf(request),
          request.query.for === 'everyone',
        ),
      ),
  );

  app.post(
    '/api/v1/messages/:messageId/forward',
    {
      schema: {
        summary: 'Forward a message to other chats',
        errors: {
          FORBIDDEN: 'The caller cannot send to a target chat',
          NOT_FOUND: 'No such message in a chat of the caller',
        },
        querystring: NoQuery,
        params: MessageParams,
        body: ForwardBody,
        response: { 201: Envelope(Forwarded) },
      },
    },
    async (request, reply) => {
      const copies = await send.forward(
        request.params.messageId,
        callerOf(request),
        request.body.target_chat_ids,
      );
      return reply.code(201).send(ok(request.id, { forwarded_messages: copies }));
    },
  );

  app.post(
    '/api/v1/messages/:messageId/star',
    {
      schema: {
        summary: 'Star a message',
        errors: { NOT_FOUND: 'No such message in a chat of the caller' },
        querystring: NoQuery,
        params: MessageParams,
        response: { 200: Envelope(Starred) },
      },
    },
    async (request) =>
      ok(request.id, await history.star(request.params.messageId, callerOf(request), true)),
  );

  app.delete(
    '/api/v1/messages/:messageId/star',
    {
      schema: {
        summary: 'Unstar a message',
        errors: { NOT_FOUND: 'No such message in a chat of the caller' },
        querystring: NoQuery,
        params: MessageParams,
        response: { 200: Envelope(Starred) },
      },
    },
    async (request) =>
      ok(request.id, await history.star(request.params.messageId, callerOf(request), false)),
  );
}

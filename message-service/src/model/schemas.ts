import { Type, type Static, type TSchema } from 'typebox';
import { Uuid } from '@wa/pkg/http';
import { LIMITS } from './message.ts';

const Nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()]);
const Status = Type.Enum(['sent', 'delivered', 'read']);
const ClientType = Type.Enum(['text', 'image', 'video', 'audio', 'document']);

// ── Requests ────────────────────────────────────────────────────────────────────────────────

export const ChatParams = Type.Object({ chatId: Uuid() });
export const MessageParams = Type.Object({ messageId: Uuid() });

const Cursor = Type.String({ minLength: 1, maxLength: 200, pattern: '^[A-Za-z0-9_-]+$' });

export const HistoryQuery = Type.Object(
  {
    cursor: Type.Optional(Cursor),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: LIMITS.historyMax })),
  },
  { additionalProperties: false },
);
export type HistoryQuery = Static<typeof HistoryQuery>;

export const SearchQuery = Type.Object(
  {
    q: Type.String({ minLength: 1, maxLength: LIMITS.searchQueryMax }),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: LIMITS.searchMax })),
  },
  { additionalProperties: false },
);

/** PRD §6.4; the payload's fields are checked per type by the service (each gets its own message). */
export const SendBody = Type.Object(
  {
    client_msg_id: Type.String({ minLength: 1, maxLength: LIMITS.clientMsgIdMax }),
    type: ClientType,
    payload: Type.Object(
      {},
      {
        additionalProperties: true,
        description:
          '`{ body }` for text; `{ media_id, caption?, filename?, duration_ms? }` for media, where `media_id` is an upload of the sender of the same type.',
      },
    ),
    reply_to_message_id: Type.Optional(Nullable(Uuid())),
  },
  {
    additionalProperties: false,
    examples: [
      {
        client_msg_id: '0b9d2c8e-3c52-4f0b-8d0c-1f6a1d1f2b11',
        type: 'text',
        payload: { body: 'Hello!' },
      },
    ],
  },
);

export const DeleteQuery = Type.Object(
  { for: Type.Optional(Type.Enum(['me', 'everyone'])) },
  { additionalProperties: false },
);

export const ForwardBody = Type.Object(
  {
    target_chat_ids: Type.Array(Uuid(), {
      minItems: 1,
      maxItems: LIMITS.forwardTargetsMax,
      uniqueItems: true,
    }),
  },
  { additionalProperties: false },
);

export const ReadBody = Type.Object({ up_to_message_id: Uuid() }, { additionalProperties: false });

// ── Responses ───────────────────────────────────────────────────────────────────────────────

/** A stored payload: the client's fields and, on media, the upload's metadata (addenda I). */
const Payload = Type.Object({
  body: Type.Optional(Type.String()),
  media_id: Type.Optional(Type.String()),
  caption: Type.Optional(Type.String()),
  filename: Type.Optional(Type.String()),
  duration_ms: Type.Optional(Type.Integer({ minimum: 0 })),
  mime_type: Type.Optional(Type.String()),
  size_bytes: Type.Optional(Type.Integer({ minimum: 0 })),
  width: Type.Optional(Type.Integer({ minimum: 1 })),
  height: Type.Optional(Type.Integer({ minimum: 1 })),
});

export const Message = Type.Object({
  message_id: Type.String(),
  chat_id: Type.String(),
  sender_id: Type.String(),
  client_msg_id: Type.Optional(Type.String()),
  type: Type.String(),
  payload: Payload,
  reply_to_message_id: Nullable(Type.String()),
  forwarded: Type.Boolean(),
  forwarded_from: Nullable(Type.Object({ chat_id: Type.String(), message_id: Type.String() })),
  status: Status,
  is_deleted: Type.Boolean(),
  is_starred: Type.Boolean(),
  created_at: Type.String(),
});

export const MessagePage = Type.Object({
  messages: Type.Array(Message),
  next_cursor: Nullable(Type.String()),
  has_more: Type.Boolean(),
});

export const MessageList = Type.Object({ messages: Type.Array(Message) });

export const Sent = Type.Object({
  message: Message,
  duplicate: Type.Boolean(),
});

export const Deleted = Type.Object({
  message_id: Type.String(),
  deleted_for: Type.Enum(['me', 'everyone']),
});

export const Forwarded = Type.Object({
  forwarded_messages: Type.Array(
    Type.Object({ chat_id: Type.String(), message_id: Type.String() }),
  ),
});

export const Starred = Type.Object({ message_id: Type.String(), starred: Type.Boolean() });

export const ReadResult = Type.Object({ updated: Type.Integer() });

import { Type, type Static, type TSchema } from 'typebox';
import { Compile, type Validator } from 'typebox/compile';
import { ERROR_CODES, type ErrorCode } from '../errors/index.ts';
import { MessagePayload, MessageType, SentMessagePayload } from '../bus/events.ts';
import {
  UNACCEPTABLE_TEXT_MESSAGE,
  findUnacceptableText,
  isAcceptableText,
  jsonMayHoldUnacceptableText,
} from '../text/index.ts';
import { Uuid as uuidSchema, lowerCaseUuids } from '../uuid/index.ts';

/*
 * The WebSocket wire protocol (PRD §7 with contract addenda F), one schema per client event and
 * one typed map of server events. docs/websocket-protocol.md shows an example of every frame.
 */

const Uuid = uuidSchema();
const IsoTimestamp = Type.String({ format: 'date-time' });

/** Largest text body a `message.send` may carry, in characters. */
export const MAX_TEXT_LENGTH = 65_536;

/** The `data` of each client event. */
export const CLIENT_EVENT_SCHEMAS = {
  auth: Type.Object({ token: Type.String({ minLength: 1, maxLength: 4_096 }) }),
  'message.send': Type.Object({
    chat_id: Uuid,
    client_msg_id: Type.String({ minLength: 1, maxLength: 128 }),
    type: MessageType,
    payload: SentMessagePayload,
    reply_to_message_id: Type.Optional(Uuid),
  }),
  'message.delivered': Type.Object({
    message_ids: Type.Array(Uuid, { minItems: 1, maxItems: 500 }),
  }),
  'message.read': Type.Object({ chat_id: Uuid, up_to_message_id: Uuid }),
  'message.delete': Type.Object({
    message_id: Uuid,
    for: Type.Union([Type.Literal('me'), Type.Literal('everyone')]),
  }),
  'typing.start': Type.Object({ chat_id: Uuid }),
  'typing.stop': Type.Object({ chat_id: Uuid }),
  'presence.subscribe': Type.Object({
    user_ids: Type.Array(Uuid, { minItems: 1, maxItems: 500 }),
  }),
  ping: Type.Object({}),
} as const;

export type ClientEvent = keyof typeof CLIENT_EVENT_SCHEMAS;
export type ClientEventData<E extends ClientEvent> = Static<(typeof CLIENT_EVENT_SCHEMAS)[E]>;

/** A validated client frame, discriminated by event so a `switch` narrows `data`. */
export type ClientFrame = {
  [E in ClientEvent]: { event: E; data: ClientEventData<E>; req_id: string | undefined };
}[ClientEvent];

/** What every client frame is: an event name, its data and an optional request id. */
export const ClientEnvelope = Type.Object({
  event: Type.String({ minLength: 1, maxLength: 64 }),
  data: Type.Optional(Type.Unknown()),
  req_id: Type.Optional(Type.String({ minLength: 1, maxLength: 128 })),
});

const StoredMessageData = {
  message_id: Uuid,
  chat_id: Uuid,
  sender_id: Uuid,
  type: MessageType,
  payload: MessagePayload,
  timestamp: IsoTimestamp,
  reply_to_message_id: Type.Optional(Uuid),
  forwarded: Type.Optional(Type.Boolean()),
};

/** The `data` of each server event. */
export const SERVER_EVENT_SCHEMAS = {
  'message.new': Type.Object(StoredMessageData),
  'message.sent': Type.Object({
    message_id: Uuid,
    client_msg_id: Type.String(),
    timestamp: IsoTimestamp,
    duplicate: Type.Boolean(),
  }),
  'message.status': Type.Object({
    message_id: Uuid,
    chat_id: Uuid,
    user_id: Uuid,
    status: Type.Union([Type.Literal('delivered'), Type.Literal('read')]),
    timestamp: IsoTimestamp,
  }),
  'message.deleted': Type.Object({ message_id: Uuid, chat_id: Uuid }),
  typing: Type.Object({ chat_id: Uuid, user_id: Uuid, is_typing: Type.Boolean() }),
  presence: Type.Object({
    user_id: Uuid,
    online: Type.Boolean(),
    last_seen: Type.Union([IsoTimestamp, Type.Null()]),
  }),
  'chat.created': Type.Object({
    chat_id: Uuid,
    type: Type.Union([Type.Literal('direct'), Type.Literal('group')]),
    name: Type.String(),
    participants: Type.Array(Type.Object({ user_id: Uuid, role: Type.String() })),
  }),
  'chat.updated': Type.Object({
    chat_id: Uuid,
    changes: Type.Record(Type.String(), Type.Unknown()),
  }),
  'group.member.added': Type.Object({
    chat_id: Uuid,
    user_id: Uuid,
    added_by: Uuid,
    display_name: Type.String(),
  }),
  'group.member.removed': Type.Object({ chat_id: Uuid, user_id: Uuid, removed_by: Uuid }),
  pong: Type.Object({}),
  /** Answers a successful frame that has nothing else to say (delivered, read, delete, …). */
  ack: Type.Object({}),
  error: Type.Object({ code: Type.Integer(), message: Type.String() }),
} as const;

export type ServerEvent = keyof typeof SERVER_EVENT_SCHEMAS;
export type ServerEventData<E extends ServerEvent> = Static<(typeof SERVER_EVENT_SCHEMAS)[E]>;

export interface ServerFrame<E extends ServerEvent = ServerEvent> {
  event: E;
  data: ServerEventData<E>;
  req_id?: string;
  timestamp: string;
}

/** Serialises one server frame; `req_id` is echoed when the client sent one. */
export function encodeServerFrame<E extends ServerEvent>(
  event: E,
  data: ServerEventData<E>,
  reqId?: string,
  at: Date = new Date(),
): string {
  const frame: ServerFrame<E> = { event, data, timestamp: at.toISOString() };
  if (reqId !== undefined) frame.req_id = reqId;
  return JSON.stringify(frame);
}

/** The `error` frame for one of the fixed codes (PRD §7.6, addenda F). */
export function encodeErrorFrame(code: ErrorCode, message: string, reqId?: string): string {
  return encodeServerFrame('error', { code: ERROR_CODES[code].ws, message }, reqId);
}

export const isClientEvent = (event: string): event is ClientEvent =>
  Object.hasOwn(CLIENT_EVENT_SCHEMAS, event);

const compile = (schema: TSchema): Validator => Compile(schema);
const envelopeValidator = compile(ClientEnvelope);
const dataValidators = new Map<ClientEvent, Validator>(
  (Object.keys(CLIENT_EVENT_SCHEMAS) as ClientEvent[]).map((event) => [
    event,
    compile(CLIENT_EVENT_SCHEMAS[event]),
  ]),
);

const HAS_UPPER_HEX = /[A-F]/;

export type ParsedClientFrame =
  | { ok: true; frame: ClientFrame }
  | { ok: false; code: ErrorCode; message: string; req_id: string | undefined };

function reqIdOf(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const reqId = (value as { req_id?: unknown }).req_id;
  return typeof reqId === 'string' &&
    reqId.length > 0 &&
    reqId.length <= 128 &&
    isAcceptableText(reqId)
    ? reqId
    : undefined;
}

/**
 * Parses and validates one text frame: not JSON, a bad envelope, an unknown event or data that
 * does not match its event's schema give an error naming the problem (the connection stays open).
 */
export function parseClientFrame(text: string, maxBytes: number): ParsedClientFrame {
  if (Buffer.byteLength(text) > maxBytes)
    return {
      ok: false,
      code: 'PAYLOAD_TOO_LARGE',
      message: `Frame exceeds ${maxBytes} bytes`,
      req_id: undefined,
    };
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return {
      ok: false,
      code: 'VALIDATION_ERROR',
      message: 'Frame is not valid JSON',
      req_id: undefined,
    };
  }
  const reqId = reqIdOf(value);
  // Most frames hold no escape: their strings need no walk (every frame's strings are checked).
  const badText = jsonMayHoldUnacceptableText(text) ? findUnacceptableText(value) : undefined;
  if (badText !== undefined)
    return {
      ok: false,
      code: 'VALIDATION_ERROR',
      message: `Invalid frame: ${badText || 'the frame'} ${UNACCEPTABLE_TEXT_MESSAGE}`,
      req_id: reqId,
    };
  if (!envelopeValidator.Check(value))
    return {
      ok: false,
      code: 'VALIDATION_ERROR',
      message: 'Frame must be {event, data, req_id}',
      req_id: reqId,
    };
  const envelope = value as Static<typeof ClientEnvelope>;
  if (!isClientEvent(envelope.event))
    return {
      ok: false,
      code: 'VALIDATION_ERROR',
      message: `Unknown event ${envelope.event}`,
      req_id: reqId,
    };
  const data = envelope.data ?? {};
  const validator = dataValidators.get(envelope.event)!;
  if (!validator.Check(data)) {
    const problems = validator
      .Errors(data)
      .slice(0, 5)
      .map((error) => `${error.instancePath || 'data'} ${error.message}`);
    return {
      ok: false,
      code: 'VALIDATION_ERROR',
      message: `Invalid ${envelope.event}: ${problems.join('; ')}`,
      req_id: reqId,
    };
  }
  // The frame is the WebSocket edge: ids leave it lower-case, as HTTP ids leave the schemas. A
  // frame without A-F anywhere has no upper-case id to walk to.
  if (HAS_UPPER_HEX.test(text)) lowerCaseUuids(CLIENT_EVENT_SCHEMAS[envelope.event], data);
  return { ok: true, frame: { event: envelope.event, data, req_id: reqId } as ClientFrame };
}

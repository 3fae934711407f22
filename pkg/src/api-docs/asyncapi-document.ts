import { Type, type TSchema } from 'typebox';
import { ERROR_CODES, type ErrorCode } from '../errors/index.ts';
import {
  CLIENT_EVENT_DOCS,
  CLIENT_EVENT_SCHEMAS,
  ClientEnvelope,
  SERVER_EVENT_DOCS,
  SERVER_EVENT_SCHEMAS,
  WS_CLOSE,
  WS_CLOSE_DOCS,
  WS_ERROR_MEANINGS,
  type ClientEvent,
  type ServerEvent,
} from '../ws/index.ts';
import { plainSchema } from './json-schema.ts';

const CHANNEL = 'socket';
const channelRef = { $ref: `#/channels/${CHANNEL}` };
const messageRef = (event: string) => ({ $ref: `#/channels/${CHANNEL}/messages/${event}` });

const CLIENT_EVENTS = Object.keys(CLIENT_EVENT_SCHEMAS) as ClientEvent[];
const SERVER_EVENTS = Object.keys(SERVER_EVENT_SCHEMAS) as ServerEvent[];
const EXAMPLE_AT = '2025-01-31T12:00:00.131Z';
const correlationRef = { $ref: '#/components/correlationIds/reqId' };

function errorCodeTable(): string {
  const rows = (Object.keys(ERROR_CODES) as ErrorCode[]).map(
    (code) => `| ${ERROR_CODES[code].ws} | \`${code}\` | ${WS_ERROR_MEANINGS[code]} |`,
  );
  return ['| Code | Shared code | Meaning |', '| --- | --- | --- |', ...rows].join('\n');
}

function closeCodeTable(): string {
  const rows = (Object.keys(WS_CLOSE) as (keyof typeof WS_CLOSE)[]).map((name) => {
    const { when, clientShould } = WS_CLOSE_DOCS[name];
    return `| ${WS_CLOSE[name]} | ${when} | ${clientShould} |`;
  });
  return ['| Close code | When | Client should |', '| --- | --- | --- |', ...rows].join('\n');
}

const INTRODUCTION = `The real-time channel between a client and the backend (PRD §7, contract addenda F),
generated from the frame schemas in \`pkg/src/ws\` (\`npm run docs:gen\`). Connect to the api-gateway
at \`/ws?token=<access token>\`, or without \`?token=\` and send \`auth\` as the first frame within 10 s.
Every frame is one JSON text frame. A client frame is \`{ event, data, req_id }\`; each one that
succeeds is answered by exactly one frame with its \`req_id\` (its own answer, or \`ack\`), a failed
one by \`error\`, and the socket stays open. Server frames add \`timestamp\`. The REST API is at
[/openapi.json](/openapi.json) ([/docs](/docs)); prose and the routing rules: docs/websocket-protocol.md.

**Error frame codes** (\`error.data.code\`):

${errorCodeTable()}

**Close codes** (1006 is no close frame at all: no traffic for 60 s, or the network broke;
reconnect with backoff 1 s, 2 s, 4 s … at most 30 s):

${closeCodeTable()}`;

function clientFrameSchema(event: ClientEvent): TSchema {
  const data = CLIENT_EVENT_SCHEMAS[event];
  const { req_id } = ClientEnvelope.properties;
  const hasFields = Object.keys(data.properties).length > 0;
  return Type.Object(
    {
      event: Type.Literal(event),
      data: hasFields ? data : Type.Optional(data),
      req_id: Type.Optional(req_id),
    },
    { additionalProperties: false },
  );
}

function serverFrameSchema(event: ServerEvent): TSchema {
  const data =
    event === 'error'
      ? Type.Object({
          code: Type.Integer({
            enum: [...new Set(Object.values(ERROR_CODES).map(({ ws }) => ws))],
            description: 'See the error frame codes in the document description.',
          }),
          message: SERVER_EVENT_SCHEMAS.error.properties.message,
        })
      : SERVER_EVENT_SCHEMAS[event];
  return Type.Object({
    event: Type.Literal(event),
    data,
    req_id: Type.Optional(
      Type.String({ description: 'The `req_id` of the client frame this answers' }),
    ),
    timestamp: Type.String({ format: 'date-time' }),
  });
}

function clientMessage(event: ClientEvent) {
  const doc = CLIENT_EVENT_DOCS[event];
  return {
    name: event,
    title: event,
    summary: doc.summary,
    description: doc.description,
    payload: plainSchema(clientFrameSchema(event)),
    correlationId: correlationRef,
    examples: [{ name: event, payload: { event, data: doc.example, req_id: 'c-17' } }],
  };
}

function serverMessage(event: ServerEvent) {
  const doc = SERVER_EVENT_DOCS[event];
  return {
    name: event,
    title: event,
    summary: doc.summary,
    description: doc.description,
    payload: plainSchema(serverFrameSchema(event)),
    correlationId: correlationRef,
    examples: [{ name: event, payload: { event, data: doc.example, timestamp: EXAMPLE_AT } }],
  };
}

/** Client events: the backend receives them and answers on the same socket. */
function receiveOperation(event: ClientEvent) {
  const doc = CLIENT_EVENT_DOCS[event];
  return {
    action: 'receive',
    channel: channelRef,
    summary: doc.summary,
    messages: [messageRef(event)],
    reply: { channel: channelRef, messages: [...doc.replies, 'error'].map(messageRef) },
  };
}

/** Server events: answers and pushes. */
function sendOperation(event: ServerEvent) {
  return {
    action: 'send',
    channel: channelRef,
    summary: SERVER_EVENT_DOCS[event].summary,
    messages: [messageRef(event)],
  };
}

/** One AsyncAPI 3.0 document for the WebSocket protocol, from the frame schemas. */
export function buildAsyncApiDocument({ version }: { version: string }) {
  const messages = {
    ...Object.fromEntries(CLIENT_EVENTS.map((event) => [event, clientMessage(event)])),
    ...Object.fromEntries(SERVER_EVENTS.map((event) => [event, serverMessage(event)])),
  };
  return {
    asyncapi: '3.0.0',
    info: {
      title: 'WhatsApp-style messaging backend: WebSocket protocol',
      version,
      description: INTRODUCTION,
    },
    defaultContentType: 'application/json',
    servers: {
      gateway: {
        host: '127.0.0.1:8080',
        protocol: 'ws',
        pathname: '/ws',
        description: 'The local api-gateway (`make run`); use `wss` behind TLS.',
        security: [{ $ref: '#/components/securitySchemes/queryToken' }],
      },
    },
    channels: {
      [CHANNEL]: {
        address: '/ws',
        title: 'One client socket',
        description: 'Client frames and server frames share the one socket.',
        messages: Object.fromEntries(
          Object.keys(messages).map((event) => [event, { $ref: `#/components/messages/${event}` }]),
        ),
        bindings: {
          ws: {
            method: 'GET',
            query: {
              type: 'object',
              properties: {
                token: { type: 'string', description: 'The access token (else send `auth` first)' },
              },
            },
            bindingVersion: '0.1.0',
          },
        },
      },
    },
    operations: {
      ...Object.fromEntries(CLIENT_EVENTS.map((event) => [event, receiveOperation(event)])),
      ...Object.fromEntries(SERVER_EVENTS.map((event) => [event, sendOperation(event)])),
    },
    components: {
      messages,
      correlationIds: {
        reqId: {
          description:
            'A client frame’s `req_id`, echoed by the frames that answer it; pushed frames have none.',
          location: '$message.payload#/req_id',
        },
      },
      securitySchemes: {
        queryToken: {
          type: 'httpApiKey',
          name: 'token',
          in: 'query',
          description:
            'The access token from `POST /api/v1/auth/verify-otp`; a bad one closes the socket with 4001.',
        },
      },
    },
  };
}

export type AsyncApiDocument = ReturnType<typeof buildAsyncApiDocument>;

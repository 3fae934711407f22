import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { type ClientEvent, parseClientFrame } from '@wa/pkg/ws';
import { nastyString } from './strings.ts';
import { edgeKey, malformedJson, nastyValue, spoiled, type JsonObject } from './values.ts';
import type { FuzzWorld, SnapshotKind } from './world.ts';

/**
 * Every client frame type of docs/websocket-protocol.md, with valid `data` to spoil and the records
 * it could change; plus `(envelope)` for frames that are not one of them at all.
 */
export interface FuzzFrame {
  event: ClientEvent | '(envelope)';
  data: (world: FuzzWorld) => JsonObject;
  changes: SnapshotKind;
}

export const FUZZ_FRAMES: readonly FuzzFrame[] = [
  { event: 'auth', data: (w) => ({ token: w.caller.token }), changes: 'none' },
  {
    event: 'message.send',
    data: (w) => ({
      chat_id: w.directChatId,
      client_msg_id: 'ws-fuzz-reused-id',
      type: 'text',
      payload: { body: 'hello' },
      reply_to_message_id: w.messageIds[0],
    }),
    changes: 'messages',
  },
  {
    event: 'message.delivered',
    data: (w) => ({ message_ids: [w.messageIds[1]] }),
    changes: 'messages',
  },
  {
    event: 'message.read',
    data: (w) => ({ chat_id: w.directChatId, up_to_message_id: w.messageIds[1] }),
    changes: 'messages',
  },
  {
    event: 'message.delete',
    data: (w) => ({ message_id: w.deletableIds[0], for: 'everyone' }),
    changes: 'messages',
  },
  { event: 'typing.start', data: (w) => ({ chat_id: w.groupChatId }), changes: 'none' },
  { event: 'typing.stop', data: (w) => ({ chat_id: w.groupChatId }), changes: 'none' },
  {
    event: 'presence.subscribe',
    data: (w) => ({ user_ids: [w.friend.id, w.stranger.id] }),
    changes: 'none',
  },
  { event: 'ping', data: () => ({}), changes: 'none' },
  { event: '(envelope)', data: () => ({}), changes: 'messages' },
];

/** The websocket-service's WS_MAX_FRAME_BYTES (default): a bigger frame is refused unread (4013). */
const MAX_FRAME_BYTES = 256 * 1024;

/** Frames below this size are parsed; 256 KiB–1 MiB gets 4013; bigger closes the socket (1009, documented). */
const MAX_SENT_BYTES = 1_000_000;

export interface FrameInput {
  text: string;
  /** The req_id the answer must echo; undefined when the frame is refused before it is read. */
  reqId: string | undefined;
}

const reqIdChoice = fc.oneof(
  { arbitrary: fc.constant<'ours'>('ours'), weight: 6 },
  { arbitrary: fc.constant<'absent'>('absent'), weight: 1 },
  { arbitrary: nastyValue, weight: 2 },
);

/** The envelope around spoiled data: an odd req_id, a stray key, `data` of the wrong type. */
function frameArbitrary(frame: FuzzFrame, world: FuzzWorld): fc.Arbitrary<unknown> {
  if (frame.event === '(envelope)')
    return fc.oneof(
      fc.record({ event: nastyValue, data: nastyValue, req_id: nastyValue }),
      fc.record({ event: fc.oneof(edgeKey, nastyString), data: fc.constant({}) }),
      nastyValue,
    );
  return fc
    .tuple(
      fc.oneof(
        { arbitrary: spoiled(frame.data(world)), weight: 5 },
        { arbitrary: nastyValue, weight: 1 },
      ),
      fc.option(fc.tuple(edgeKey, nastyValue), { freq: 5 }),
    )
    .map(([data, stray]) => {
      const envelope: JsonObject = { event: frame.event, data };
      if (stray)
        Object.defineProperty(envelope, stray[0], {
          value: stray[1],
          enumerable: true,
          writable: true,
          configurable: true,
        });
      return envelope;
    });
}

/**
 * One fuzzed frame as text. A frame the server will accept always carries a fresh req_id, so its
 * (asynchronous) answer can be told apart; a refused one is answered before the next frame is read.
 */
export const frameInput = (frame: FuzzFrame, world: FuzzWorld): fc.Arbitrary<FrameInput> =>
  fc
    .tuple(
      fc.oneof(
        { arbitrary: frameArbitrary(frame, world), weight: 9 },
        { arbitrary: malformedJson, weight: 1 },
      ),
      reqIdChoice,
    )
    .map(([value, reqIdKind]): FrameInput => {
      if (typeof value === 'string' && !value.startsWith('{"event"'))
        return { text: value, reqId: undefined };
      const ours = `fuzz-${randomUUID()}`;
      const envelope =
        typeof value === 'object' && value !== null && !Array.isArray(value)
          ? { ...(value as JsonObject) }
          : undefined;
      if (!envelope) return { text: JSON.stringify(value) ?? 'undefined', reqId: undefined };
      if (reqIdKind === 'ours') envelope.req_id = ours;
      else if (reqIdKind === 'absent') delete envelope.req_id;
      else envelope.req_id = reqIdKind;
      let text = JSON.stringify(envelope);
      const parsed = parseClientFrame(text, MAX_FRAME_BYTES);
      if (parsed.ok && parsed.frame.req_id === undefined) {
        envelope.req_id = ours;
        text = JSON.stringify(envelope);
      }
      const reparsed = parseClientFrame(text, MAX_FRAME_BYTES);
      return { text, reqId: reparsed.ok ? reparsed.frame.req_id : undefined };
    })
    .filter((input) => Buffer.byteLength(input.text) < MAX_SENT_BYTES);

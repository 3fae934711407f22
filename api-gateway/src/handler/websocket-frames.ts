/*
 * Just enough of RFC 6455 for a gateway that relays WebSocket bytes without decoding them: frame
 * boundaries (so a close frame of its own is only ever written between two frames), whether a
 * close frame went by, each frame's declared length, and the two things the gateway writes itself
 * (a handshake answer and a close frame).
 */
import { createHash } from 'node:crypto';

const CLOSE_OPCODE = 0x8;
const HANDSHAKE_GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';

export interface FrameTracker {
  /** Reads the frame headers in `chunk`, skipping payloads. */
  feed(chunk: Buffer): void;
  /** No frame is half written: a frame of the gateway's own may go next. */
  readonly atBoundary: boolean;
  /** A close frame went by: the side that sent it closes on purpose. */
  readonly closeSeen: boolean;
  /** The longest payload any frame declared so far. */
  readonly largestPayload: number;
}

export function createFrameTracker(): FrameTracker {
  let partial: Buffer | undefined;
  let toSkip = 0;
  let closeSeen = false;
  let largestPayload = 0;

  /** Bytes of `header` consumed, or 0 when it is not complete yet. */
  function readHeader(header: Buffer): number {
    if (header.length < 2) return 0;
    const length7 = header[1] & 0x7f;
    const extended = length7 === 126 ? 2 : length7 === 127 ? 8 : 0;
    const size = 2 + extended + (header[1] & 0x80 ? 4 : 0);
    if (header.length < size) return 0;
    const payload =
      length7 === 126
        ? header.readUInt16BE(2)
        : length7 === 127
          ? Number(header.readBigUInt64BE(2))
          : length7;
    if ((header[0] & 0x0f) === CLOSE_OPCODE) closeSeen = true;
    largestPayload = Math.max(largestPayload, payload);
    toSkip = payload;
    return size;
  }

  return {
    feed(chunk) {
      let offset = 0;
      while (offset < chunk.length) {
        if (toSkip > 0) {
          const skipped = Math.min(toSkip, chunk.length - offset);
          toSkip -= skipped;
          offset += skipped;
          continue;
        }
        const carried = partial?.length ?? 0;
        const header = partial
          ? Buffer.concat([partial, chunk.subarray(offset, offset + 14)])
          : chunk.subarray(offset, offset + 14);
        const size = readHeader(header);
        if (size === 0) {
          partial = Buffer.from(header);
          return;
        }
        partial = undefined;
        offset += size - carried;
      }
    },
    get atBoundary() {
      return toSkip === 0 && partial === undefined;
    },
    get closeSeen() {
      return closeSeen;
    },
    get largestPayload() {
      return largestPayload;
    },
  };
}

/** An unmasked close frame, as a server sends it. */
export function closeFrame(code: number, reason: string): Buffer {
  const text = Buffer.from(reason, 'utf8').subarray(0, 123);
  const frame = Buffer.alloc(4 + text.length);
  frame[0] = 0x80 | CLOSE_OPCODE;
  frame[1] = 2 + text.length;
  frame.writeUInt16BE(code, 2);
  text.copy(frame, 4);
  return frame;
}

/** The server's answer to an upgrade with `Sec-WebSocket-Key: key`. */
export function switchingProtocols(key: string): Buffer {
  const accept = createHash('sha1')
    .update(key + HANDSHAKE_GUID)
    .digest('base64');
  return Buffer.from(
    'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
      `Sec-WebSocket-Accept: ${accept}\r\n\r\n`,
    'latin1',
  );
}

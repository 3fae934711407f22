import { connect, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { closeFrame, createFrameTracker, switchingProtocols } from './websocket-frames.ts';

/*
 * One client's WebSocket, relayed to the websocket-service as bytes: the upgrade request is
 * written upstream with the gateway's headers, and from then on each side's bytes are copied to
 * the other, never decoded, masked or re-framed (the relay was the gateway's largest cost per
 * message while it terminated both sides, docs/benchmarks.md). Frame headers are read as they go
 * by, only to know where frames end and whether a close frame passed, so that the gateway can
 * still close a client itself with a code it understands.
 */

const GOING_AWAY = 1001;
const TOO_BIG = 1009;
const INTERNAL_ERROR = 1011;
const TRY_AGAIN_LATER = 1013;
/** An upstream answer to an upgrade is a status line and a few headers. */
const MAX_RESPONSE_HEAD = 16 * 1024;
/** How long a closed tunnel waits for the client to end its side. */
const CLOSE_GRACE_MS = 5_000;

export interface TunnelOptions {
  client: Duplex;
  /** Bytes the client sent after its upgrade request (usually none). */
  head: Buffer;
  /** The upgrade request as written upstream (request line and headers). */
  requestHead: string;
  /** The client's `Sec-WebSocket-Key`, to answer the handshake when the upstream cannot. */
  key: string;
  upstream: { host: string; port: number };
  handshakeTimeoutMs: number;
  /** The largest frame payload a client may send. */
  maxPayloadBytes: number;
  onClosed: () => void;
}

export interface Tunnel {
  /** The gateway is stopping: 1001, so the client reconnects at once (elsewhere). */
  shutdown(): void;
}

type Phase = 'connecting' | 'handshake' | 'open' | 'plain-http' | 'closed';

export function openTunnel(options: TunnelOptions): Tunnel {
  const { client, handshakeTimeoutMs, maxPayloadBytes } = options;
  const upstream: Socket = connect(options.upstream);
  const fromServer = createFrameTracker();
  const fromClient = createFrameTracker();
  let phase: Phase = 'connecting';
  let responseHead: Buffer | undefined;

  const timer = setTimeout(() => unreachable(), handshakeTimeoutMs);
  upstream.setNoDelay(true);
  if ('setNoDelay' in client) (client as Socket).setNoDelay(true);

  /** Ends the client with a close frame of the gateway's own, if that can be written whole. */
  function closeClient(code: number, reason: string): void {
    finish();
    if (fromServer.atBoundary && !fromServer.closeSeen) client.end(closeFrame(code, reason));
    else client.destroy();
  }

  function finish(): void {
    if (phase === 'closed') return;
    phase = 'closed';
    clearTimeout(timer);
    upstream.destroy();
    // Read the client to its end (its close frame, then FIN), or its socket stays half open and
    // holds the server's close; one that never ends is dropped.
    client.resume();
    setTimeout(() => client.destroy(), CLOSE_GRACE_MS).unref();
    options.onClosed();
  }

  /** No upstream answer: the upgrade is completed here, then closed 1011, as a browser can read it. */
  function unreachable(): void {
    const wasOpen = phase === 'open' || phase === 'plain-http';
    if (wasOpen) return;
    finish();
    if (client.destroyed) return;
    client.end(
      Buffer.concat([
        switchingProtocols(options.key),
        closeFrame(INTERNAL_ERROR, 'Service unavailable'),
      ]),
    );
  }

  function toClient(chunk: Buffer): void {
    if (phase === 'open') fromServer.feed(chunk);
    if (!client.write(chunk)) upstream.pause();
  }

  function onResponseHead(chunk: Buffer): void {
    responseHead = responseHead ? Buffer.concat([responseHead, chunk]) : chunk;
    const end = responseHead.indexOf('\r\n\r\n');
    if (end < 0) {
      if (responseHead.length > MAX_RESPONSE_HEAD) unreachable();
      return;
    }
    clearTimeout(timer);
    const head = responseHead.subarray(0, end + 4);
    const rest = responseHead.subarray(end + 4);
    responseHead = undefined;
    // Anything but 101 (a closing instance's 503) is passed on as it is, and the tunnel ends with it.
    phase = head.toString('latin1', 0, 13) === 'HTTP/1.1 101 ' ? 'open' : 'plain-http';
    if (!client.write(head)) upstream.pause();
    if (rest.length) toClient(rest);
  }

  upstream.on('connect', () => {
    if (phase !== 'connecting') return;
    phase = 'handshake';
    upstream.write(options.requestHead);
    if (options.head.length) onClientData(options.head);
    client.on('data', onClientData);
  });
  upstream.on('data', (chunk: Buffer) => {
    if (phase === 'handshake') onResponseHead(chunk);
    else if (phase === 'open' || phase === 'plain-http') toClient(chunk);
  });
  upstream.on('drain', () => client.resume());
  client.on('drain', () => upstream.resume());

  function onClientData(chunk: Buffer): void {
    if (phase === 'closed') return;
    fromClient.feed(chunk);
    if (fromClient.largestPayload > maxPayloadBytes) {
      closeClient(TOO_BIG, 'Frame too large');
      return;
    }
    if (!upstream.write(chunk)) client.pause();
  }

  // The upstream went away: on purpose after its close frame (or an HTTP answer); otherwise the
  // instance died and the client is told to come back (1013), not left with a dropped socket.
  upstream.on('close', () => {
    if (phase === 'closed') return;
    if (phase === 'connecting' || phase === 'handshake') return unreachable();
    if (phase === 'open' && !fromServer.closeSeen)
      return closeClient(TRY_AGAIN_LATER, 'Service unavailable');
    finish();
    client.end();
  });
  upstream.on('error', () => {
    // 'close' follows and decides what the client is told.
  });
  client.on('error', () => client.destroy());
  client.on('close', () => finish());

  return {
    shutdown() {
      if (phase === 'closed') return;
      if (phase === 'open') closeClient(GOING_AWAY, 'Server shutting down');
      else {
        finish();
        client.destroy();
      }
    },
  };
}

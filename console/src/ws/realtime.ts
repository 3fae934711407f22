import { backoffMs } from './backoff.ts';
import type { ClientEvent, ClientFrames, ServerFrame } from './frames.ts';

export type ConnectionState = 'connecting' | 'open' | 'offline';

export interface RealtimeOptions {
  /** The `/ws` URL with the access token as `?token=`. */
  url: (token: string) => string;
  token: () => string | undefined;
  /** Gets a fresh access token after a 4001 close; false when the session is over. */
  refresh: () => Promise<boolean>;
  onFrame: (frame: ServerFrame) => void;
  /** `retryAt` is when the next attempt starts, while waiting for one. */
  onState: (state: ConnectionState, retryAt?: number) => void;
  /** The socket is open: resend what was not acknowledged, subscribe again. */
  onOpen: () => void;
}

const PING_EVERY_MS = 25_000;

/**
 * One WebSocket to the gateway that comes back by itself: backoff 1, 2, 4, 8, 16, 30 s after a
 * drop (at once after 1001, a token refresh first after 4001), at once when the browser comes
 * back online, and a `ping` every 25 s. Requests waiting for an answer fail when it drops.
 */
export function createRealtime(options: RealtimeOptions) {
  let socket: WebSocket | undefined;
  let attempt = 0;
  let retryTimer: ReturnType<typeof setTimeout> | undefined;
  let pingTimer: ReturnType<typeof setInterval> | undefined;
  let stopped = true;
  let sequence = 0;
  const waiting = new Map<
    string,
    { resolve: (f: ServerFrame) => void; reject: (e: Error) => void }
  >();

  const isOpen = () => socket?.readyState === WebSocket.OPEN;

  function schedule(delayMs: number) {
    clearTimeout(retryTimer);
    if (stopped) return;
    if (!navigator.onLine) return options.onState('offline');
    options.onState('connecting', Date.now() + delayMs);
    retryTimer = setTimeout(connect, delayMs);
  }

  function failWaiting() {
    for (const { reject } of waiting.values()) reject(new Error('The connection dropped'));
    waiting.clear();
  }

  function receive(raw: unknown) {
    if (typeof raw !== 'string') return;
    let frame: ServerFrame;
    try {
      frame = JSON.parse(raw) as ServerFrame;
    } catch {
      return;
    }
    const pending = frame.req_id === undefined ? undefined : waiting.get(frame.req_id);
    if (pending && frame.req_id !== undefined) {
      waiting.delete(frame.req_id);
      if (frame.event === 'error') {
        const error = frame.data as { code: number; message: string };
        pending.reject(Object.assign(new Error(error.message), { code: error.code }));
      } else {
        pending.resolve(frame);
      }
    }
    options.onFrame(frame);
  }

  function connect() {
    clearTimeout(retryTimer);
    if (stopped || socket) return;
    const token = options.token();
    if (!token) return;
    if (!navigator.onLine) return options.onState('offline');
    options.onState('connecting');
    const ws = new WebSocket(options.url(token));
    socket = ws;
    ws.onopen = () => {
      attempt = 0;
      options.onState('open');
      clearInterval(pingTimer);
      pingTimer = setInterval(() => send('ping', {}), PING_EVERY_MS);
      options.onOpen();
    };
    ws.onmessage = (event: MessageEvent) => receive(event.data);
    ws.onclose = (event: CloseEvent) => {
      if (socket !== ws) return;
      socket = undefined;
      clearInterval(pingTimer);
      failWaiting();
      if (stopped) return;
      if (event.code === 4001) {
        options.onState('connecting');
        void options.refresh().then((ok) => (ok ? schedule(0) : options.onState('offline')));
      } else if (event.code === 1001) {
        schedule(0);
      } else {
        schedule(backoffMs(attempt++));
      }
    };
  }

  /** A frame without waiting for its answer; false when the socket is not open. */
  function send<E extends ClientEvent>(event: E, data: ClientFrames[E], reqId?: string): boolean {
    if (!socket || !isOpen()) return false;
    socket.send(JSON.stringify({ event, data, req_id: reqId ?? `c-${++sequence}` }));
    return true;
  }

  /** A frame and its answer (`ack`, `message.sent`…); rejects on `error` or a drop. */
  function request<E extends ClientEvent>(event: E, data: ClientFrames[E]): Promise<ServerFrame> {
    const reqId = `c-${++sequence}`;
    return new Promise((resolve, reject) => {
      waiting.set(reqId, { resolve, reject });
      if (!send(event, data, reqId)) {
        waiting.delete(reqId);
        reject(new Error('Not connected'));
      }
    });
  }

  const goOnline = () => {
    attempt = 0;
    connect();
  };
  const goOffline = () => {
    options.onState('offline');
    socket?.close(1000, 'offline');
  };

  return {
    start() {
      if (!stopped) return;
      stopped = false;
      window.addEventListener('online', goOnline);
      window.addEventListener('offline', goOffline);
      connect();
    },
    stop() {
      stopped = true;
      clearTimeout(retryTimer);
      clearInterval(pingTimer);
      window.removeEventListener('online', goOnline);
      window.removeEventListener('offline', goOffline);
      const open = socket;
      socket = undefined;
      open?.close(1000, 'logout');
      failWaiting();
    },
    /** Try now instead of waiting for the backoff (the banner's "retry"). */
    retryNow: goOnline,
    isOpen,
    send,
    request,
  };
}

export type Realtime = ReturnType<typeof createRealtime>;

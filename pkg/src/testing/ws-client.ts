import { setTimeout as sleep } from 'node:timers/promises';
import WebSocket from 'ws';
import type { ClientEvent, ClientEventData, ServerEvent, ServerEventData } from '../ws/index.ts';

/** A server frame as a test sees it. */
export interface ReceivedFrame<E extends ServerEvent = ServerEvent> {
  event: E;
  data: ServerEventData<E>;
  req_id?: string;
  timestamp: string;
}

let requests = 0;

/** A real WebSocket client that records every frame, for tests and benchmarks. */
export class TestSocket {
  readonly ws: WebSocket;
  readonly frames: ReceivedFrame[] = [];
  readonly closed: Promise<{ code: number; reason: string }>;
  private readonly listeners = new Set<(frame: ReceivedFrame) => void>();

  private constructor(ws: WebSocket) {
    this.ws = ws;
    this.closed = new Promise((resolve) =>
      ws.once('close', (code, reason) => resolve({ code, reason: reason.toString() })),
    );
    ws.on('message', (data: Buffer) => {
      const frame = JSON.parse(data.toString()) as ReceivedFrame;
      this.frames.push(frame);
      for (const listener of this.listeners) listener(frame);
    });
    ws.on('error', () => {});
  }

  /** Opens `url` (e.g. ws://127.0.0.1:8080/ws?token=…) and resolves once the socket is open. */
  static async open(url: string, options: WebSocket.ClientOptions = {}): Promise<TestSocket> {
    const ws = new WebSocket(url, { perMessageDeflate: false, ...options });
    const socket = new TestSocket(ws);
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
      ws.once('unexpected-response', (_request, response) =>
        reject(new Error(`upgrade answered ${response.statusCode}`)),
      );
    });
    return socket;
  }

  onFrame(listener: (frame: ReceivedFrame) => void): void {
    this.listeners.add(listener);
  }

  offFrame(listener: (frame: ReceivedFrame) => void): void {
    this.listeners.delete(listener);
  }

  send<E extends ClientEvent>(event: E, data: ClientEventData<E>, reqId?: string): void {
    this.ws.send(JSON.stringify({ event, data, ...(reqId ? { req_id: reqId } : {}) }));
  }

  /** Sends a frame with a fresh req_id and waits for the answer that echoes it. */
  async request<E extends ClientEvent>(
    event: E,
    data: ClientEventData<E>,
    timeoutMs = 10_000,
  ): Promise<ReceivedFrame> {
    const reqId = `r${++requests}`;
    this.send(event, data, reqId);
    return this.waitFor((frame) => frame.req_id === reqId && frame.event !== 'presence', timeoutMs);
  }

  /** The first recorded or future frame `match` accepts. */
  async waitFor(
    match: (frame: ReceivedFrame) => boolean,
    timeoutMs = 10_000,
  ): Promise<ReceivedFrame> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.frames.find(match);
      if (found) return found;
      if (Date.now() > deadline) throw new Error(`no matching frame in ${timeoutMs} ms`);
      await sleep(10);
    }
  }

  /** Every recorded frame of one event. */
  all<E extends ServerEvent>(event: E): ReceivedFrame<E>[] {
    return this.frames.filter((frame): frame is ReceivedFrame<E> => frame.event === event);
  }

  async close(): Promise<void> {
    if (this.ws.readyState === WebSocket.CLOSED) return;
    this.ws.close();
    await this.closed;
  }
}

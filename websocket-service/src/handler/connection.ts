import { randomUUID } from 'node:crypto';
import type { WebSocket } from 'ws';
import { WS_CLOSE } from '@wa/pkg/ws';
import { exceedsSendBuffer } from '../service/rules.ts';

export interface ConnectionSettings {
  maxBufferedBytes: number;
  /** Told of every frame written (the frames metric). */
  onSent?: () => void;
}

/**
 * One socket (tinode's session): its user once authenticated, its last activity for the idle
 * sweep, and a send path that drops a slow reader instead of buffering without bound.
 */
export class Connection {
  readonly id = randomUUID();
  readonly socket: WebSocket;
  readonly openedAt = Date.now();
  userId = '';
  lastActivity = Date.now();
  private readonly settings: ConnectionSettings;
  private closing = false;

  constructor(socket: WebSocket, settings: ConnectionSettings) {
    this.socket = socket;
    this.settings = settings;
  }

  get open(): boolean {
    return !this.closing && this.socket.readyState === this.socket.OPEN;
  }

  push(frame: string | Buffer): void {
    if (!this.open) return;
    const bytes = typeof frame === 'string' ? Buffer.byteLength(frame) : frame.length;
    if (exceedsSendBuffer(this.socket.bufferedAmount, bytes, this.settings.maxBufferedBytes)) {
      this.drop(WS_CLOSE.TRY_AGAIN_LATER, 'send buffer full');
      return;
    }
    // Bytes are sent as a text frame too: every frame of the protocol is JSON text.
    this.socket.send(frame, { binary: false });
    this.settings.onSent?.();
  }

  /** Resolves true once everything queued has been written to the kernel, false if the socket closed. */
  async drained(): Promise<boolean> {
    while (this.open && this.socket.bufferedAmount > 0) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    return this.open;
  }

  close(code: number, reason: string): void {
    if (this.closing) return;
    this.closing = true;
    this.socket.close(code, reason);
  }

  /** A peer that does not read cannot take a close frame either: close, and cut it off soon after. */
  drop(code: number, reason: string): void {
    this.close(code, reason);
    setTimeout(() => this.socket.terminate(), 1_000).unref();
  }
}

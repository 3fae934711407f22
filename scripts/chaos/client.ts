import { randomUUID } from 'node:crypto';
import WebSocket from 'ws';
import type { StackSession } from '@wa/pkg/testing';

/*
 * One user's client, behaving as the real ones must (docs/websocket-protocol.md): it reconnects
 * with backoff whenever its socket closes with a retryable code, resends every send not yet
 * acknowledged with the same client_msg_id (after a reconnect, after an error frame, after a
 * silence), and acknowledges delivery of, and reads, whatever it receives.
 */

/** One send the client made; `client_msg_id` is also the body, so every copy can be traced. */
export interface Send {
  clientMsgId: string;
  chatId: string;
  senderId: string;
  recipients: string[];
  via: 'ws' | 'rest';
  firstAt: number;
  lastAttemptAt: number;
  attempts: number;
  /** Set once acknowledged (`message.sent` or 201). */
  messageId?: string;
  ackedAt?: number;
  /** A second acknowledgement naming another message_id: the send was stored twice. */
  otherMessageIds: string[];
  /** An image message: uploaded first (retried as a send is), then sent with its media_id. */
  media?: MediaSend;
}

export interface MediaSend {
  png: Buffer;
  /** Set once the upload answered 201. */
  mediaId?: string;
  uploading: boolean;
}

export interface Received {
  messageId: string;
  chatId: string;
  body: string;
  /** When the first copy arrived (performance.now()). */
  firstAt: number;
  /** Every frame that carried it (replays and live copies of the same message_id). */
  copies: number;
}

export interface ClientEvents {
  /** A send was acknowledged (first time only): latency since it was first sent. */
  onAck(send: Send): void;
  /** A close code that a real client would not reconnect on. */
  onFatalClose(userId: string, code: number, reason: string): void;
}

export interface MessagePayload {
  body?: string;
  caption?: string;
  media_id?: string;
}

/** A send's type and payload: its client_msg_id is the text's body or the image's caption. */
function content(send: Send): { type: 'text' | 'image'; payload: MessagePayload } {
  return send.media?.mediaId
    ? { type: 'image', payload: { media_id: send.media.mediaId, caption: send.clientMsgId } }
    : { type: 'text', payload: { body: send.clientMsgId } };
}

/** The client_msg_id a received or stored message carries (see `content`). */
export const traceOf = (payload: MessagePayload | undefined): string =>
  String(payload?.body ?? payload?.caption ?? '');

/** Close codes after which the protocol says to give up (4001: the token is bad). */
const fatal = (code: number) => code >= 4000 && code < 5000;

const RESEND_AFTER_MS = 5_000;
const RESEND_MAX_MS = 30_000;
const BACKOFF_FIRST_MS = 200;
const BACKOFF_MAX_MS = 5_000;

export class ChaosClient {
  readonly session: StackSession;
  readonly sends = new Map<string, Send>();
  readonly received = new Map<string, Received>();
  /** Chat → recipient ids of this user's chats (everyone in the chat but this user). */
  readonly chats = new Map<string, string[]>();
  connects = 0;
  fatalClose?: number;
  private ws?: WebSocket;
  private open = false;
  private stopped = false;
  private backoff = BACKOFF_FIRST_MS;
  private reconnectTimer?: NodeJS.Timeout;
  private readonly timers: NodeJS.Timeout[] = [];
  private toAck: string[] = [];
  private readonly toRead = new Map<string, string>();
  private readonly gateways: string[];
  private readonly events: ClientEvents;
  /** Share of received messages that are also read (a read receipt up to them). */
  private readonly readShare: number;

  constructor(session: StackSession, gateways: string[], events: ClientEvents, readShare = 0.3) {
    this.session = session;
    this.gateways = gateways;
    this.events = events;
    this.readShare = readShare;
  }

  get connected(): boolean {
    return this.open;
  }

  /** Connects and keeps connecting until `stop()`; resolves once the first socket is open. */
  async start(): Promise<void> {
    this.timers.push(
      setInterval(() => this.flushReceipts(), 250),
      setInterval(() => this.resendStale(), 1_000),
      setInterval(() => this.frame('ping', {}), 20_000),
    );
    await new Promise<void>((resolve) => this.connect(resolve));
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.reconnectTimer);
    for (const timer of this.timers) clearInterval(timer);
    this.ws?.terminate();
  }

  /**
   * Sends a text message to `chatId` (an image message when `png` is given), over the socket or
   * REST; retried until acknowledged.
   */
  send(chatId: string, via: 'ws' | 'rest', png?: Buffer): Send {
    const clientMsgId = randomUUID();
    const now = performance.now();
    const send: Send = {
      clientMsgId,
      chatId,
      senderId: this.session.id,
      recipients: this.chats.get(chatId) ?? [],
      via,
      firstAt: now,
      lastAttemptAt: now,
      attempts: 0,
      otherMessageIds: [],
      ...(png ? { media: { png, uploading: false } } : {}),
    };
    this.sends.set(clientMsgId, send);
    this.attempt(send);
    return send;
  }

  /** Sends not acknowledged yet. */
  unacknowledged(): Send[] {
    return [...this.sends.values()].filter((send) => !send.messageId);
  }

  private attempt(send: Send): void {
    send.lastAttemptAt = performance.now();
    send.attempts += 1;
    if (send.media && !send.media.mediaId) {
      void this.upload(send, send.media);
      return;
    }
    if (send.via === 'rest') {
      void this.sendRest(send);
      return;
    }
    this.frame(
      'message.send',
      { chat_id: send.chatId, client_msg_id: send.clientMsgId, ...content(send) },
      `s:${send.clientMsgId}:${send.attempts}`,
    );
  }

  /** POST /api/v1/media/upload as an app does; once it answers 201 the message itself is sent. */
  private async upload(send: Send, media: MediaSend): Promise<void> {
    if (media.uploading) return;
    media.uploading = true;
    const form = new FormData();
    form.append('type', 'image');
    form.append('file', new Blob([new Uint8Array(media.png)], { type: 'image/png' }), 'chaos.png');
    try {
      const response = await fetch(`${this.gateway()}/api/v1/media/upload`, {
        method: 'POST',
        headers: { authorization: `Bearer ${this.session.token}` },
        body: form,
        signal: AbortSignal.timeout(RESEND_AFTER_MS),
      });
      const envelope = (await response.json()) as { data?: { media_id?: string } };
      if (response.status === 201 && envelope.data?.media_id) {
        media.mediaId = envelope.data.media_id;
        this.attempt(send);
      }
    } catch {
      // refused, reset or timed out: uploaded again on the resend schedule
    } finally {
      media.uploading = false;
    }
  }

  private gateway(): string {
    return this.gateways[Math.floor(Math.random() * this.gateways.length)];
  }

  private async sendRest(send: Send): Promise<void> {
    try {
      const response = await fetch(`${this.gateway()}/api/v1/chats/${send.chatId}/messages`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${this.session.token}`,
          'content-type': 'application/json',
        },
        body: JSON.stringify({ client_msg_id: send.clientMsgId, ...content(send) }),
        signal: AbortSignal.timeout(RESEND_AFTER_MS),
      });
      const envelope = (await response.json()) as { data?: { message?: { message_id: string } } };
      if ((response.status === 201 || response.status === 200) && envelope.data?.message)
        this.acknowledged(send.clientMsgId, envelope.data.message.message_id);
    } catch {
      // refused, reset or timed out: resent later with the same client_msg_id
    }
  }

  private acknowledged(clientMsgId: string, messageId: string): void {
    const send = this.sends.get(clientMsgId);
    if (!send) return;
    if (send.messageId === undefined) {
      send.messageId = messageId;
      send.ackedAt = performance.now();
      this.events.onAck(send);
    } else if (send.messageId !== messageId && !send.otherMessageIds.includes(messageId)) {
      send.otherMessageIds.push(messageId);
    }
  }

  /**
   * Resends what is still unacknowledged a while after its last attempt (socket open only), the
   * wait doubling with each attempt (5 s, 10 s, 20 s, then every 30 s): a client that resent
   * everything every few seconds would bury a slow backend under its own retries.
   */
  private resendStale(): void {
    const now = performance.now();
    for (const send of this.sends.values()) {
      const wait = Math.min(RESEND_AFTER_MS * 2 ** (send.attempts - 1), RESEND_MAX_MS);
      if (send.messageId || now - send.lastAttemptAt < wait) continue;
      if (send.via === 'ws' && !this.open) continue;
      this.attempt(send);
    }
  }

  private frame(event: string, data: unknown, reqId?: string): void {
    if (!this.open || !this.ws) return;
    this.ws.send(JSON.stringify({ event, data, ...(reqId ? { req_id: reqId } : {}) }));
  }

  private connect(opened?: () => void): void {
    if (this.stopped) return;
    const gateway =
      this.gateways[(this.connects + this.session.id.charCodeAt(0)) % this.gateways.length];
    this.connects += 1;
    const url = `${gateway.replace(/^http/, 'ws')}/ws?token=${encodeURIComponent(this.session.token)}`;
    const ws = new WebSocket(url, { perMessageDeflate: false });
    this.ws = ws;
    let closed = false;
    const onClosed = (code: number, reason: string) => {
      if (closed) return;
      closed = true;
      this.open = false;
      if (this.stopped) return;
      if (fatal(code)) {
        this.fatalClose = code;
        this.events.onFatalClose(this.session.id, code, reason);
        return;
      }
      const delay = this.backoff * (0.5 + Math.random());
      this.backoff = Math.min(this.backoff * 2, BACKOFF_MAX_MS);
      this.reconnectTimer = setTimeout(() => this.connect(opened), delay);
    };
    ws.on('open', () => {
      this.open = true;
      this.backoff = BACKOFF_FIRST_MS;
      opened?.();
      // Everything unacknowledged is sent again at once, with its client_msg_id.
      for (const send of this.sends.values())
        if (!send.messageId && send.via === 'ws') this.attempt(send);
    });
    ws.on('message', (data: Buffer) => this.onFrame(data.toString()));
    ws.on('close', (code, reason) => onClosed(code, reason.toString()));
    ws.on('unexpected-response', (request) => {
      request.destroy();
      onClosed(1006, 'unexpected response');
    });
    ws.on('error', () => onClosed(1006, 'error'));
  }

  private onFrame(text: string): void {
    const frame = JSON.parse(text) as {
      event: string;
      data: Record<string, unknown>;
      req_id?: string;
    };
    switch (frame.event) {
      case 'message.sent':
        this.acknowledged(String(frame.data.client_msg_id), String(frame.data.message_id));
        break;
      case 'message.new':
        this.onMessage(frame.data);
        break;
      case 'error':
        // A send that failed (5003, 4029…) is resent after RESEND_AFTER_MS, with the same id.
        break;
      default:
        break;
    }
  }

  private onMessage(data: Record<string, unknown>): void {
    const messageId = String(data.message_id);
    const chatId = String(data.chat_id);
    const body = traceOf(data.payload as MessagePayload | undefined);
    const known = this.received.get(messageId);
    if (known) known.copies += 1;
    else
      this.received.set(messageId, {
        messageId,
        chatId,
        body,
        firstAt: performance.now(),
        copies: 1,
      });
    this.toAck.push(messageId);
    if (Math.random() < this.readShare) this.toRead.set(chatId, messageId);
  }

  /** Acknowledges delivery of what arrived, in batches, and reads up to some of it. */
  private flushReceipts(): void {
    if (!this.open) return;
    while (this.toAck.length) {
      const batch = this.toAck.splice(0, 500);
      this.frame('message.delivered', { message_ids: batch }, `d:${batch[0]}`);
    }
    for (const [chatId, messageId] of this.toRead)
      this.frame(
        'message.read',
        { chat_id: chatId, up_to_message_id: messageId },
        `r:${messageId}`,
      );
    this.toRead.clear();
  }
}

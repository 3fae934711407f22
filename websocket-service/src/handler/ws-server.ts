import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import type { Logger } from '@wa/pkg/log';
import { WS_CLOSE, encodeErrorFrame, encodeServerFrame, parseClientFrame } from '@wa/pkg/ws';
import type { Authenticator, TokenCheck } from '../service/authenticator.ts';
import type { Registry } from '../service/registry.ts';
import { isIdle } from '../service/rules.ts';
import type { SessionService } from '../service/session-service.ts';
import { Connection } from './connection.ts';
import type { FrameHandlers } from './frame-handlers.ts';

export interface WsServerSettings {
  maxPayloadBytes: number;
  maxFrameBytes: number;
  maxBufferedBytes: number;
  idleTimeoutMs: number;
  heartbeatMs: number;
  authTimeoutMs: number;
}

export interface WsServerDeps {
  settings: WsServerSettings;
  authenticate: Authenticator;
  sessions: SessionService;
  frames: FrameHandlers;
  registry: Registry;
  /** Called every heartbeat with the users held here (presence refresh). */
  onHeartbeat: (userIds: string[]) => Promise<void>;
  log: Logger;
  /** Told of every frame written (the frames metric). */
  onSent?: () => void;
}

const WS_PATH = '/ws';

function tokenOf(request: IncomingMessage): string | undefined {
  const url = new URL(request.url ?? '/', 'http://localhost');
  return url.searchParams.get('token') || undefined;
}

const text = (data: RawData): string =>
  Array.isArray(data)
    ? Buffer.concat(data).toString('utf8')
    : Buffer.from(data as ArrayBuffer).toString('utf8');

/**
 * The WebSocket edge (the checklist of docs/websocket-protocol.md): authenticates during the upgrade
 * (or by a first `auth` frame), sets maxPayload, terminates silent sockets, caps buffered bytes per
 * socket (Connection) and closes every socket with 1001 on shutdown.
 */
export function createWsServer({
  settings,
  authenticate,
  sessions,
  frames,
  registry,
  onHeartbeat,
  log,
  onSent,
}: WsServerDeps) {
  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: settings.maxPayloadBytes,
    perMessageDeflate: false,
    clientTracking: false,
  });
  const connections = new Set<Connection>();
  const closingSessions = new Set<Promise<void>>();
  let accepting = true;

  function begin(connection: Connection, userId: string): void {
    connection.userId = userId;
    void sessions.open(connection);
  }

  async function authenticateFrame(connection: Connection, data: string): Promise<void> {
    const parsed = parseClientFrame(data, settings.maxFrameBytes);
    if (!parsed.ok || parsed.frame.event !== 'auth') {
      connection.push(
        encodeErrorFrame(
          'UNAUTHORIZED',
          'First frame must be auth',
          parsed.ok ? parsed.frame.req_id : parsed.req_id,
        ),
      );
      connection.close(WS_CLOSE.AUTH_FAILED, 'authentication required');
      return;
    }
    const check = await authenticate(parsed.frame.data.token);
    if (typeof check === 'string') {
      closeRefused(connection, check);
      return;
    }
    begin(connection, check.userId);
    connection.push(encodeServerFrame('ack', {}, parsed.frame.req_id));
  }

  function closeRefused(connection: Connection, check: 'invalid' | 'unavailable'): void {
    if (check === 'invalid') connection.close(WS_CLOSE.AUTH_FAILED, 'invalid token');
    else connection.close(WS_CLOSE.TRY_AGAIN_LATER, 'authentication unavailable, try again');
  }

  function attach(socket: WebSocket, check: TokenCheck | undefined): void {
    const userId = typeof check === 'object' ? check.userId : null;
    const connection = new Connection(socket, {
      maxBufferedBytes: settings.maxBufferedBytes,
      onSent,
    });
    connections.add(connection);
    let authenticating: Promise<void> | undefined;
    const authTimer = userId
      ? undefined
      : setTimeout(
          () => connection.close(WS_CLOSE.AUTH_FAILED, 'authentication timeout'),
          settings.authTimeoutMs,
        );

    socket.on('message', (data, isBinary) => {
      connection.lastActivity = Date.now();
      if (isBinary) {
        connection.push(encodeErrorFrame('UNSUPPORTED_MEDIA_TYPE', 'Frames must be JSON text'));
        return;
      }
      if (connection.userId) {
        void frames.handle(connection, text(data));
      } else if (!authenticating) {
        authenticating = authenticateFrame(connection, text(data)).finally(() =>
          clearTimeout(authTimer),
        );
      }
    });
    socket.on('pong', () => (connection.lastActivity = Date.now()));
    socket.on('error', (error) =>
      log.debug({ err: error, connection: connection.id }, 'socket error'),
    );
    socket.on('close', () => {
      clearTimeout(authTimer);
      connections.delete(connection);
      if (!connection.userId) return;
      const closing = sessions
        .close(connection)
        .catch((error: unknown) => log.warn({ err: error }, 'session close failed'))
        .finally(() => closingSessions.delete(closing));
      closingSessions.add(closing);
    });

    if (typeof check === 'object') begin(connection, check.userId);
    else if (check) closeRefused(connection, check);
  }

  async function onUpgrade(request: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    const path = (request.url ?? '/').split('?')[0];
    if (!accepting || path !== WS_PATH) {
      socket.end(
        `HTTP/1.1 ${accepting ? '404 Not Found' : '503 Service Unavailable'}\r\nConnection: close\r\n\r\n`,
      );
      return;
    }
    const token = tokenOf(request);
    // A browser cannot read an HTTP 401 on upgrade, so a bad token is accepted and closed with 4001
    // (or 1013 when the auth-service cannot be asked).
    const check = token === undefined ? undefined : await authenticate(token);
    wss.handleUpgrade(request, socket, head, (ws) => attach(ws, check));
  }

  const heartbeat = setInterval(() => {
    const now = Date.now();
    for (const connection of connections) {
      if (isIdle(connection.lastActivity, now, settings.idleTimeoutMs))
        connection.socket.terminate();
      else if (connection.open) connection.socket.ping();
    }
    onHeartbeat(registry.userIds()).catch((error: unknown) =>
      log.warn({ err: error }, 'presence refresh failed'),
    );
  }, settings.heartbeatMs);
  heartbeat.unref();

  return {
    attachTo(server: Server): void {
      server.on('upgrade', (request: IncomingMessage, socket: Duplex, head: Buffer) => {
        socket.on('error', () => socket.destroy());
        onUpgrade(request, socket, head).catch((error: unknown) => {
          log.error({ err: error }, 'upgrade failed');
          socket.destroy();
        });
      });
    },

    counts: () => ({ sockets: connections.size, ...registry.counts() }),

    /** Stops accepting and closes every socket with 1001 (clients reconnect to another instance). */
    async close(): Promise<void> {
      accepting = false;
      clearInterval(heartbeat);
      const closing = [...connections].map(
        (connection) =>
          new Promise<void>((resolve) => {
            connection.socket.once('close', () => resolve());
            connection.close(WS_CLOSE.GOING_AWAY, 'server shutting down');
            setTimeout(() => {
              connection.socket.terminate();
              resolve();
            }, 2_000).unref();
          }),
      );
      await Promise.all(closing);
      await Promise.all(closingSessions); // offline reported before NATS and Redis go
      wss.close();
    },
  };
}

export type WsServer = ReturnType<typeof createWsServer>;

import proxy, { type FastifyHttpProxyOptions } from '@fastify/http-proxy';
import type { FastifyRequest } from 'fastify';
import WebSocket, { type ClientOptions } from 'ws';
import type { AppInstance } from '@wa/pkg/http';
import { pathOf, requestContextOf } from '@wa/pkg/http';
import { activeContext, contextHeaders } from '@wa/pkg/telemetry';
import { WEBSOCKET_ROUTE } from '../model/routes.ts';
import { httpProxyOptions, type ProxyDeps } from './proxy-routes.ts';

/** http-proxy's types take the CommonJS declaration of ws, this module the ESM one; same class at runtime. */
type ServerSocketClass = NonNullable<
  NonNullable<FastifyHttpProxyOptions['wsServerOptions']>['WebSocket']
>;

const GOING_AWAY = 1001;
const INTERNAL_ERROR = 1011;
const TRY_AGAIN_LATER = 1013;
/**
 * What the proxy sends when the upstream connection ended without a close frame: it lifts 1005
 * (no code) and 1006 (dropped, e.g. the instance was killed) to 4005 and 4006, which clients
 * would take for application codes and give up on.
 */
const LIFTED_ABNORMAL = new Set([4005, 4006]);

/**
 * The client side of each proxied connection. The proxy closes it with 1011 and the upstream
 * error's message ("connect ECONNREFUSED 10.0.0.7:8087") when the websocket-service cannot be
 * reached, with 4006 when the instance died under the connection, and with no code at all when
 * the gateway shuts down; clients get a plain reason, 1013 (reconnect) for a dead instance and
 * 1001 for a gateway going away instead.
 */
class ClientSocket extends WebSocket {
  override close(code?: number, reason?: string | Buffer): void {
    if (code === undefined) super.close(GOING_AWAY, 'Server shutting down');
    else if (LIFTED_ABNORMAL.has(code)) super.close(TRY_AGAIN_LATER, 'Service unavailable');
    else super.close(code, code === INTERNAL_ERROR ? 'Service unavailable' : reason);
  }
}

type UpgradeHeaders = Record<string, string>;

/** What the websocket-service receives with the upgrade: the client's credentials, never its identity claims. */
function upgradeHeaders(headers: UpgradeHeaders, request: FastifyRequest): UpgradeHeaders {
  const forwarded: UpgradeHeaders = {
    ...headers,
    ...contextHeaders(requestContextOf(request) ?? activeContext()),
    'x-request-id': request.id,
    'x-forwarded-for': request.ip,
  };
  if (request.headers.authorization) forwarded.authorization = request.headers.authorization;
  return forwarded;
}

/**
 * `/ws` upgrades go to the websocket-service with their query (`?token=`) intact; it
 * authenticates them itself and closes with 4001 (or 1013 while the auth-service is down), which reaches the client unchanged.
 */
export function registerWebSocketProxy(app: AppInstance, deps: ProxyDeps): void {
  const wsClientOptions: ClientOptions & {
    rewriteRequestHeaders: (headers: UpgradeHeaders, request: FastifyRequest) => UpgradeHeaders;
  } = {
    maxPayload: deps.maxPayloadBytes,
    handshakeTimeout: deps.timeoutMs,
    rewriteRequestHeaders: upgradeHeaders,
    // Frames are relayed as they come, never parsed: no compression to undo and redo on a
    // loopback hop, and the websocket-service's frames (JSON.stringify output) are not checked
    // for UTF-8 again. Clients' frames still are, here and by the websocket-service.
    perMessageDeflate: false,
    skipUTF8Validation: true,
  };
  void app.register(proxy, {
    ...httpProxyOptions(WEBSOCKET_ROUTE, deps),
    httpMethods: ['GET'],
    websocket: true,
    wsServerOptions: {
      maxPayload: deps.maxPayloadBytes,
      perMessageDeflate: false,
      WebSocket: ClientSocket as unknown as ServerSocketClass,
    },
    wsClientOptions,
    // The upgraded request never reaches onResponse, so its line is written here.
    preHandler: (request, _reply, done) => {
      if (request.headers.upgrade) {
        deps.log.info({ request_id: request.id, url: pathOf(request.url) }, 'websocket upgrade');
      }
      done();
    },
  });
}

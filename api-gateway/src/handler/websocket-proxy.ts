import { ServerResponse, type IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { FastifyRequest } from 'fastify';
import { notFound, validationError } from '@wa/pkg/errors';
import type { AppInstance } from '@wa/pkg/http';
import { pathOf, requestContextOf } from '@wa/pkg/http';
import { activeContext, contextHeaders } from '@wa/pkg/telemetry';
import { WEBSOCKET_ROUTE } from '../model/routes.ts';
import type { ProxyDeps } from './proxy-routes.ts';
import { openTunnel, type Tunnel } from './websocket-tunnel.ts';

/** Headers the gateway sets itself, or that belong to the client's hop only. */
const NOT_FORWARDED = new Set([
  'host',
  'connection',
  'upgrade',
  'keep-alive',
  'proxy-connection',
  'proxy-authorization',
  'te',
  'trailer',
  'transfer-encoding',
  'content-length',
  // Frames are relayed as they come: no compression to undo and redo on a loopback hop.
  'sec-websocket-extensions',
  'x-forwarded-for',
  'x-request-id',
  'traceparent',
  'tracestate',
]);

/**
 * The upgrade as the websocket-service receives it: the client's credentials (`?token=` in the
 * URL, or an Authorization header) and WebSocket headers, the gateway's request id, client
 * address and trace context — never a client's identity claims (stripped on request).
 */
function upstreamRequestHead(request: FastifyRequest, host: string): string {
  const lines = [
    `GET ${request.url} HTTP/1.1`,
    `host: ${host}`,
    'connection: Upgrade',
    'upgrade: websocket',
  ];
  for (const [name, value] of Object.entries(request.headers)) {
    if (value === undefined || NOT_FORWARDED.has(name)) continue;
    for (const one of Array.isArray(value) ? value : [value]) lines.push(`${name}: ${one}`);
  }
  const own = {
    ...contextHeaders(requestContextOf(request) ?? activeContext()),
    'x-request-id': request.id,
    'x-forwarded-for': request.ip,
  };
  for (const [name, value] of Object.entries(own)) lines.push(`${name}: ${value}`);
  return `${lines.join('\r\n')}\r\n\r\n`;
}

/**
 * `/ws` upgrades go to the websocket-service with their query (`?token=`) intact; it
 * authenticates them itself and closes with 4001 (or 1013 while the auth-service is down), which
 * reaches the client unchanged. An upgrade goes through the router like any request, so the
 * per-IP bucket and the identity stripping apply; any other path is answered 404 without an
 * upgrade. The gateway closes a client itself with 1011 when no instance answers, 1013 when its
 * instance died under it, 1009 for a frame over WS_MAX_PAYLOAD_BYTES and 1001 when it stops.
 */
export function registerWebSocketProxy(app: AppInstance, deps: ProxyDeps): void {
  const target = new URL(deps.services[WEBSOCKET_ROUTE.service]);
  const upstream = { host: target.hostname, port: Number(target.port || 80) };
  const upgrades = new WeakMap<IncomingMessage, { socket: Duplex; head: Buffer }>();
  const tunnels = new Set<Tunnel>();

  app.server.on('upgrade', (raw: IncomingMessage, socket: Duplex, head: Buffer) => {
    upgrades.set(raw, { socket, head });
    // An answer without an upgrade (429, 404) is written to the socket, which then ends.
    const response = new ServerResponse(raw);
    response.assignSocket(socket as Socket);
    response.once('finish', () => socket.destroy());
    app.routing(raw, response);
  });

  app.addHook('onRequest', async (request) => {
    if (upgrades.has(request.raw) && pathOf(request.url) !== WEBSOCKET_ROUTE.prefix)
      throw notFound('WebSocket upgrades are served at /ws only');
  });

  app.get(WEBSOCKET_ROUTE.prefix, (request, reply) => {
    const upgrade = upgrades.get(request.raw);
    const key = request.headers['sec-websocket-key'];
    if (!upgrade || request.headers.upgrade?.toLowerCase() !== 'websocket' || !key)
      throw validationError('GET /ws opens a WebSocket: send an upgrade request');
    reply.hijack();
    deps.log.info({ request_id: request.id, url: pathOf(request.url) }, 'websocket upgrade');
    const tunnel = openTunnel({
      client: upgrade.socket,
      head: upgrade.head,
      requestHead: upstreamRequestHead(request, target.host),
      key,
      upstream,
      handshakeTimeoutMs: deps.timeoutMs,
      maxPayloadBytes: deps.maxPayloadBytes,
      onClosed: () => tunnels.delete(tunnel),
    });
    tunnels.add(tunnel);
  });

  app.addHook('preClose', (done) => {
    for (const tunnel of tunnels) tunnel.shutdown();
    done();
  });
}

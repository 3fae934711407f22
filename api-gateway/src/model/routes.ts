import { pathOf } from '@wa/pkg/http';

/** Every service behind the gateway, by the name `/health` reports it under. */
export const SERVICE_NAMES = [
  'auth-service',
  'user-service',
  'chat-service',
  'message-service',
  'notification-service',
  'media-service',
  'websocket-service',
] as const;

export type ServiceName = (typeof SERVICE_NAMES)[number];

/** Which body limit a route keeps: small JSON bodies, or media uploads (addenda I). */
export type BodyLimit = 'json' | 'upload';

const MULTIPART = /^multipart\/form-data\s*(;|$)/i;

/**
 * The limit one request's body is held to. An upload route's larger limit is for a file, which is
 * multipart; any other body there is held to the JSON limit, which the service behind keeps too. So
 * the gateway refuses an oversized one itself: the service would answer before the body's end and
 * close, and the gateway, still sending the body, would see a reset and answer 503.
 */
export function bodyLimitOf(route: ProxyRoute, contentType: string | undefined): BodyLimit {
  return route.bodyLimit === 'upload' && MULTIPART.test(contentType ?? '') ? 'upload' : 'json';
}

export interface ProxyRoute {
  service: ServiceName;
  /** Mount point; it is forwarded unchanged (the upstream sees the same path and query). */
  prefix: string;
  /** Paths under the prefix, in find-my-way syntax. */
  routes: string[];
  bodyLimit: BodyLimit;
}

const EVERYTHING = ['/', '/*'];

/**
 * PRD §3.1 route table. Message history lives under `/chats/:id/messages` but belongs to the
 * message-service: find-my-way prefers the static `messages` segment to the chat wildcard, so
 * the more specific entry wins whatever the registration order.
 */
export const API_ROUTES: readonly ProxyRoute[] = [
  { service: 'auth-service', prefix: '/api/v1/auth', routes: EVERYTHING, bodyLimit: 'json' },
  { service: 'user-service', prefix: '/api/v1/users', routes: EVERYTHING, bodyLimit: 'json' },
  {
    service: 'message-service',
    prefix: '/api/v1/chats',
    routes: ['/:chatId/messages', '/:chatId/messages/*'],
    bodyLimit: 'json',
  },
  { service: 'chat-service', prefix: '/api/v1/chats', routes: EVERYTHING, bodyLimit: 'json' },
  { service: 'message-service', prefix: '/api/v1/messages', routes: EVERYTHING, bodyLimit: 'json' },
  { service: 'media-service', prefix: '/api/v1/media', routes: EVERYTHING, bodyLimit: 'upload' },
];

/** The WebSocket entry point; the websocket-service authenticates the upgrade itself (close 4001). */
export const WEBSOCKET_ROUTE: ProxyRoute = {
  service: 'websocket-service',
  prefix: '/ws',
  routes: ['/'],
  bodyLimit: 'json',
};

/** The only API calls allowed without an access token (they are how a client gets one). */
const PUBLIC_ROUTES = new Set([
  'POST /api/v1/auth/request-otp',
  'POST /api/v1/auth/verify-otp',
  'POST /api/v1/auth/refresh',
]);

/** Probes and metrics: never rate limited, never logged per request. */

export const isPublicRoute = (method: string, url: string): boolean =>
  PUBLIC_ROUTES.has(`${method} ${pathOf(url)}`);

const BEARER = /^Bearer +([A-Za-z0-9\-._~+/]+=*) *$/i;
const MAX_TOKEN_LENGTH = 4_096;

/** The token of an `Authorization: Bearer <token>` header, or undefined when absent or malformed. */
export function bearerToken(header: string | undefined): string | undefined {
  if (!header || header.length > MAX_TOKEN_LENGTH + 16) return undefined;
  const token = BEARER.exec(header)?.[1];
  return token && token.length <= MAX_TOKEN_LENGTH ? token : undefined;
}

import proxy, { type FastifyHttpProxyOptions } from '@fastify/http-proxy';
import { AppError, serviceUnavailable, unauthorized, validationError } from '@wa/pkg/errors';
import {
  USER_ID_HEADER,
  USER_PHONE_HEADER,
  requestContextOf,
  type AppInstance,
  type Caller,
} from '@wa/pkg/http';
import { activeContext, contextHeaders } from '@wa/pkg/telemetry';
import type { Logger } from '@wa/pkg/log';
import {
  API_ROUTES,
  bearerToken,
  bodyLimitOf,
  isPublicRoute,
  type BodyLimit,
  type ProxyRoute,
  type ServiceName,
} from '../model/routes.ts';
import { enforceBodyLimit, payloadTooLarge, wasCutAtLimit } from './body-limit.ts';
import type { RateLimiter } from '../service/rate-limiter.ts';
import type { ProxyAttempt, UpstreamBreaker } from '../service/upstream-breaker.ts';
import type { TokenVerifier } from '../service/token-verifier.ts';

export interface ProxyDeps {
  services: Readonly<Record<ServiceName, string>>;
  tokens: TokenVerifier;
  limiter: RateLimiter;
  timeoutMs: number;
  maxPayloadBytes: number;
  bodyLimits: Readonly<Record<BodyLimit, number>>;
  breakers: Readonly<Record<ServiceName, UpstreamBreaker>>;
  log: Logger;
}

type ReplyOptions = NonNullable<FastifyHttpProxyOptions['replyOptions']>;
/** The request as reply-from hands it to its hooks (typed for any server, HTTP/2 included). */
type ProxiedRequest = Parameters<NonNullable<ReplyOptions['rewriteRequestHeaders']>>[0];
type Headers = ReturnType<NonNullable<ReplyOptions['rewriteRequestHeaders']>>;

/** The caller each authenticated request was validated as; read when the upstream request is built. */
const callers = new WeakMap<object, Caller>();

/**
 * Headers the upstream receives. reply-from has already dropped hop-by-hop headers (and any a
 * client listed in `Connection`), so what is set here always arrives.
 */
function upstreamHeaders(request: ProxiedRequest, headers: Headers): Headers {
  const forwarded: Headers = { ...headers };
  delete forwarded[USER_ID_HEADER];
  delete forwarded[USER_PHONE_HEADER];
  const caller = callers.get(request);
  if (caller) {
    forwarded[USER_ID_HEADER] = caller.userId;
    if (caller.phone) forwarded[USER_PHONE_HEADER] = caller.phone;
  }
  delete forwarded.traceparent;
  delete forwarded.tracestate;
  // traceparent names the gateway's span (the client's own, when tracing is off); the request id.
  Object.assign(forwarded, contextHeaders(requestContextOf(request) ?? activeContext()));
  forwarded['x-request-id'] = request.id;
  forwarded['x-forwarded-for'] = request.ip;
  return forwarded;
}

/** The breaker attempt of each request in flight; settled when the upstream answers or fails. */
const attempts = new WeakMap<object, ProxyAttempt>();

/** Options shared by every proxied route: bounded waits, no retries, every failure a 503 envelope. */
export function httpProxyOptions(route: ProxyRoute, deps: ProxyDeps) {
  const bodyLimit = (request: { headers: { 'content-type'?: string } }) =>
    deps.bodyLimits[bodyLimitOf(route, request.headers['content-type'])];
  const breaker = deps.breakers[route.service];
  return {
    upstream: deps.services[route.service],
    prefix: route.prefix,
    // The upstream sees the same path as the client sent.
    rewritePrefix: route.prefix,
    routes: route.routes,
    disableRequestLogging: true,
    preHandler: enforceBodyLimit(bodyLimit),
    handler: async (request, reply, dest, options) => {
      let refused: Error | undefined;
      const forwarded = await breaker.run((attempt) => {
        attempts.set(request, attempt);
        // Whatever the status, an answer that reached the client means the upstream is serving.
        reply.raw.once('close', () => attempt.answered());
        try {
          reply.from(dest, options);
        } catch (error) {
          // reply-from refuses some URLs (a segment decoding to `../`): the client's fault, answered below.
          refused = error as Error;
          attempt.answered();
        }
      });
      if (refused) throw refused;
      if (!forwarded) {
        throw new AppError('SERVICE_UNAVAILABLE', `${route.service} is unavailable`, {
          retryAfter: breaker.retryAfterSeconds,
        });
      }
      return reply;
    },
    destroyAgent: true,
    undici: {
      connectTimeout: Math.min(deps.timeoutMs, 3_000),
      headersTimeout: deps.timeoutMs,
      bodyTimeout: deps.timeoutMs,
    },
    replyOptions: {
      // reply-from retries a GET answered 503 up to ten times; an error envelope must pass through as is.
      retryDelay: () => null,
      rewriteRequestHeaders: upstreamHeaders,
      rewriteHeaders: (headers, request) =>
        request ? { ...headers, 'x-request-id': request.id } : headers,
      // Refused, reset, timed out or garbled: the client learns the service is unavailable, the log learns why.
      onError: (reply, { error }) => {
        const attempt = attempts.get(reply.request);
        if (wasCutAtLimit(reply.request)) {
          attempt?.answered();
          return void reply.send(payloadTooLarge(bodyLimit(reply.request)));
        }
        attempt?.failed(error);
        // A body the upstream never read leaves the connection unusable; close it after answering.
        if (!reply.request.raw.complete) reply.header('connection', 'close');
        reply.send(serviceUnavailable(`${route.service} is unavailable`, error));
      },
    } satisfies ReplyOptions,
  } satisfies FastifyHttpProxyOptions;
}

/** Every `/api/v1` route: bearer token checked (but for the public auth calls), then the per-user bucket. */
export function registerApiProxies(app: AppInstance, deps: ProxyDeps): void {
  void app.register(async (api) => {
    api.addHook('onRequest', async (request) => {
      // Only /ws upgrades; any other upgrade would be handed to a proxy that cannot take it.
      if (request.headers.upgrade)
        throw validationError('Connection upgrades are only accepted on /ws');
      if (isPublicRoute(request.method, request.url)) return;
      const token = bearerToken(request.headers.authorization);
      if (!token) throw unauthorized('A bearer access token is required');
      const caller = await deps.tokens.verify(token);
      callers.set(request, caller);
      await deps.limiter.checkUser(caller.userId);
    });
    for (const route of API_ROUTES) {
      void api.register(proxy, httpProxyOptions(route, deps));
    }
  });
}

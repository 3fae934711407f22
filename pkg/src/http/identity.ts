import type { FastifyInstance, FastifyRequest } from 'fastify';
import { unauthorized } from '../errors/index.ts';
import { normaliseUuid } from '../uuid/index.ts';

/** Headers the gateway sets after authenticating a request; clients can never set them (addenda A). */
export const USER_ID_HEADER = 'x-user-id';
export const USER_PHONE_HEADER = 'x-user-phone';

export interface Caller {
  /** Lower-case, like every id behind the edge. */
  userId: string;
  phone: string;
}

declare module 'fastify' {
  interface FastifyRequest {
    /** The caller the gateway forwarded, or null on a request that did not come through it. */
    caller: Caller | null;
  }
}

/** The caller named by the gateway's headers, or null when they are missing or malformed. */
export function callerFromHeaders(
  headers: Record<string, string | string[] | undefined>,
): Caller | null {
  const userId = normaliseUuid(headers[USER_ID_HEADER]);
  if (userId === undefined) return null;
  const phone = headers[USER_PHONE_HEADER];
  return { userId, phone: typeof phone === 'string' ? phone : '' };
}

/**
 * Services behind the gateway read the caller once per request here, so routes use
 * `request.caller` (or `requireCaller`) and never parse the headers themselves.
 */
export function registerCallerHook(app: FastifyInstance): void {
  app.decorateRequest('caller', null);
  app.addHook('onRequest', async (request) => {
    request.caller = callerFromHeaders(request.headers);
  });
}

/** What `requireCaller` reads: any Fastify request of an app built with `callerHeaders`. */
export type CallerRequest = Pick<FastifyRequest, 'caller'>;

/** The authenticated caller, or 401 when the request did not come through the gateway. */
export function requireCaller(request: CallerRequest): Caller {
  if (!request.caller) throw unauthorized();
  return request.caller;
}

import type { FastifyInstance, RouteOptions } from 'fastify';
import type { WorkTracker } from '../health/index.ts';
import { OPERATIONAL_PATHS } from './request-log.ts';

const isThenable = (value: unknown): value is PromiseLike<unknown> =>
  typeof (value as { then?: unknown } | null)?.then === 'function';

/**
 * Reports every route handler declared after this call into `tracker`, from its start until the
 * promise (or reply) it returns settles. Its end is the handler's, not the response's: a handler
 * stuck on a store stays in flight after its client gave up. The probes are left out, so they
 * never count as progress; WebSocket routes too (their handler lives as long as the socket).
 */
export function trackHandlers(app: FastifyInstance, tracker: WorkTracker): void {
  app.addHook('onRoute', (route: RouteOptions & { websocket?: boolean }) => {
    if (route.websocket || OPERATIONAL_PATHS.has(route.url)) return;
    const handler = route.handler;
    route.handler = function tracked(this: FastifyInstance, request, reply) {
      const done = tracker.begin();
      let result: unknown;
      try {
        result = handler.call(this, request, reply);
      } catch (error) {
        done();
        throw error;
      }
      if (isThenable(result)) result.then(done, done);
      else done();
      return result;
    };
  });
}

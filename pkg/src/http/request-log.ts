import type { FastifyInstance } from 'fastify';

/** Probes are polled every few seconds; logging them would drown everything else. */
export const OPERATIONAL_PATHS: ReadonlySet<string> = new Set(['/health', '/ready', '/metrics']);

/** The path of a request URL; the query is dropped because it may carry a token. */
export const pathOf = (url: string): string => {
  const query = url.indexOf('?');
  return query === -1 ? url : url.slice(0, query);
};

/** One line per request: method, path without the query, status and duration, under the request id. */
export function logRequests(app: FastifyInstance): void {
  app.addHook('onResponse', async (request, reply) => {
    const path = pathOf(request.url);
    if (OPERATIONAL_PATHS.has(path)) return;
    request.log.info(
      {
        method: request.method,
        url: path,
        status_code: reply.statusCode,
        response_time_ms: Math.round(reply.elapsedTime * 10) / 10,
      },
      'request completed',
    );
  });
}

import type { FastifySchema } from 'fastify';
import { createHttpServer, type AppInstance } from '../http/index.ts';
import { createLogger } from '../log/index.ts';

/** One public REST route as a service registers it. */
export interface ApiRoute {
  method: string;
  /** In Fastify's syntax: `/api/v1/users/:id`. */
  url: string;
  schema: FastifySchema | undefined;
}

/** Only these are public REST routes; probes and metrics are not part of the API. */
const API_PREFIX = '/api/';

/**
 * Runs a service's route registration on a bare app of the same kind the service builds, and
 * lists its `/api/` routes with their schemas. Nothing is served and no handler is called, so the
 * registration may be given stand-ins for every dependency. The app is made ready (compiling
 * every schema) and closed.
 */
export async function collectApiRoutes(
  service: string,
  register: (app: AppInstance) => void | Promise<void>,
): Promise<ApiRoute[]> {
  const app = createHttpServer({ service, log: createLogger({ service, level: 'silent' }) });
  const routes: ApiRoute[] = [];
  app.addHook('onRoute', (route) => {
    if (!route.url.startsWith(API_PREFIX)) return;
    for (const method of [route.method].flat()) {
      // Fastify adds a HEAD route to every GET; the GET documents both.
      if (method !== 'HEAD') routes.push({ method, url: route.url, schema: route.schema });
    }
  });
  try {
    await register(app);
    await app.ready();
  } finally {
    await app.close();
  }
  return routes;
}

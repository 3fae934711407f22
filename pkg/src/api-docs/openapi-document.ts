import { errorCodeTable, sharedComponents } from './openapi-components.ts';
import { openApiPath, operationOf } from './openapi-operation.ts';
import type { ApiRoute } from './route-catalog.ts';

/** The routes of one service, under one tag of the reference. */
export interface ServiceRoutes {
  /** The service that owns the routes, by the gateway's name for it. */
  service: string;
  tag: string;
  description: string;
  routes: readonly ApiRoute[];
}

export interface OpenApiOptions {
  title: string;
  version: string;
  services: readonly ServiceRoutes[];
  /** Routes the gateway lets through without an access token. */
  isPublic(method: string, url: string): boolean;
}

const INTRODUCTION = `Every REST route of the backend, as the api-gateway serves it: the gateway authenticates,
rate-limits and forwards each route to the service that owns it. Generated from the schemas that
validate the routes (\`npm run docs:gen\`); the WebSocket protocol is at [/asyncapi.json](/asyncapi.json).

**Log in:** \`POST /api/v1/auth/request-otp\`, then \`POST /api/v1/auth/verify-otp\` with the code
(the local stack's mock SMS provider takes \`123456\`); send the \`access_token\` as
\`Authorization: Bearer <token>\` on every other route, and renew it with \`POST /api/v1/auth/refresh\`.

**Envelope:** every answer is \`{ success, data, error, meta: { request_id, timestamp } }\`; the
\`X-Request-Id\` header equals \`meta.request_id\`. On failure \`data\` is null and \`error\` holds a
\`code\`, a \`message\` and, for invalid input, \`details\`:

${errorCodeTable()}

429 and 503 answers carry \`Retry-After\` (seconds). IDs are UUIDs; a malformed one in a path is 400.`;

/** One OpenAPI 3.1 document for every public REST route of every service. */
export function buildOpenApiDocument(options: OpenApiOptions) {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const service of options.services) {
    for (const route of service.routes) {
      const path = openApiPath(route.url);
      const method = route.method.toLowerCase();
      const item = (paths[path] ??= {});
      if (item[method]) throw new Error(`${route.method} ${route.url} is registered twice`);
      item[method] = operationOf(route, {
        tag: service.tag,
        isPublic: options.isPublic(route.method, route.url),
      });
    }
  }
  return {
    openapi: '3.1.0',
    info: { title: options.title, version: options.version, description: INTRODUCTION },
    servers: [{ url: '/', description: 'The api-gateway serving this document' }],
    security: [{ bearerAuth: [] }],
    tags: options.services.map(({ tag, description }) => ({ name: tag, description })),
    paths,
    components: sharedComponents(),
  };
}

export type OpenApiDocument = ReturnType<typeof buildOpenApiDocument>;

import { join } from 'node:path';
import {
  buildAsyncApiDocument,
  buildOpenApiDocument,
  routeSchemaProblems,
  type ServiceRoutes,
} from '@wa/pkg/api-docs';
import { isPublicRoute } from '../../api-gateway/src/model/routes.ts';
import { BODYLESS_ROUTES, collectServiceRoutes } from './service-routes.ts';

const repoRoot = join(import.meta.dirname, '../..');

/** Where the gateway reads the generated documents from (it never imports the services). */
export const API_DOC_FILES = {
  openapi: join(repoRoot, 'api-gateway/src/gen/openapi.json'),
  asyncapi: join(repoRoot, 'api-gateway/src/gen/asyncapi.json'),
} as const;

export const REGENERATE_COMMAND = 'npm run docs:gen';

const VERSION = '1.0.0';

/** Every problem of every route's schema (routeSchemaProblems). */
export const schemaProblemsOf = (services: readonly ServiceRoutes[]): string[] =>
  services.flatMap(({ routes }) =>
    routes.flatMap((route) => routeSchemaProblems(route, BODYLESS_ROUTES)),
  );

/** The two reference documents as the code would generate them now; refused while a route is undocumented. */
export async function generateApiDocs() {
  const services = await collectServiceRoutes();
  const problems = schemaProblemsOf(services);
  if (problems.length > 0)
    throw new Error(`Routes without a whole schema:\n${problems.join('\n')}`);
  const openapi = buildOpenApiDocument({
    title: 'WhatsApp-style messaging backend: REST API',
    version: VERSION,
    services,
    isPublic: isPublicRoute,
  });
  return { openapi, asyncapi: buildAsyncApiDocument({ version: VERSION }) };
}

/** The committed form of a document. */
export const serialise = (document: unknown): string => `${JSON.stringify(document, null, 2)}\n`;

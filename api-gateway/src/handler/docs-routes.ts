import type { FastifyReply, FastifyRequest } from 'fastify';
import { failure, type AppInstance } from '@wa/pkg/http';
import {
  loadApiReferenceFiles,
  staticFile,
  type ApiReferenceFiles,
  type StaticFile,
} from '../repository/api-reference-files.ts';

const ASSETS = '/docs/assets';

/** Swagger UI over the gateway's own document; no validator badge (it would call out). */
const INIT_SCRIPT = `window.ui = SwaggerUIBundle({
  url: '/openapi.json',
  dom_id: '#swagger-ui',
  deepLinking: true,
  persistAuthorization: true,
  validatorUrl: null,
  presets: [SwaggerUIBundle.presets.apis],
  layout: 'BaseLayout',
});
`;

const PAGE = `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <meta name="viewport" content="width=device-width, initial-scale=1" />
    <title>API reference</title>
    <link rel="icon" type="image/png" href="${ASSETS}/favicon-32x32.png" />
    <link rel="stylesheet" href="${ASSETS}/swagger-ui.css" />
  </head>
  <body>
    <p style="font-family: sans-serif; margin: 1em 2em">
      REST (OpenAPI 3.1): <a href="/openapi.json">/openapi.json</a> · WebSocket (AsyncAPI 3.0):
      <a href="/asyncapi.json">/asyncapi.json</a>
    </p>
    <div id="swagger-ui"></div>
    <script src="${ASSETS}/swagger-ui-bundle.js"></script>
    <script src="${ASSETS}/init.js"></script>
  </body>
</html>
`;

/** Only what the page loads, from this origin; Swagger UI sets inline styles and data: images. */
const PAGE_POLICY =
  "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; " +
  "connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/** The documents and the page change with a deploy, so they are revalidated (a 304 is cheap). */
const REVALIDATE = 'no-cache';
const ONE_DAY = 'public, max-age=86400';

const textFile = (body: string, contentType: string) => staticFile(Buffer.from(body), contentType);

function answer(request: FastifyRequest, reply: FastifyReply, file: StaticFile, cache: string) {
  void reply
    .header('etag', file.etag)
    .header('cache-control', cache)
    .header('x-content-type-options', 'nosniff');
  if (request.headers['if-none-match'] === file.etag) return reply.code(304).send();
  return reply.header('content-type', file.contentType).send(file.body);
}

/**
 * Addenda M: `GET /openapi.json`, `GET /asyncapi.json` and the reference page at `GET /docs`
 * (Swagger UI from node_modules), with no token and outside the per-IP bucket: static bytes,
 * while the API calls made from the page keep their limits.
 */
export function registerDocsRoutes(
  app: AppInstance,
  files: ApiReferenceFiles = loadApiReferenceFiles(),
): void {
  const options = { config: { ipRateLimit: false as const } };
  const page = textFile(PAGE, 'text/html; charset=utf-8');
  const assets = new Map(files.assets).set(
    'init.js',
    textFile(INIT_SCRIPT, 'text/javascript; charset=utf-8'),
  );

  app.get('/openapi.json', options, async (request, reply) =>
    answer(request, reply, files.openapi, REVALIDATE),
  );
  app.get('/asyncapi.json', options, async (request, reply) =>
    answer(request, reply, files.asyncapi, REVALIDATE),
  );
  app.get('/docs', options, async (request, reply) => {
    void reply.header('content-security-policy', PAGE_POLICY);
    return answer(request, reply, page, REVALIDATE);
  });
  app.get('/docs/', options, async (_request, reply) => reply.redirect('/docs', 301));
  app.get<{ Params: { file: string } }>(`${ASSETS}/:file`, options, async (request, reply) => {
    const file = assets.get(request.params.file);
    if (file) return answer(request, reply, file, ONE_DAY);
    return reply
      .code(404)
      .send(failure(request.id, 'NOT_FOUND', `No reference asset ${request.params.file}`));
  });
}

import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

/** One file served as it is, read once at start-up. */
export interface StaticFile {
  body: Buffer;
  contentType: string;
  etag: string;
}

export interface ApiReferenceFiles {
  openapi: StaticFile;
  asyncapi: StaticFile;
  /** Swagger UI's script, styles and icon, by the file name they are served under. */
  assets: ReadonlyMap<string, StaticFile>;
}

const JSON_TYPE = 'application/json; charset=utf-8';

/** What the page needs from swagger-ui-dist; nothing else of the package is reachable. */
const SWAGGER_UI_FILES: Record<string, string> = {
  'swagger-ui.css': 'text/css; charset=utf-8',
  'swagger-ui-bundle.js': 'text/javascript; charset=utf-8',
  'favicon-32x32.png': 'image/png',
};

export function staticFile(body: Buffer, contentType: string): StaticFile {
  const etag = `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"`;
  return { body, contentType, etag };
}

const read = (path: string, contentType: string) => staticFile(readFileSync(path), contentType);

/** The generated documents (`npm run docs:gen` writes them next to the source). */
const GENERATED_DIR = join(import.meta.dirname, '../gen');

/**
 * The API reference the gateway serves: the OpenAPI and AsyncAPI documents generated from the
 * services' schemas, and Swagger UI's files from node_modules (never a CDN). Read once: they only
 * change with a new build.
 */
export function loadApiReferenceFiles(): ApiReferenceFiles {
  const swaggerUiDir = dirname(
    createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'),
  );
  const assets = new Map<string, StaticFile>(
    Object.entries(SWAGGER_UI_FILES).map(([name, type]) => [
      name,
      read(join(swaggerUiDir, name), type),
    ]),
  );
  return {
    openapi: read(join(GENERATED_DIR, 'openapi.json'), JSON_TYPE),
    asyncapi: read(join(GENERATED_DIR, 'asyncapi.json'), JSON_TYPE),
    assets,
  };
}

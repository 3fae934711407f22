import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { extname, join, normalize, sep } from 'node:path';
import { failure, type AppInstance } from '@wa/pkg/http';

/** Content types of what a Vite build writes; anything else is served as bytes. */
const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.ico': 'image/x-icon',
  '.webp': 'image/webp',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
};

/** Vite names every file under assets/ after its content hash, so it never changes under one URL. */
const IMMUTABLE = 'public, max-age=31536000, immutable';
/** index.html names the current hashes, so it is checked again on every visit. */
const REVALIDATE = 'no-cache';

export interface ConsoleRouteOptions {
  /** The Vite build output (index.html and assets/); it may be missing until the console is built. */
  dir: string;
}

/** A regular file's size, or undefined when there is none at that path. */
async function fileSize(path: string): Promise<number | undefined> {
  try {
    const info = await stat(path);
    return info.isFile() ? info.size : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The file a console path names inside `dir`, or undefined for a path that would leave it or
 * names a dotfile. `relative` is already URL-decoded by the router.
 */
function resolveInside(dir: string, relative: string): string | undefined {
  const cleaned = normalize(`/${relative}`);
  if (cleaned.split('/').some((segment) => segment.startsWith('.'))) return undefined;
  const path = join(dir, cleaned);
  return path === dir || path.startsWith(dir.endsWith(sep) ? dir : dir + sep) ? path : undefined;
}

/**
 * Addenda M: the web console's static files at `/console/`, without a token and outside the API's
 * per-IP bucket (the API calls it makes keep theirs). A path that names no file is a client route
 * and gets index.html, but for one under assets/ (a stale hash), which is a 404.
 */
export function registerConsoleRoutes(app: AppInstance, { dir }: ConsoleRouteOptions): void {
  const routeConfig = { config: { ipRateLimit: false as const } };

  app.get('/console', routeConfig, async (request, reply) => {
    const query = request.url.indexOf('?');
    return reply.redirect(`/console/${query === -1 ? '' : request.url.slice(query)}`, 301);
  });

  app.get<{ Params: { '*': string } }>('/console/*', routeConfig, async (request, reply) => {
    const index = join(dir, 'index.html');
    const indexSize = await fileSize(index);
    if (indexSize === undefined) {
      return reply
        .code(503)
        .header('retry-after', '60')
        .send(
          failure(
            request.id,
            'SERVICE_UNAVAILABLE',
            'The web console is not built: run `npm run build -w console` (make run builds it)',
          ),
        );
    }
    const relative = request.params['*'];
    const path = relative === '' ? index : resolveInside(dir, relative);
    const size = path === undefined ? undefined : await fileSize(path);
    if (path !== undefined && size !== undefined) {
      const type = CONTENT_TYPES[extname(path)] ?? 'application/octet-stream';
      return reply
        .header('content-type', type)
        .header('content-length', size)
        .header('cache-control', path === index ? REVALIDATE : IMMUTABLE)
        .header('x-content-type-options', 'nosniff')
        .send(createReadStream(path));
    }
    if (relative.startsWith('assets/') || path === undefined) {
      return reply
        .code(404)
        .send(failure(request.id, 'NOT_FOUND', `No console file at /console/${relative}`));
    }
    return reply
      .header('content-type', CONTENT_TYPES['.html'])
      .header('content-length', indexSize)
      .header('cache-control', REVALIDATE)
      .send(createReadStream(index));
  });
}

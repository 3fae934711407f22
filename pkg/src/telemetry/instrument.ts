import { createRequire } from 'node:module';
import { tracesEndpoint } from './endpoint.ts';
import type * as Instrumentations from './client-instrumentations.ts';

/*
 * `import '@wa/pkg/instrument'`, first in every service's main.ts. Modules run in the order they
 * are imported, so this runs before any database client is loaded, which the instrumentations
 * must precede; no start command needs a flag (`make run`, the e2e stack, the image, the chart).
 * With tracing off (no OTLP endpoint) it loads and registers nothing: no hooks, no cost. It is
 * synchronous on purpose: a top-level await would let the next imports run before it finished.
 */
if (tracesEndpoint(process.env)) {
  const load = createRequire(import.meta.url);
  (load('./client-instrumentations.ts') as typeof Instrumentations).instrumentClients();
}

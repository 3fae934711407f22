import { execFileSync } from 'node:child_process';
import { resolve } from 'node:path';
import { repoRoot } from './service-process.ts';
import { startServerProcess } from './server-process.ts';

/** Jaeger all-in-one's fixed ports: the UI and query API, and OTLP over HTTP. */
const QUERY_URL = 'http://127.0.0.1:16686';
const OTLP_HTTP_URL = 'http://127.0.0.1:4318';

export interface TestJaeger {
  /** Jaeger's query API origin (`/api/traces`, `/api/services`). */
  queryUrl: string;
  /** Where services export spans (OTEL_EXPORTER_OTLP_ENDPOINT). */
  otlpUrl: string;
  stop(): Promise<void>;
}

async function answering(): Promise<boolean> {
  try {
    return (await fetch(`${QUERY_URL}/api/services`, { signal: AbortSignal.timeout(1_000) })).ok;
  } catch {
    return false;
  }
}

/**
 * A Jaeger (in-memory) for tests that look for traces. Its ports are fixed, so one that already
 * answers there (`make run`'s) is used as it is; else the one scripts/infra/jaeger.sh builds is
 * started, and stopped by `stop()`. Traces are found by ids the test made, so sharing is safe.
 */
export async function startJaegerServer(): Promise<TestJaeger> {
  if (await answering())
    return { queryUrl: QUERY_URL, otlpUrl: OTLP_HTTP_URL, stop: async () => {} };
  const binary =
    process.env.JAEGER_BIN ??
    execFileSync('bash', [resolve(repoRoot, 'scripts/infra/jaeger.sh')], {
      encoding: 'utf8',
    }).trim();
  const server = await startServerProcess({
    name: 'jaeger',
    candidates: [binary],
    envVar: 'JAEGER_BIN',
    args: [],
    readyWhen: 'Everything is ready',
  });
  return { queryUrl: QUERY_URL, otlpUrl: OTLP_HTTP_URL, stop: () => server.stop() };
}

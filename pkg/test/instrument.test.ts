import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { repoRoot, STACK_SERVICES } from '@wa/pkg/testing';
import { redisStatement } from '../src/telemetry/client-instrumentations.ts';

/*
 * `@wa/pkg/instrument` in a fresh process, as a service's main.ts loads it: first, then the
 * database clients by ESM import. Every module resolved is recorded, to show that with tracing
 * off not one instrumentation module is loaded.
 */
const PROBE = `
import { createRequire, registerHooks } from 'node:module';
import { fileURLToPath } from 'node:url';
const resolved = [];
registerHooks({ resolve: (specifier, context, next) => {
  const result = next(specifier, context);
  resolved.push(result.url);
  return result;
} });
await import('@wa/pkg/instrument');
const { default: pg } = await import('pg');
const { Redis } = await import('ioredis');
await import('mongodb');
const { default: https } = await import('node:https');
const wrapped = (method) => Boolean(method.__wrapped);
const connectionFile = resolved.find((url) => url.endsWith('/mongodb/lib/cmap/connection.js'));
const { Connection } = createRequire(import.meta.url)(fileURLToPath(connectionFile));
process.stdout.write(JSON.stringify({
  pg: wrapped(pg.Client.prototype.query),
  pool: wrapped(pg.Pool.prototype.connect),
  redis: wrapped(Redis.prototype.sendCommand),
  mongodb: wrapped(Connection.prototype.command),
  https: wrapped(https.request),
  instrumentation: resolved.filter((url) => url.includes('/@opentelemetry/instrumentation')).length,
}));
`;

interface Probe {
  pg: boolean;
  pool: boolean;
  redis: boolean;
  mongodb: boolean;
  https: boolean;
  instrumentation: number;
}

async function probe(env: Record<string, string>): Promise<Probe> {
  const clean = { ...process.env };
  delete clean.OTEL_EXPORTER_OTLP_ENDPOINT;
  delete clean.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT;
  const { stdout } = await promisify(execFile)(
    process.execPath,
    ['--input-type=module', '--eval', PROBE],
    { cwd: repoRoot, env: { ...clean, ...env } },
  );
  return JSON.parse(stdout) as Probe;
}

test('with tracing off, no instrumentation is loaded and no client is patched', async () => {
  assert.deepEqual(await probe({}), {
    pg: false,
    pool: false,
    redis: false,
    mongodb: false,
    https: false,
    instrumentation: 0,
  });
});

test('with an OTLP endpoint, ESM imports of pg, ioredis, mongodb and node:https get patched clients', async () => {
  const patched = await probe({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:9' });
  assert.equal(patched.pg, true, 'pg Client.query');
  assert.equal(patched.pool, true, 'pg Pool.connect');
  assert.equal(patched.redis, true, 'ioredis sendCommand');
  assert.equal(patched.mongodb, true, 'mongodb Connection.command');
  assert.equal(patched.https, true, 'node:https request');
  assert.ok(patched.instrumentation > 0);
});

test('OTEL_SDK_DISABLED=true keeps the clients as they are', async () => {
  const probed = await probe({
    OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:9',
    OTEL_SDK_DISABLED: 'true',
  });
  assert.equal(probed.instrumentation, 0);
  assert.equal(probed.redis, false);
});

test('every service imports @wa/pkg/instrument before anything else', async () => {
  for (const name of [...STACK_SERVICES, 'api-gateway']) {
    const main = await readFile(resolve(repoRoot, name, 'src/main.ts'), 'utf8');
    const firstImport = main.split('\n').find((line) => line.startsWith('import '));
    assert.equal(firstImport, "import '@wa/pkg/instrument';", `${name}/src/main.ts`);
  }
});

test('a Redis statement names the command and its key pattern, never an id, token or value', () => {
  assert.equal(
    redisStatement('set', ['otp:+14155550123', 'hash', 'EX', 300]),
    'set otp:… [3 more]',
  );
  assert.equal(redisStatement('mget', ['stamp:chat:8f0c2b1e-5d7a']), 'mget stamp:chat:…');
  assert.equal(redisStatement('mget', ['push:done:e1:device-token']), 'mget push:done:…');
  assert.equal(redisStatement('get', ['presence_sweep']), 'get presence_sweep');
  assert.equal(
    redisStatement('eval', ['local x = ARGV[6]', 1, 'windows', '{"body":"hi"}']),
    'eval',
  );
  assert.equal(redisStatement('ping', []), 'ping');
});

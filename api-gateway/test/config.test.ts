import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError } from '@wa/pkg/config';
import { loadGatewayConfig } from '../src/config.ts';

function problemsOf(env: Record<string, string>): string[] {
  try {
    loadGatewayConfig(env);
  } catch (error) {
    assert.ok(error instanceof ConfigError);
    return error.problems;
  }
  assert.fail('expected a ConfigError');
}

test('defaults match the local stack', () => {
  const config = loadGatewayConfig({});
  assert.deepEqual(config.listen, { host: '0.0.0.0', httpPort: 8080, grpcPort: undefined });
  assert.equal(config.trustProxy, false);
  assert.equal(config.redisUrl, 'redis://127.0.0.1:6379');
  assert.deepEqual(config.grpcClients.auth, { address: '127.0.0.1:9081', timeoutMs: 3_000 });
  assert.deepEqual(config.services, {
    'auth-service': 'http://127.0.0.1:8081',
    'user-service': 'http://127.0.0.1:8082',
    'chat-service': 'http://127.0.0.1:8083',
    'message-service': 'http://127.0.0.1:8084',
    'notification-service': 'http://127.0.0.1:8085',
    'media-service': 'http://127.0.0.1:8086',
    'websocket-service': 'http://127.0.0.1:8087',
  });
  assert.deepEqual(config.rateLimit, { ipPerMinute: 300, userPerMinute: 100 });
  assert.deepEqual(config.tokenCache, { maxEntries: 10_000, ttlMs: 60_000 });
  assert.equal(config.cors.origins, '*');
  assert.ok(Object.isFrozen(config));
});

test('reads overrides, trims a trailing slash and splits CORS_ORIGINS', () => {
  const config = loadGatewayConfig({
    HTTP_PORT: '9090',
    TRUST_PROXY: 'true',
    USER_SERVICE_URL: 'http://user-service:8082/',
    CORS_ORIGINS: 'https://a.example.com, https://b.example.com:8443',
    RATE_LIMIT_USER_PER_MINUTE: '5',
  });
  assert.equal(config.listen.httpPort, 9090);
  assert.equal(config.trustProxy, true);
  assert.equal(config.services['user-service'], 'http://user-service:8082');
  assert.deepEqual(config.cors.origins, ['https://a.example.com', 'https://b.example.com:8443']);
  assert.equal(config.rateLimit.userPerMinute, 5);
});

test('names each wrong variable, all in one error', () => {
  const problems = problemsOf({
    HTTP_PORT: 'eighty',
    CHAT_SERVICE_URL: 'chat-service:8083',
    AUTH_GRPC_ADDR: 'http://auth:9081',
    RATE_LIMIT_IP_PER_MINUTE: '0',
    CORS_ORIGINS: 'not an origin',
  });
  const named = (variable: string) =>
    problems.some((problem) => problem.startsWith(`${variable}:`));
  for (const variable of [
    'HTTP_PORT',
    'CHAT_SERVICE_URL',
    'AUTH_GRPC_ADDR',
    'RATE_LIMIT_IP_PER_MINUTE',
    'CORS_ORIGINS',
  ]) {
    assert.ok(named(variable), `${variable} in ${JSON.stringify(problems)}`);
  }
});

test('rejects an upstream URL with a path, and a CORS origin with one', () => {
  assert.ok(
    problemsOf({ MEDIA_SERVICE_URL: 'http://media:8086/api' }).some((p) =>
      p.startsWith('MEDIA_SERVICE_URL:'),
    ),
  );
  assert.ok(
    problemsOf({ CORS_ORIGINS: 'https://a.example.com/app' }).some((p) =>
      p.startsWith('CORS_ORIGINS:'),
    ),
  );
  assert.ok(problemsOf({ TRUST_PROXY: 'maybe' }).some((p) => p.startsWith('TRUST_PROXY:')));
});

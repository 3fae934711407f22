import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { AuthService, createGrpcClient, createGrpcServer, type Client } from '@wa/pkg/grpc';
import { testLogger } from '@wa/pkg/testing';
import { authGrpcRoutes } from '../src/handler/grpc-routes.ts';
import { startAuthApp } from './helpers.ts';

let h: Awaited<ReturnType<typeof startAuthApp>>;
let server: ReturnType<typeof createGrpcServer>;
let client: Client<typeof AuthService>;

before(async () => {
  h = await startAuthApp();
  server = createGrpcServer({ routes: authGrpcRoutes(h.auth), log: testLogger() });
  const port = await server.listen(0, '127.0.0.1');
  client = createGrpcClient(AuthService, { address: `127.0.0.1:${port}` });
});
after(async () => {
  await server.close();
  await h.close();
});

test('ValidateToken returns the identity and expiry of a valid token', async () => {
  const { createAccessTokens } = await import('../src/service/access-tokens.ts');
  const tokens = createAccessTokens(h.config.tokens.jwtSecret, 900);
  const userId = randomUUID();
  const answer = await client.validateToken({ token: await tokens.sign(userId, '+14155550123') });
  assert.equal(answer.valid, true);
  assert.equal(answer.userId, userId);
  assert.equal(answer.phone, '+14155550123');
  const secondsLeft = Number(answer.expiresAt) - Math.floor(Date.now() / 1000);
  assert.ok(secondsLeft > 890 && secondsLeft <= 900, String(secondsLeft));
});

test('ValidateToken answers valid=false for a forged or empty token', async () => {
  assert.equal((await client.validateToken({ token: 'a.b.c' })).valid, false);
  assert.equal((await client.validateToken({ token: '' })).valid, false);
});

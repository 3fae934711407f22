import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { Code, ConnectError } from '@connectrpc/connect';
import { AppError } from '@wa/pkg/errors';
import {
  AuthService,
  createGrpcClient,
  createGrpcServer,
  fromGrpcError,
  type GrpcRouter,
} from '@wa/pkg/grpc';
import { freePort, testLogger } from '@wa/pkg/testing';

let server: ReturnType<typeof createGrpcServer>;
let address = '';

/** A server whose answer depends on the token, to drive each error path. */
const routes = (router: GrpcRouter) =>
  router.service(AuthService, {
    validateToken(request) {
      if (request.token === 'missing') throw new AppError('NOT_FOUND', 'No such token');
      if (request.token === 'crash') throw new Error('secret internal detail');
      if (request.token.length > 1_000_000)
        return { valid: true, userId: 'u', phone: request.token, expiresAt: 1n };
      return { valid: true, userId: 'u', phone: '+1', expiresAt: 1n };
    },
  });

before(async () => {
  server = createGrpcServer({ routes, log: testLogger() });
  address = `127.0.0.1:${await server.listen(0, '127.0.0.1')}`;
});
after(async () => {
  await server.close();
});

test('a unary call round-trips over gRPC', async () => {
  const client = createGrpcClient(AuthService, { address });
  const answer = await client.validateToken({ token: 'ok' });
  assert.equal(answer.valid, true);
  assert.equal(answer.expiresAt, 1n);
});

test('messages over grpc-js default 4 MiB go both ways (a full replay page can be that large)', async () => {
  const client = createGrpcClient(AuthService, { address });
  const large = 'x'.repeat(5 * 1024 * 1024);
  const answer = await client.validateToken({ token: large });
  assert.equal(answer.phone.length, large.length);
});

test('an AppError reaches the caller as its gRPC status and back as the same AppError code', async () => {
  const client = createGrpcClient(AuthService, { address });
  const error = await client.validateToken({ token: 'missing' }).catch((e: unknown) => e);
  assert.ok(error instanceof ConnectError);
  assert.equal(error.code, Code.NotFound);
  const mapped = fromGrpcError(error, 'auth-service');
  assert.equal(mapped.code, 'NOT_FOUND');
  assert.equal(mapped.message, 'No such token');
});

test('an unexpected error is INTERNAL with a generic message', async () => {
  const client = createGrpcClient(AuthService, { address });
  const error = await client.validateToken({ token: 'crash' }).catch((e: unknown) => e);
  assert.ok(error instanceof ConnectError);
  assert.equal(error.code, Code.Internal);
  assert.doesNotMatch(error.message, /secret/);
  assert.equal(fromGrpcError(error, 'auth-service').code, 'SERVICE_UNAVAILABLE');
});

test('an unreachable server is SERVICE_UNAVAILABLE, and the breaker then fails fast', async () => {
  const client = createGrpcClient(AuthService, {
    address: `127.0.0.1:${await freePort()}`,
    resetTimeoutMs: 60_000,
  });
  for (let i = 0; i < 6; i++) {
    const error = await client.validateToken({ token: 'ok' }).catch((e: unknown) => e);
    assert.equal(fromGrpcError(error, 'auth-service').code, 'SERVICE_UNAVAILABLE');
  }
  const error = await client.validateToken({ token: 'ok' }).catch((e: unknown) => e);
  assert.ok(error instanceof ConnectError);
  assert.match(error.message, /circuit open/);
  assert.equal(error.code, Code.Unavailable);
});

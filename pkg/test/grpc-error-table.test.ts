import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { Code, ConnectError } from '@connectrpc/connect';
import { AppError, ERROR_CODES, type ErrorCode } from '@wa/pkg/errors';
import {
  AuthService,
  createGrpcClient,
  createGrpcServer,
  createRemote,
  fromGrpcError,
  type GrpcRouter,
} from '@wa/pkg/grpc';
import { freePort, testLogger } from '@wa/pkg/testing';

let server: ReturnType<typeof createGrpcServer>;
let address = '';

// The token names the AppError code the server throws; `RATE_LIMITED` carries a retry-after.
const routes = (router: GrpcRouter) =>
  router.service(AuthService, {
    validateToken(request) {
      // What a server outside this project sends: a bare status, none of our trailers.
      if (request.token === 'foreign') throw new ConnectError('slow down', Code.ResourceExhausted);
      const code = request.token as ErrorCode;
      throw new AppError(code, `failed with ${code}`, {
        retryAfter: code === 'RATE_LIMITED' || code === 'SERVICE_UNAVAILABLE' ? 7 : undefined,
      });
    },
  });

before(async () => {
  server = createGrpcServer({ routes, log: testLogger() });
  address = `127.0.0.1:${await server.listen(0, '127.0.0.1')}`;
});
after(async () => {
  await server.close();
});

for (const code of Object.keys(ERROR_CODES) as ErrorCode[]) {
  test(`${code} keeps its code, status and retry-after across a gRPC hop`, async () => {
    // A high threshold: this test fails on purpose and must not trip the breaker.
    const client = createGrpcClient(AuthService, { address, errorThresholdPercentage: 100 });
    const error = await client.validateToken({ token: code }).catch((e: unknown) => e);
    const rebuilt = fromGrpcError(error, 'auth-service');
    assert.equal(rebuilt.code, code);
    assert.equal(rebuilt.httpStatus, ERROR_CODES[code].http);
    const sent = code === 'RATE_LIMITED' || code === 'SERVICE_UNAVAILABLE' ? 7 : undefined;
    assert.equal(rebuilt.retryAfter, sent);
    if (code !== 'INTERNAL_ERROR') assert.equal(rebuilt.message, `failed with ${code}`);
  });
}

test('a server without our trailers falls back to the status mapping', async () => {
  const client = createGrpcClient(AuthService, { address });
  const error = await client.validateToken({ token: 'foreign' }).catch((e: unknown) => e);
  const rebuilt = fromGrpcError(error, 'auth-service');
  assert.equal(rebuilt.code, 'RATE_LIMITED');
  assert.equal(rebuilt.retryAfter, undefined);
});

test('a call through a remote throws the AppError, and names the dependency when it is down', async () => {
  const remote = createRemote('auth-service', createGrpcClient(AuthService, { address }));
  await assert.rejects(
    remote.call((auth) => auth.validateToken({ token: 'PAYLOAD_TOO_LARGE' })),
    (error) => error instanceof AppError && error.code === 'PAYLOAD_TOO_LARGE',
  );
  const down = createRemote(
    'auth-service',
    createGrpcClient(AuthService, { address: `127.0.0.1:${await freePort()}` }),
  );
  await assert.rejects(
    down.call((auth) => auth.validateToken({ token: 'x' })),
    (error) =>
      error instanceof AppError &&
      error.code === 'SERVICE_UNAVAILABLE' &&
      error.message === 'auth-service is unavailable',
  );
});

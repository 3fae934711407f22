import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { resolve } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { createGrpcServer } from '@wa/pkg/grpc';
import { testLogger } from '@wa/pkg/testing';
import { authGrpcRoutes } from '../src/handler/grpc-routes.ts';
import { createAccessTokens } from '../src/service/access-tokens.ts';
import { startAuthApp } from './helpers.ts';

// A different gRPC implementation (grpc-js, loading the .proto at run time) calls our Connect
// server, as grpcurl or a Go client would.
interface ValidateAnswer {
  valid: boolean;
  user_id: string;
  phone: string;
  expires_at: string;
}
type ValidateFn = (
  request: { token: string },
  callback: (error: grpc.ServiceError | null, answer: ValidateAnswer) => void,
) => void;

let h: Awaited<ReturnType<typeof startAuthApp>>;
let server: ReturnType<typeof createGrpcServer>;
let client: grpc.Client & { ValidateToken: ValidateFn };

before(async () => {
  h = await startAuthApp();
  server = createGrpcServer({ routes: authGrpcRoutes(h.auth), log: testLogger() });
  const port = await server.listen(0, '127.0.0.1');
  const definition = protoLoader.loadSync(
    resolve(import.meta.dirname, '../../proto/auth/auth.proto'),
    {
      longs: String,
      keepCase: true,
      defaults: true,
    },
  );
  const loaded = grpc.loadPackageDefinition(definition) as unknown as {
    auth: {
      AuthService: new (address: string, credentials: grpc.ChannelCredentials) => typeof client;
    };
  };
  client = new loaded.auth.AuthService(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
});
after(async () => {
  client.close();
  await server.close();
  await h.close();
});

const validate = (token: string) =>
  new Promise<ValidateAnswer>((done, fail) =>
    client.ValidateToken({ token }, (e, a) => (e ? fail(e) : done(a))),
  );

test('a grpc-js client calls ValidateToken on the Connect server', async () => {
  const userId = randomUUID();
  const token = await createAccessTokens(h.config.tokens.jwtSecret, 900).sign(
    userId,
    '+14155550123',
  );
  const answer = await validate(token);
  assert.equal(answer.valid, true);
  assert.equal(answer.user_id, userId);
  assert.ok(Number(answer.expires_at) > Date.now() / 1000);
  assert.equal((await validate('forged')).valid, false);
});

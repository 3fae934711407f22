import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AppError } from '@wa/pkg/errors';
import { AuthService, createGrpcClient, createGrpcServer, recordCallsInto } from '@wa/pkg/grpc';
import { createServiceProbes } from '@wa/pkg/health';
import { testLogger } from '@wa/pkg/testing';

/** The exposition's value of the series `name` carrying these labels (0 when absent). */
async function valueOf(
  probes: ReturnType<typeof createServiceProbes>,
  name: string,
  labels: string,
): Promise<number> {
  const text = await probes.metrics.metrics();
  // Labels in any order (prom-client puts the default `service` label first on histograms).
  const wanted = labels.split(',');
  const line = text
    .split('\n')
    .find((l) => l.startsWith(`${name}{`) && wanted.every((label) => l.includes(label)));
  return line ? Number(line.split(' ').at(-1)) : 0;
}

test('gRPC calls are counted on both sides by method and status, with their durations', async () => {
  const serverProbes = createServiceProbes('server-side');
  const clientProbes = createServiceProbes('client-side');
  const server = createGrpcServer({
    routes: (router) =>
      router.service(AuthService, {
        validateToken(request) {
          if (request.token === 'missing') throw new AppError('NOT_FOUND', 'No such token');
          return { valid: true, userId: 'u', phone: '+1', expiresAt: 1n };
        },
      }),
    log: testLogger(),
    record: recordCallsInto(serverProbes.metrics, 'server'),
  });
  const address = `127.0.0.1:${await server.listen(0, '127.0.0.1')}`;
  try {
    const client = createGrpcClient(AuthService, {
      address,
      record: recordCallsInto(clientProbes.metrics, 'client'),
    });
    await client.validateToken({ token: 'ok' });
    await client.validateToken({ token: 'ok' });
    await assert.rejects(client.validateToken({ token: 'missing' }));

    const method = 'grpc_service="auth.AuthService",grpc_method="ValidateToken"';
    for (const [probes, side] of [
      [serverProbes, 'server'],
      [clientProbes, 'client'],
    ] as const) {
      assert.equal(
        await valueOf(probes, `grpc_${side}_handled_total`, `${method},grpc_code="OK"`),
        2,
      );
      assert.equal(
        await valueOf(probes, `grpc_${side}_handled_total`, `${method},grpc_code="NOT_FOUND"`),
        1,
      );
      assert.equal(await valueOf(probes, `grpc_${side}_handling_seconds_count`, method), 3);
    }
  } finally {
    await server.close();
  }
});

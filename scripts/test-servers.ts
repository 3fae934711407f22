// Private NATS (with the project's streams) and Redis for one test run, so `make test` and
// `make run` on the same machine never share a stream, a consumer or a rate-limit key.
// Prints `TEST_NATS_URL=…` and `TEST_REDIS_URL=…` lines, then holds the servers until SIGTERM.
import { connectNats, ensureStreams, jetstreamManager } from '@wa/pkg/bus';
import { startNatsServer, startRedisServer, testLogger } from '@wa/pkg/testing';

const [nats, redis] = await Promise.all([startNatsServer(), startRedisServer()]);
const stop = async () => {
  await Promise.allSettled([nats.destroy(), redis.stop()]);
  process.exit(0);
};
process.once('SIGTERM', () => void stop());
process.once('SIGINT', () => void stop());

try {
  const nc = await connectNats({ url: nats.url, name: 'test-servers', log: testLogger() });
  await ensureStreams(await jetstreamManager(nc));
  await nc.close();
} catch (error) {
  process.stderr.write(`test servers failed: ${String(error)}\n`);
  await stop();
}
process.stdout.write(`TEST_NATS_URL=${nats.url}\nTEST_REDIS_URL=${redis.url}\n`);

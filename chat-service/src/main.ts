import { connectNats, createOutbox, jetstream } from '@wa/pkg/bus';
import { createPgPool } from '@wa/pkg/db';
import { UserService, createGrpcClient, createGrpcServer } from '@wa/pkg/grpc';
import { closeOnSignals, exitOnStartupFailure } from '@wa/pkg/http';
import { createLogger } from '@wa/pkg/log';
import { buildChatApp } from './app.ts';
import { loadChatConfig } from './config.ts';
import { consumeMessageEvents } from './handler/message-events.ts';

const SERVICE = 'chat-service';

async function main() {
  const config = loadChatConfig(process.env);
  const log = createLogger({ service: SERVICE, level: config.logLevel });
  const pool = createPgPool({ url: config.database.url, max: config.database.poolSize, log });
  await pool.query('SELECT 1');
  const nc = await connectNats({ url: config.nats.url, name: SERVICE, log });
  const outbox = createOutbox({ pool, js: jetstream(nc), log, table: config.outboxTable });
  const users = createGrpcClient(UserService, {
    address: config.userService.address,
    timeoutMs: config.userService.timeoutMs,
  });

  const { app, activity, grpcRoutes } = buildChatApp({ pool, events: outbox, users, log });
  const grpc = createGrpcServer({ routes: grpcRoutes, log });

  outbox.start();
  const consumer = await consumeMessageEvents({
    nc,
    durable: config.nats.consumerName,
    inactiveThresholdMs: config.nats.inactiveThresholdMs,
    activity,
    log,
  });
  const pruning =
    config.logPruneIntervalMs > 0
      ? setInterval(() => {
          activity.pruneLog().catch((error: unknown) => {
            log.warn({ err: error }, 'chat_message_log prune failed; next round retries');
          });
        }, config.logPruneIntervalMs)
      : undefined;
  await app.listen({ port: config.http.port, host: config.http.host });
  await grpc.listen(config.grpc.port, config.grpc.host);
  log.info({ http: config.http.port, grpc: config.grpc.port }, 'chat-service listening');

  closeOnSignals(log, [
    { name: 'http', close: () => app.close() },
    { name: 'grpc', close: () => grpc.close() },
    { name: 'nats consumer', close: () => consumer.stop() },
    { name: 'log pruning', close: async () => clearInterval(pruning) },
    {
      name: 'outbox',
      close: async () => {
        await outbox.stop();
        await outbox.flush(); // what is still pending waits for the next instance if this fails
      },
    },
    { name: 'nats', close: () => nc.drain() },
    { name: 'postgres', close: () => pool.end() },
  ]);
}

main().catch((error: unknown) => exitOnStartupFailure(SERVICE, error));

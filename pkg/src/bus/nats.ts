import { connect, type NatsConnection } from '@nats-io/transport-node';
import type { Logger } from '../log/index.ts';

export type { NatsConnection };

export interface NatsSettings {
  url: string;
  name: string;
  log: Logger;
}

/** Reconnects forever: a NATS restart must not take the service down. */
export async function connectNats({ url, name, log }: NatsSettings): Promise<NatsConnection> {
  const nc = await connect({
    servers: url.split(','),
    name,
    maxReconnectAttempts: -1,
    reconnectTimeWait: 500,
    // Otherwise every request (each JetStream publish) captures a stack trace for its error, used
    // or not: 2–3 % of the message-service's CPU at 300 messages/s.
    noAsyncTraces: true,
  });
  void (async () => {
    for await (const status of nc.status()) {
      if (status.type === 'disconnect' || status.type === 'reconnect')
        log.warn({ nats: status.type }, 'nats connection changed');
    }
  })();
  return nc;
}

export function natsConnected(nc: NatsConnection): boolean {
  return !nc.isClosed() && !nc.isDraining();
}

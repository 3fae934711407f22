import client from 'prom-client';
import type { JetStreamManager } from '@nats-io/jetstream';
import { counterOf, type ServiceProbes } from '../health/index.ts';

/** How long a scrape waits for one consumer's info before leaving it out. */
const INFO_TIMEOUT_MS = 1_000;

interface PendingSource {
  stream: string;
  consumer: string;
  jsm: JetStreamManager;
}

// One gauge per registry reads every consumer the service runs; a registry is a service's.
const sourcesByRegistry = new WeakMap<client.Registry, Set<PendingSource>>();

function pendingSources(registry: client.Registry): Set<PendingSource> {
  const existing = sourcesByRegistry.get(registry);
  if (existing) return existing;
  const known = new Set<PendingSource>();
  sourcesByRegistry.set(registry, known);
  new client.Gauge({
    name: 'nats_consumer_pending',
    help: 'Events of a durable consumer not yet acknowledged: waiting (state="waiting") and delivered but unacknowledged (state="unacked"), read from JetStream at each scrape',
    labelNames: ['stream', 'consumer', 'state'] as const,
    registers: [registry],
    async collect() {
      this.reset();
      await Promise.all(
        [...known].map(async ({ stream, consumer, jsm }) => {
          const info = await Promise.race([
            jsm.consumers.info(stream, consumer),
            new Promise<undefined>((done) =>
              setTimeout(() => done(undefined), INFO_TIMEOUT_MS).unref(),
            ),
          ]).catch(() => undefined);
          if (!info) return;
          this.set({ stream, consumer, state: 'waiting' }, info.num_pending);
          this.set({ stream, consumer, state: 'unacked' }, info.num_ack_pending);
        }),
      );
    },
  });
  return known;
}

/**
 * Addenda L: a consumer's lag (`nats_consumer_pending`, asked of JetStream at each scrape) and
 * its redeliveries (`nats_consumer_redeliveries_total`, counted as they arrive). Without probes
 * nothing is recorded. `stop()` takes the consumer out of the gauge.
 */
export function consumerMetrics(
  probes: ServiceProbes | undefined,
  source: PendingSource,
): { redelivered(subject: string): void; stop(): void } {
  if (!probes) return { redelivered() {}, stop() {} };
  const sources = pendingSources(probes.metrics);
  sources.add(source);
  const redeliveries = counterOf(
    probes.metrics,
    'nats_consumer_redeliveries_total',
    'Events delivered again to a consumer (a failed or timed-out earlier delivery)',
    ['stream', 'consumer', 'subject'],
  );
  return {
    redelivered(subject) {
      redeliveries.inc({ stream: source.stream, consumer: source.consumer, subject });
    },
    stop() {
      sources.delete(source);
    },
  };
}

import client from 'prom-client';
import { counterOf, type ServiceProbes } from '@wa/pkg/health';

export interface WsMetrics {
  /** A client frame read, by its event (`invalid` when it did not parse). */
  frameIn: (event: string) => void;
  /** A server frame written. */
  frameOut: () => void;
}

/**
 * Addenda L: WebSocket connections (`ws_connections`: sockets open, and of those the
 * authenticated ones, read at each scrape) and frames (`ws_frames_total` by direction, and by
 * event for client frames).
 */
export function createWsMetrics(
  probes: ServiceProbes,
  counts: () => { sockets: number; connections: number },
): WsMetrics {
  new client.Gauge({
    name: 'ws_connections',
    help: 'WebSocket connections open on this instance (state="open") and authenticated (state="authenticated")',
    labelNames: ['state'] as const,
    registers: [probes.metrics],
    collect() {
      const now = counts();
      this.set({ state: 'open' }, now.sockets);
      this.set({ state: 'authenticated' }, now.connections);
    },
  });
  const frames = counterOf(
    probes.metrics,
    'ws_frames_total',
    'WebSocket frames by direction (and event for client frames)',
    ['direction', 'event'],
  );
  const sent = frames.labels({ direction: 'out', event: 'any' });
  // One counter per event, bound once: an inc with labels hashes them on every frame. Events are
  // the protocol's few names and `invalid`, so the map stays small.
  const received = new Map<string, client.Counter.Internal>();
  return {
    frameIn: (event) => {
      let counter = received.get(event);
      if (!counter) received.set(event, (counter = frames.labels({ direction: 'in', event })));
      counter.inc();
    },
    frameOut: () => sent.inc(),
  };
}

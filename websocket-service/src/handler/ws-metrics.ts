import client from 'prom-client';
import type { ServiceProbes } from '@wa/pkg/health';

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
  // Frames are counted in plain numbers and handed to the counter at each scrape: an inc with
  // labels hashes and checks them (and allocates) on every frame, three in and three out per
  // message. Events are the protocol's few names and `invalid`, so the map stays small.
  const received = new Map<string, number>();
  let sent = 0;
  new client.Counter({
    name: 'ws_frames_total',
    help: 'WebSocket frames by direction (and event for client frames)',
    labelNames: ['direction', 'event'] as const,
    registers: [probes.metrics],
    collect() {
      this.reset();
      this.inc({ direction: 'out', event: 'any' }, sent);
      for (const [event, count] of received) this.inc({ direction: 'in', event }, count);
    },
  });
  return {
    frameIn: (event) => received.set(event, (received.get(event) ?? 0) + 1),
    frameOut: () => {
      sent += 1;
    },
  };
}

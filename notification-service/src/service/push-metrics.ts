import { counterOf, histogramOf, type ServiceProbes } from '@wa/pkg/health';

/** Addenda J and L: pushes by outcome, and how long from the event to FCM's accept. */
export type PushOutcome =
  | 'sent'
  | 'skipped_online'
  | 'skipped_muted'
  | 'no_token'
  | 'stale_token_removed'
  | 'retried'
  | 'rejected'
  | 'dead_lettered'
  /** A device (or a group window) already settled for this event: a redelivery, not pushed. */
  | 'already_sent';

export function createPushMetrics(probes: ServiceProbes) {
  const pushes = counterOf(
    probes.metrics,
    'notification_pushes_total',
    'Push decisions and FCM attempts by outcome',
    ['outcome'],
  );
  const latency = histogramOf(
    probes.metrics,
    'notification_push_latency_seconds',
    'From the event (a message created, a member added) to FCM accepting its push',
    ['chat_type'],
    [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 3.5, 5, 10, 30],
  );
  return {
    count(outcome: PushOutcome, by = 1): void {
      pushes.inc({ outcome }, by);
    },
    accepted(chatType: string, eventAt: number, now = Date.now()): void {
      latency.observe({ chat_type: chatType }, Math.max(0, now - eventAt) / 1000);
    },
  };
}

export type PushMetrics = ReturnType<typeof createPushMetrics>;

// Writes the Grafana dashboards of deploy/grafana/dashboards/ from the panels below: one overview
// and one per service. `node scripts/observability/dashboards.ts` after changing a panel; the
// observability test checks that every metric a dashboard queries is exposed where it should be.
import { mkdirSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { STACK_SERVICES } from '@wa/pkg/testing';

export interface Panel {
  title: string;
  /** PromQL, one query per series group; `$service` is the dashboard's service. */
  queries: { expr: string; legend: string }[];
  unit?: string;
}

export interface Dashboard {
  uid: string;
  title: string;
  /** The service whose /metrics must expose every metric queried; undefined for the overview. */
  service?: string;
  panels: Panel[];
}

/** Every process with a /metrics: the gateway and the services of a stack. */
const HTTP_SERVICES = ['api-gateway', ...STACK_SERVICES] as const;

const GRPC_SERVERS = new Set([
  'auth-service',
  'user-service',
  'chat-service',
  'message-service',
  'media-service',
]);
const GRPC_CLIENTS = new Set([
  'api-gateway',
  'chat-service',
  'message-service',
  'notification-service',
  'media-service',
  'websocket-service',
]);
const CONSUMERS = new Set([
  'chat-service',
  'message-service',
  'notification-service',
  'media-service',
  'websocket-service',
]);
const OUTBOXES = new Set(['user-service', 'chat-service', 'message-service']);

const sel = (service: string, extra = '') => `{service="${service}"${extra ? `,${extra}` : ''}}`;

function httpPanels(service: string): Panel[] {
  return [
    {
      title: 'HTTP requests by route',
      queries: [
        {
          expr: `sum by (route) (rate(http_requests_total${sel(service)}[5m]))`,
          legend: '{{route}}',
        },
      ],
      unit: 'reqps',
    },
    {
      title: 'HTTP errors (5xx) by route',
      queries: [
        {
          expr: `sum by (route) (rate(http_requests_total${sel(service, 'status_code=~"5.."')}[5m]))`,
          legend: '{{route}}',
        },
      ],
      unit: 'reqps',
    },
    {
      title: 'HTTP p50 / p99',
      queries: [0.5, 0.99].map((q) => ({
        expr: `histogram_quantile(${q}, sum by (le) (rate(http_request_duration_seconds_bucket${sel(service)}[5m])))`,
        legend: `p${q * 100}`,
      })),
      unit: 's',
    },
  ];
}

function grpcPanels(service: string, side: 'server' | 'client'): Panel[] {
  return [
    {
      title: `gRPC ${side} calls by method and status`,
      queries: [
        {
          expr: `sum by (grpc_method, grpc_code) (rate(grpc_${side}_handled_total${sel(service)}[5m]))`,
          legend: '{{grpc_method}} {{grpc_code}}',
        },
      ],
      unit: 'reqps',
    },
    {
      title: `gRPC ${side} p99 by method`,
      queries: [
        {
          expr: `histogram_quantile(0.99, sum by (grpc_method, le) (rate(grpc_${side}_handling_seconds_bucket${sel(service)}[5m])))`,
          legend: '{{grpc_method}}',
        },
      ],
      unit: 's',
    },
  ];
}

const consumerPanels = (service: string): Panel[] => [
  {
    title: 'JetStream consumer lag',
    queries: [
      {
        expr: `sum by (stream, state) (nats_consumer_pending${sel(service)})`,
        legend: '{{stream}} {{state}}',
      },
    ],
  },
  {
    title: 'Redeliveries and dead letters',
    queries: [
      {
        expr: `sum by (subject) (rate(nats_consumer_redeliveries_total${sel(service)}[5m]))`,
        legend: 'redelivered {{subject}}',
      },
      {
        expr: `sum by (subject) (increase(nats_consumer_dead_letters_total${sel(service)}[10m]))`,
        legend: 'dead-lettered {{subject}}',
      },
    ],
  },
];

const processPanels = (service: string): Panel[] => [
  {
    title: 'CPU and event-loop lag',
    queries: [
      { expr: `rate(process_cpu_seconds_total${sel(service)}[5m])`, legend: 'CPU (cores)' },
      { expr: `nodejs_eventloop_lag_p99_seconds${sel(service)}`, legend: 'event-loop lag p99 (s)' },
    ],
  },
  {
    title: 'Memory',
    queries: [
      { expr: `process_resident_memory_bytes${sel(service)}`, legend: 'RSS' },
      { expr: `nodejs_heap_size_used_bytes${sel(service)}`, legend: 'heap used' },
    ],
    unit: 'bytes',
  },
];

function servicePanels(service: string): Panel[] {
  const panels = [...httpPanels(service)];
  if (GRPC_SERVERS.has(service)) panels.push(...grpcPanels(service, 'server'));
  if (GRPC_CLIENTS.has(service)) panels.push(...grpcPanels(service, 'client'));
  if (CONSUMERS.has(service)) panels.push(...consumerPanels(service));
  if (OUTBOXES.has(service))
    panels.push({
      title: 'Outbox depth',
      queries: [{ expr: `outbox_depth${sel(service)}`, legend: 'events waiting' }],
    });
  if (service === 'websocket-service')
    panels.push(
      {
        title: 'WebSocket connections',
        queries: [{ expr: `sum by (state) (ws_connections${sel(service)})`, legend: '{{state}}' }],
      },
      {
        title: 'WebSocket frames',
        queries: [
          {
            expr: `sum by (direction, event) (rate(ws_frames_total${sel(service)}[5m]))`,
            legend: '{{direction}} {{event}}',
          },
        ],
      },
    );
  if (service === 'notification-service')
    panels.push(
      {
        title: 'Pushes by outcome',
        queries: [
          {
            expr: `sum by (outcome) (rate(notification_pushes_total${sel(service)}[5m]))`,
            legend: '{{outcome}}',
          },
        ],
      },
      {
        title: 'Event to FCM accept, p50 / p95',
        queries: [0.5, 0.95].map((q) => ({
          expr: `histogram_quantile(${q}, sum by (chat_type, le) (rate(notification_push_latency_seconds_bucket${sel(service)}[5m])))`,
          legend: `p${q * 100} {{chat_type}}`,
        })),
        unit: 's',
      },
    );
  return [...panels, ...processPanels(service)];
}

const overview: Dashboard = {
  uid: 'whatsapp-overview',
  title: 'WhatsApp backend: overview',
  panels: [
    {
      title: 'HTTP requests by service',
      queries: [
        { expr: 'sum by (service) (rate(http_requests_total[5m]))', legend: '{{service}}' },
      ],
      unit: 'reqps',
    },
    {
      title: 'HTTP 5xx ratio by service',
      queries: [
        {
          expr: 'sum by (service) (rate(http_requests_total{status_code=~"5.."}[5m])) / sum by (service) (rate(http_requests_total[5m]))',
          legend: '{{service}}',
        },
      ],
      unit: 'percentunit',
    },
    {
      title: 'HTTP p99 by service',
      queries: [
        {
          expr: 'histogram_quantile(0.99, sum by (service, le) (rate(http_request_duration_seconds_bucket[5m])))',
          legend: '{{service}}',
        },
      ],
      unit: 's',
    },
    {
      title: 'gRPC calls served by service and status',
      queries: [
        {
          expr: 'sum by (service, grpc_code) (rate(grpc_server_handled_total[5m]))',
          legend: '{{service}} {{grpc_code}}',
        },
      ],
      unit: 'reqps',
    },
    {
      title: 'Consumer lag',
      queries: [
        {
          expr: 'sum by (service, stream) (nats_consumer_pending{state="waiting"})',
          legend: '{{service}} {{stream}}',
        },
      ],
    },
    {
      title: 'Dead letters (10 min)',
      queries: [
        {
          expr: 'sum by (service, subject) (increase(nats_consumer_dead_letters_total[10m]))',
          legend: '{{service}} {{subject}}',
        },
      ],
    },
    {
      title: 'Outbox depth',
      queries: [{ expr: 'max by (service) (outbox_depth)', legend: '{{service}}' }],
    },
    {
      title: 'WebSocket connections',
      queries: [{ expr: 'sum (ws_connections{state="authenticated"})', legend: 'authenticated' }],
    },
    {
      title: 'Pushes by outcome',
      queries: [
        { expr: 'sum by (outcome) (rate(notification_pushes_total[5m]))', legend: '{{outcome}}' },
      ],
    },
    {
      title: 'CPU by service',
      queries: [
        { expr: 'sum by (service) (rate(process_cpu_seconds_total[5m]))', legend: '{{service}}' },
      ],
    },
  ],
};

export const DASHBOARDS: Dashboard[] = [
  overview,
  ...HTTP_SERVICES.map((service) => ({
    uid: `whatsapp-${service}`,
    title: `WhatsApp backend: ${service}`,
    service,
    panels: servicePanels(service),
  })),
];

/** Grafana's dashboard JSON (schema 39): a time-series panel per entry, two per row. */
function toGrafana(dashboard: Dashboard) {
  return {
    uid: dashboard.uid,
    title: dashboard.title,
    tags: ['whatsapp'],
    timezone: 'browser',
    schemaVersion: 39,
    refresh: '30s',
    time: { from: 'now-1h', to: 'now' },
    panels: dashboard.panels.map((panel, index) => ({
      id: index + 1,
      type: 'timeseries',
      title: panel.title,
      datasource: { type: 'prometheus', uid: 'prometheus' },
      gridPos: { h: 8, w: 12, x: (index % 2) * 12, y: Math.floor(index / 2) * 8 },
      fieldConfig: { defaults: { unit: panel.unit ?? 'short' }, overrides: [] },
      targets: panel.queries.map((query, ref) => ({
        refId: String.fromCharCode(65 + ref),
        datasource: { type: 'prometheus', uid: 'prometheus' },
        expr: query.expr,
        legendFormat: query.legend,
      })),
    })),
  };
}

export const DASHBOARD_DIR = resolve(import.meta.dirname, '../../deploy/grafana/dashboards');

if (import.meta.main) {
  mkdirSync(DASHBOARD_DIR, { recursive: true });
  for (const dashboard of DASHBOARDS) {
    const file = resolve(DASHBOARD_DIR, `${dashboard.uid}.json`);
    writeFileSync(file, `${JSON.stringify(toGrafana(dashboard), null, 2)}\n`);
  }
  console.log(`${DASHBOARDS.length} dashboards written to ${DASHBOARD_DIR}`);
}

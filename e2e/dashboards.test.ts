import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { repoRoot, startStack, STACK_SERVICES, type Stack } from '@wa/pkg/testing';
import { DASHBOARD_DIR, DASHBOARDS } from '../scripts/observability/dashboards.ts';

/*
 * The dashboards and alert rules of deploy/ name metrics; this checks each one is exposed by the
 * service that should expose it (a service's dashboard: that service; the overview and the alert
 * rules: some service), on real service processes, so a renamed metric cannot leave a dashboard
 * silently empty. It also checks the committed JSON is what the generator writes.
 */

let stack: Stack;
/** Metric names (`# TYPE` lines) on each service's /metrics. */
const exposed = new Map<string, Set<string>>();

before(async () => {
  stack = await startStack({ services: [...STACK_SERVICES] });
  const origins: Record<string, string> = { 'api-gateway': stack.gateway };
  for (const name of STACK_SERVICES)
    origins[name] =
      name === 'websocket-service'
        ? stack.websockets[0].url().replace(/^ws:/, 'http:').replace(/\/ws$/, '')
        : stack.http(name);
  for (const [name, origin] of Object.entries(origins)) {
    const text = await (await fetch(`${origin}/metrics`)).text();
    exposed.set(
      name,
      new Set(
        text
          .split('\n')
          .filter((line) => line.startsWith('# TYPE '))
          .map((line) => line.split(' ')[2]),
      ),
    );
  }
});

after(async () => {
  await stack?.stop();
});

/** The metrics a PromQL text selects: names right before a `{` or `[`, histogram suffixes off. */
function metricsIn(promql: string): string[] {
  const names = [...promql.matchAll(/([a-zA-Z_:][a-zA-Z0-9_:]*)(?=\{|\[)/g)].map((m) => m[1]);
  return [...new Set(names.map((name) => name.replace(/_(bucket|count|sum)$/, '')))];
}

const exposedBy = (metric: string) =>
  [...exposed].filter(([, names]) => names.has(metric)).map(([service]) => service);

test('every metric a dashboard queries is exposed by its service (the overview: by some service)', () => {
  const missing: string[] = [];
  for (const dashboard of DASHBOARDS)
    for (const panel of dashboard.panels)
      for (const query of panel.queries)
        for (const metric of metricsIn(query.expr)) {
          const ok = dashboard.service
            ? exposed.get(dashboard.service)?.has(metric)
            : exposedBy(metric).length > 0;
          if (!ok) missing.push(`${dashboard.uid} / ${panel.title}: ${metric}`);
        }
  assert.deepEqual(missing, []);
});

test('every metric an alert rule evaluates is exposed by some service', () => {
  const rules = readFileSync(resolve(repoRoot, 'deploy/prometheus/alerts.yml'), 'utf8');
  const expressions = rules
    .split('\n')
    .filter((line) => !/^\s*(summary|#)/.test(line.trim()) && !line.includes('{{'))
    .join('\n');
  const metrics = metricsIn(expressions);
  assert.ok(metrics.length >= 6, `found ${metrics.join(', ')}`);
  assert.deepEqual(
    metrics.filter((metric) => exposedBy(metric).length === 0),
    [],
  );
});

test('the committed dashboards are the generator output (node scripts/observability/dashboards.ts)', () => {
  const files = readdirSync(DASHBOARD_DIR).sort();
  assert.deepEqual(files, DASHBOARDS.map((d) => `${d.uid}.json`).sort());
  for (const dashboard of DASHBOARDS) {
    const stored = JSON.parse(
      readFileSync(resolve(DASHBOARD_DIR, `${dashboard.uid}.json`), 'utf8'),
    ) as {
      panels: { targets: { expr: string }[] }[];
    };
    assert.deepEqual(
      stored.panels.map((panel) => panel.targets.map((target) => target.expr)),
      dashboard.panels.map((panel) => panel.queries.map((query) => query.expr)),
      dashboard.uid,
    );
  }
});

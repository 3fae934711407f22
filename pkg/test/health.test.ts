import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Socket } from 'node:net';
import { createPgPool, createRedis, pingPostgres, pingRedis, waitForRedis } from '@wa/pkg/db';
import { serviceUnavailable } from '@wa/pkg/errors';
import {
  createProgressWatchdog,
  createServiceProbes,
  type LivenessBounds,
  type ProgressWatchdog,
} from '@wa/pkg/health';
import { createHttpServer, ok, type ErrorEnvelope } from '@wa/pkg/http';
import { eventually, freePort, testLogger, testStores, using } from '@wa/pkg/testing';

const log = testLogger();

/** A clock the test moves by hand, so stalls of a minute take no time. */
function manualClock() {
  let now = 0;
  return {
    now: () => now,
    advance(ms: number) {
      now += ms;
    },
  };
}

function watchdogOn(clock: ReturnType<typeof manualClock>, bounds: Partial<LivenessBounds> = {}) {
  return createProgressWatchdog(
    {
      stallMs: 60_000,
      loopDelayMs: 1_000,
      loopDelayForMs: 10_000,
      sampleEveryMs: 1_000,
      ...bounds,
    },
    { now: clock.now },
  );
}

const fields = (watchdog: ProgressWatchdog) => watchdog.problems().map((p) => p.field);

describe('progress watchdog', () => {
  test('work in flight with none of its kind finishing for the bound is stuck, by kind', () => {
    const clock = manualClock();
    const watchdog = watchdogOn(clock);
    const end = watchdog.tracker('store').begin();
    clock.advance(59_999);
    assert.deepEqual(watchdog.problems(), []);
    clock.advance(1);
    const [problem, ...others] = watchdog.problems();
    assert.deepEqual(others, []);
    assert.equal(problem.field, 'store');
    assert.match(problem.message, /1 in flight, none finished for 60 s/);
    end();
    assert.deepEqual(watchdog.problems(), []);
  });

  test('finishing work is progress even while one unit hangs; stopping to finish is not', () => {
    const clock = manualClock();
    const watchdog = watchdogOn(clock);
    const http = watchdog.tracker('http');
    http.begin(); // hangs for good
    for (let i = 0; i < 10; i++) {
      clock.advance(30_000);
      http.begin()();
      assert.deepEqual(watchdog.problems(), [], `after ${i + 1} half-minutes`);
    }
    clock.advance(60_000);
    assert.deepEqual(fields(watchdog), ['http']);
  });

  test('an idle service is never stuck, however long it waits', () => {
    const clock = manualClock();
    const watchdog = watchdogOn(clock);
    watchdog.tracker('bus').begin()();
    clock.advance(3_600_000);
    assert.deepEqual(watchdog.problems(), []);
  });

  test('a dependency that is down makes work fail fast: failing is finishing', () => {
    const clock = manualClock();
    const watchdog = watchdogOn(clock);
    const grpc = watchdog.tracker('grpc');
    for (let i = 0; i < 100; i++) {
      const end = grpc.begin();
      clock.advance(5_000);
      end(); // answered 503 after a short wait
    }
    assert.deepEqual(watchdog.problems(), []);
  });

  test('one kind stuck is reported while another kind keeps finishing', () => {
    const clock = manualClock();
    const watchdog = watchdogOn(clock);
    watchdog.tracker('bus').begin();
    const http = watchdog.tracker('http');
    for (let i = 0; i < 7; i++) {
      clock.advance(10_000);
      http.begin()();
    }
    assert.deepEqual(fields(watchdog), ['bus']);
  });

  test('samples late by more than the bound, without a punctual one for the period: starved', () => {
    const clock = manualClock();
    const watchdog = watchdogOn(clock);
    clock.advance(1_000);
    watchdog.sample(); // punctual
    clock.advance(1_000 + 4_000); // due at 2 s, taken at 6 s
    watchdog.sample();
    assert.deepEqual(watchdog.problems(), [], '4 s of delay is below the 10 s period');
    clock.advance(1_000 + 7_000); // due at 7 s, taken at 14 s: late since 2 s
    watchdog.sample();
    const [problem] = watchdog.problems();
    assert.equal(problem.field, 'event_loop');
    assert.match(problem.message, /delayed over 1000 ms for 12 s \(last 7000 ms\)/);
    clock.advance(1_000);
    watchdog.sample(); // punctual again
    assert.deepEqual(watchdog.problems(), []);
  });

  test('a delay under the bound never counts, however long it lasts', () => {
    const clock = manualClock();
    const watchdog = watchdogOn(clock);
    for (let i = 0; i < 100; i++) {
      clock.advance(1_000 + 900);
      watchdog.sample();
    }
    assert.deepEqual(watchdog.problems(), []);
  });
});

/** An app whose watchdog runs on `clock`, with a route that hangs until the test lets it go. */
function appWithHangingRoute(clock: ReturnType<typeof manualClock>) {
  const watchdog = watchdogOn(clock, { stallMs: 30_000 });
  const app = createHttpServer({
    service: 'test-service',
    log,
    probes: { ...createServiceProbes('test-service'), watchdog },
  });
  let release = () => {};
  let started = 0;
  app.get('/hang', async (request) => {
    started += 1;
    await new Promise<void>((resolve) => (release = resolve));
    return ok(request.id, { done: true });
  });
  return { app, release: () => release(), started: () => started };
}

describe('/health', () => {
  test('is 503 naming the stuck handlers, and 200 again once they finish', async (t) => {
    const clock = manualClock();
    const { app, release, started } = appWithHangingRoute(clock);
    using(t, app);
    const hanging = app.inject({ method: 'GET', url: '/hang' });
    await eventually(() => assert.equal(started(), 1));
    clock.advance(15_000);
    assert.equal((await app.inject({ method: 'GET', url: '/health' })).statusCode, 200);
    clock.advance(15_000);
    // The probes themselves answer, but no HTTP handler of the service has finished for 30 s.
    const stuck = await app.inject({ method: 'GET', url: '/health' });
    assert.equal(stuck.statusCode, 503);
    const body = stuck.json<ErrorEnvelope>();
    assert.equal(body.success, false);
    assert.equal(body.data, null);
    assert.equal(body.error.code, 'SERVICE_UNAVAILABLE');
    assert.match(body.error.message, /^Not live: http 1 in flight, none finished for 30 s$/);
    assert.deepEqual(
      body.error.details?.map((detail) => detail.field),
      ['http'],
    );
    release();
    assert.equal((await hanging).statusCode, 200);
    const live = await app.inject({ method: 'GET', url: '/health' });
    assert.equal(live.statusCode, 200);
    assert.deepEqual(live.json().data, { status: 'ok', service: 'test-service' });
  });

  test('stays 200 while a store is down and requests fail fast; /ready names the store', async (t) => {
    const clock = manualClock();
    const closedPort = await freePort();
    const pool = using(
      t,
      createPgPool({ url: `postgres://postgres@127.0.0.1:${closedPort}/none`, log }),
      (p) => p.end(),
    );
    const app = using(
      t,
      createHttpServer({
        service: 'test-service',
        log,
        probes: { ...createServiceProbes('test-service'), watchdog: watchdogOn(clock) },
        readiness: { postgres: () => pingPostgres(pool) },
      }),
    );
    app.get('/items', async (request) => {
      if (!(await pingPostgres(pool))) throw serviceUnavailable('Store unavailable');
      return ok(request.id, []);
    });
    for (let minute = 0; minute < 5; minute++) {
      const res = await app.inject({ method: 'GET', url: '/items' });
      assert.equal(res.statusCode, 503);
      clock.advance(60_000);
    }
    assert.equal((await app.inject({ method: 'GET', url: '/health' })).statusCode, 200);
    const ready = await app.inject({ method: 'GET', url: '/ready' });
    assert.equal(ready.statusCode, 503);
    assert.deepEqual(ready.json().error.details, [{ field: 'postgres', message: 'unreachable' }]);
  });

  test('is 503 naming the event loop while it is really kept busy, 200 once it is free', async (t) => {
    const probes = createServiceProbes('test-service', {
      loopDelayMs: 50,
      loopDelayForMs: 300,
      sampleEveryMs: 20,
    });
    const app = using(t, createHttpServer({ service: 'test-service', log, probes }));
    await app.ready(); // starts the watchdog's sampling
    let busy = true;
    // Synchronous work in 150 ms slices, one after another, as a CPU-bound wedge would do.
    const hog = () => {
      const until = performance.now() + 150;
      while (performance.now() < until);
      if (busy) setTimeout(hog, 0);
    };
    setTimeout(hog, 0);
    try {
      const starved = await eventually(
        async () => {
          const res = await app.inject({ method: 'GET', url: '/health' });
          assert.equal(res.statusCode, 503);
          return res.json<ErrorEnvelope>();
        },
        { timeoutMs: 10_000, intervalMs: 0 },
      );
      assert.equal(starved.error.details?.[0].field, 'event_loop');
      assert.match(starved.error.message, /event_loop delayed over 50 ms/);
    } finally {
      busy = false;
    }
    await eventually(async () => {
      assert.equal((await app.inject({ method: 'GET', url: '/health' })).statusCode, 200);
    });
  });
});

/** A TCP server that accepts connections and never answers: a store that hangs. */
async function startSilentServer() {
  const sockets = new Set<Socket>();
  let accepted = 0;
  const server = createServer((socket) => {
    accepted += 1;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  const port = await freePort();
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return {
    port,
    accepted: () => accepted,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

describe('/ready', () => {
  test('answers within its bound, naming the store that never answers', async (t) => {
    const silent = await startSilentServer();
    const hung = using(
      t,
      createPgPool({ url: `postgres://postgres@127.0.0.1:${silent.port}/hung`, log }),
      (p) => p.end(),
    );
    using(t, silent); // released before the pool, so its pending connection ends at once
    const redis = using(t, createRedis({ url: testStores.redisUrl, log }), (r) => r.disconnect());
    await waitForRedis(redis);
    const app = using(
      t,
      createHttpServer({
        service: 'test-service',
        log,
        readiness: { postgres: () => pingPostgres(hung), redis: () => pingRedis(redis) },
        readinessTimeoutMs: 300,
      }),
    );
    await app.ready();
    for (let probe = 0; probe < 2; probe++) {
      const started = performance.now();
      const res = await app.inject({ method: 'GET', url: '/ready' });
      const tookMs = performance.now() - started;
      assert.ok(tookMs < 1_500, `answered in ${Math.round(tookMs)} ms`);
      assert.equal(res.statusCode, 503);
      const body = res.json();
      assert.equal(body.error.code, 'SERVICE_UNAVAILABLE');
      assert.equal(body.error.message, 'Not ready: postgres timeout after 300 ms');
      assert.deepEqual(body.error.details, [
        { field: 'postgres', message: 'timeout after 300 ms' },
      ]);
    }
    // The second probe joined the ping still waiting on the silent store instead of adding one.
    assert.equal(silent.accepted(), 1);
  });

  test('is 200 with every check "ok"', async (t) => {
    const app = using(
      t,
      createHttpServer({
        service: 'test-service',
        log,
        readiness: { a: async () => true, b: async () => true },
      }),
    );
    const res = await app.inject({ method: 'GET', url: '/ready' });
    assert.equal(res.statusCode, 200);
    assert.deepEqual(res.json().data, { status: 'ready', checks: { a: 'ok', b: 'ok' } });
  });
});

test('/metrics reports a block of the event loop, sampled every 100 ms rather than every 10', async () => {
  const probes = createServiceProbes('test-service');
  // One sample period and a little more, so the sampling timer is due during the block.
  await new Promise((resolve) => setTimeout(resolve, 150));
  const until = performance.now() + 300;
  while (performance.now() < until);
  await new Promise((resolve) => setTimeout(resolve, 150));
  const metrics = await probes.metrics.getMetricsAsJSON();
  const value = (name: string) =>
    metrics.find((metric) => metric.name === name)?.values[0]?.value ?? NaN;
  assert.ok(value('nodejs_eventloop_lag_max_seconds') >= 0.25);
  // At 100 ms per sample, 300 ms of idle and busy time holds a handful; at 10 ms, dozens.
  assert.ok(value('nodejs_eventloop_lag_mean_seconds') > 0.05);
});

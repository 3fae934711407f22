import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHttpServer } from '@wa/pkg/http';
import { intervalWorker, startService, type ServiceApp, type Worker } from '@wa/pkg/service';
import { testLogger } from '@wa/pkg/testing';

const log = testLogger('runner-test');
const listen = { host: '127.0.0.1', httpPort: 0 };

function recordingWorker(name: string, events: string[], failStart = false): Worker {
  return {
    name,
    start: async () => {
      if (failStart) throw new Error(`${name} cannot start`);
      events.push(`start ${name}`);
    },
    stop: async () => void events.push(`stop ${name}`),
  };
}

function appWith(workers: Worker[], events: string[]): ServiceApp {
  const http = createHttpServer({ service: 'runner-test', log });
  http.addHook('onClose', async () => void events.push('stop http'));
  return { http, workers, services: {} };
}

test('starts workers in order before listening, and stops in the house order', async () => {
  const events: string[] = [];
  const app = appWith(
    [recordingWorker('relay', events), recordingWorker('consumer', events)],
    events,
  );
  const running = await startService(app, {
    log,
    listen,
    clients: [
      { name: 'postgres', close: () => void events.push('close postgres') },
      { name: 'nats', close: () => void events.push('close nats') },
    ],
  });
  const health = await fetch(`http://127.0.0.1:${running.httpPort}/health`);
  assert.equal(health.status, 200);
  await running.stop();
  assert.deepEqual(events, [
    'start relay',
    'start consumer',
    'stop http',
    'stop consumer',
    'stop relay',
    'close nats',
    'close postgres',
  ]);
});

test('a worker that fails to start stops what started and closes the clients', async () => {
  const events: string[] = [];
  const app = appWith(
    [recordingWorker('relay', events), recordingWorker('consumer', events, true)],
    events,
  );
  await assert.rejects(
    startService(app, {
      log,
      listen,
      clients: [{ name: 'postgres', close: () => void events.push('close postgres') }],
    }),
    /consumer cannot start/,
  );
  assert.deepEqual(events, ['start relay', 'stop http', 'stop relay', 'close postgres']);
});

test('a failing stop step is logged and the later steps still run', async () => {
  const events: string[] = [];
  const broken: Worker = {
    name: 'broken',
    start: () => undefined,
    stop: () => Promise.reject(new Error('stuck')),
  };
  const app = appWith([recordingWorker('relay', events), broken], events);
  const running = await startService(app, {
    log,
    listen,
    clients: [{ name: 'redis', close: () => void events.push('close redis') }],
  });
  await running.stop();
  assert.deepEqual(events, ['start relay', 'stop http', 'stop relay', 'close redis']);
});

test('gRPC routes need a gRPC port', async () => {
  const events: string[] = [];
  const app = { ...appWith([], events), grpc: () => undefined };
  await assert.rejects(startService(app, { log, listen }), /no gRPC port/);
});

test('an interval worker runs its task one run at a time, and stop() waits for a run', async () => {
  let runs = 0;
  let concurrent = 0;
  let most = 0;
  let reached: () => void = () => undefined;
  const threeRuns = new Promise<void>((resolve) => (reached = resolve));
  const worker = intervalWorker(
    'sweep',
    5,
    async () => {
      concurrent += 1;
      most = Math.max(most, concurrent);
      await new Promise((resolve) => setTimeout(resolve, 12));
      concurrent -= 1;
      if (++runs === 3) reached();
    },
    log,
  );
  worker.start();
  await threeRuns;
  await worker.stop();
  assert.equal(most, 1);
  assert.equal(concurrent, 0, 'stop() waits for the run in progress');
});

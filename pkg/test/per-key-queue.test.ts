import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { createPerKeyQueue } from '@wa/pkg/db';

test('tasks of one key run one at a time, in order; other keys run alongside', async () => {
  const run = createPerKeyQueue();
  const log: string[] = [];
  const task = (name: string, ms: number) => async () => {
    log.push(`start ${name}`);
    await sleep(ms);
    log.push(`end ${name}`);
    return name;
  };
  const results = await Promise.all([
    run('chat-a', task('a1', 30)),
    run('chat-a', task('a2', 1)),
    run('chat-b', task('b1', 5)),
  ]);
  assert.deepEqual(results, ['a1', 'a2', 'b1']);
  assert.deepEqual(log, ['start a1', 'start b1', 'end b1', 'end a1', 'start a2', 'end a2']);
});

test('a failed task rejects its own caller only; the next task of that key still runs', async () => {
  const run = createPerKeyQueue();
  const failed = run('chat', async () => {
    throw new Error('store down');
  });
  const next = run('chat', async () => 'ran');
  await assert.rejects(failed, /store down/);
  assert.equal(await next, 'ran');
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { eventMeta, type EventPayload } from '@wa/pkg/bus';
import type { PgPool } from '@wa/pkg/db';
import { testLogger } from '@wa/pkg/testing';
import { messageEventOrderKey } from '../src/handler/message-events.ts';
import {
  readKey,
  type ChatRead,
  type MessageActivityRepository,
  type NewMessage,
} from '../src/repository/message-activity-repository.ts';
import { createActivityService } from '../src/service/activity-service.ts';

function newMessage(chatId: string = randomUUID()): EventPayload<'msg.new'> {
  return {
    ...eventMeta(),
    message_id: randomUUID(),
    chat_id: chatId,
    sender_id: randomUUID(),
    type: 'text',
    payload: { body: 'hello' },
    recipient_ids: [randomUUID()],
  };
}

function readOf(message: EventPayload<'msg.new'>): EventPayload<'msg.status.updated'> {
  return {
    ...eventMeta(),
    message_id: message.message_id,
    chat_id: message.chat_id,
    sender_id: message.sender_id,
    user_id: message.recipient_ids[0],
    status: 'read',
    message_timestamp: message.timestamp,
  };
}

/** A repository that records what it is asked, in order, and can be held mid-statement. */
function fakeRepository() {
  const calls: string[] = [];
  const batches: NewMessage[][] = [];
  const readBatches: ChatRead[][] = [];
  let hold: Promise<void> | undefined;
  const repository = {
    async record(_db: unknown, batch: readonly NewMessage[]) {
      calls.push('record start');
      batches.push([...batch]);
      await hold;
      calls.push('record end');
      return new Set(batch.map((m) => m.messageId));
    },
    async markRead(_db: unknown, reads: readonly ChatRead[]) {
      calls.push('read');
      readBatches.push([...reads]);
      return new Set(reads.map(readKey));
    },
  } as unknown as MessageActivityRepository;
  return {
    calls,
    batches,
    readBatches,
    repository,
    holdRecords(): () => void {
      let release!: () => void;
      hold = new Promise((resolve) => (release = resolve));
      return release;
    },
  };
}

const serviceOf = (repository: MessageActivityRepository, batchWaitMs: number) =>
  createActivityService({
    pool: {} as PgPool,
    activity: repository,
    log: testLogger('activity'),
    batchWaitMs,
  });

test('msg.new events arriving within the batch wait share one statement', async () => {
  const fake = fakeRepository();
  const activity = serviceOf(fake.repository, 40);
  const created = [activity.messageCreated(newMessage())];
  await sleep(5);
  created.push(activity.messageCreated(newMessage()));
  await sleep(5);
  created.push(activity.messageCreated(newMessage()));
  assert.deepEqual(await Promise.all(created), ['applied', 'applied', 'applied']);
  assert.deepEqual(
    fake.batches.map((batch) => batch.length),
    [3],
  );
});

test('a read never overlaps a msg.new statement: it waits for the one in flight', async () => {
  const fake = fakeRepository();
  const activity = serviceOf(fake.repository, 0);
  const release = fake.holdRecords();
  const message = newMessage();
  const created = activity.messageCreated(message);
  await sleep(5);
  const read = activity.statusUpdated(readOf(newMessage(message.chat_id)));
  await sleep(20);
  assert.deepEqual(fake.calls, ['record start'], 'the read waits');
  release();
  await Promise.all([created, read]);
  assert.deepEqual(fake.calls, ['record start', 'record end', 'read']);
});

test('reads arriving within the batch wait share one statement', async () => {
  const fake = fakeRepository();
  const activity = serviceOf(fake.repository, 40);
  const reads = [activity.statusUpdated(readOf(newMessage()))];
  await sleep(5);
  reads.push(activity.statusUpdated(readOf(newMessage())));
  assert.deepEqual(await Promise.all(reads), ['applied', 'applied']);
  assert.deepEqual(
    fake.readBatches.map((batch) => batch.length),
    [2],
  );
});

test('one message’s events share an order key; two messages of one chat do not', () => {
  const first = newMessage();
  const second = newMessage(first.chat_id);
  const key = (subject: 'msg.new' | 'msg.status.updated', payload: object) =>
    messageEventOrderKey({ subject, payload, redelivered: false, deliveries: 1 } as never);
  assert.equal(key('msg.new', first), key('msg.status.updated', readOf(first)));
  assert.notEqual(key('msg.new', first), key('msg.new', second));
});

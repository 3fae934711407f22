import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createOutboxRelay, jetstream } from '@wa/pkg/bus';
import { captureEvents, testLogger, type EventCapture } from '@wa/pkg/testing';
import {
  createMessageRepository,
  type MessageRepository,
} from '../src/repository/message-repository.ts';
import { createHistoryService } from '../src/service/history-service.ts';
import { createMessageRefs } from '../src/service/message-refs.ts';
import { OUTBOX_COLLECTION, createMessageOutbox } from '../src/service/outbox-events.ts';
import { createReceiptService } from '../src/service/receipt-service.ts';
import { call, startMessageApp, text, type MessageHarness } from './helpers.ts';

/*
 * An instance that dies between applying a change and publishing its event: the event must still
 * be published, by another instance's sweep, and an event whose change never happened must not.
 * The dying instance is this app's services over the same database with one repository call made
 * to fail (after or instead of its write) and a relay that never runs.
 */

let h: MessageHarness;
let events: EventCapture;

before(async () => {
  h = await startMessageApp();
  events = await captureEvents(h.nc, 'msg.>');
});
after(async () => {
  await events?.stop();
  await h?.close();
});

class Crash extends Error {}

type Write = 'advanceStatus' | 'deleteForEveryone';

/** The repository of an instance that dies right after (or instead of) one kind of write. */
function dyingRepository(write: Write, applied: boolean): MessageRepository {
  const real = createMessageRepository(h.mongo.db(), createMessageOutbox(h.mongo.db()));
  const die = async (...args: unknown[]): Promise<never> => {
    if (applied) await (real[write] as (...a: unknown[]) => Promise<unknown>)(...args);
    throw new Crash(`died ${applied ? 'after' : 'before'} ${write}`);
  };
  return { ...real, [write]: die };
}

/** The services of the dying instance: the same store, a relay that is never started. */
function dyingInstance(write: Write, applied: boolean) {
  const db = h.mongo.db();
  const outbox = createMessageOutbox(db);
  const messages = dyingRepository(write, applied);
  const relay = createOutboxRelay({ store: outbox, js: jetstream(h.nc), log: testLogger() });
  const common = { messages, outbox, relay, membership: h.membership };
  return {
    receipts: createReceiptService({
      ...common,
      refs: createMessageRefs(messages),
      readReceipts: () => Promise.resolve(true),
    }),
    history: createHistoryService({ ...common, textSearch: () => Promise.resolve(false) }),
  };
}

async function sentMessage() {
  const [alice, bob] = h.makeUsers(2);
  const chat = h.makeDirectChat(alice.id, bob.id);
  const sent = await call(h, alice.id, 'POST', `/api/v1/chats/${chat.id}/messages`, text('hi'));
  assert.equal(sent.status, 201);
  return { alice: alice.id, bob: bob.id, messageId: sent.data.message.message_id as string };
}

const statusEvents = (messageId: string, status: string) =>
  events.events.filter(
    (e) =>
      e.subject === 'msg.status.updated' &&
      e.payload.message_id === messageId &&
      e.payload.status === status,
  );

const storedStatusEvents = (messageId: string) =>
  h.mongo
    .db()
    .collection(OUTBOX_COLLECTION)
    .countDocuments({ subject: 'msg.status.updated', 'payload.message_id': messageId });

test('a receipt applied just before a crash is published by the sweep; its retry adds none', async () => {
  const { bob, messageId } = await sentMessage();
  const dying = dyingInstance('advanceStatus', true);
  await assert.rejects(dying.receipts.updateStatus([messageId], bob, 'delivered'), Crash);
  // The device retries through a live instance: the status already moved, so nothing new.
  assert.deepEqual(await h.receipts.updateStatus([messageId], bob, 'delivered'), { updated: 0 });

  await h.relay.flush(); // the sweep a live instance runs, without waiting out the grace period
  const event = await events.waitFor(
    'msg.status.updated',
    (e) => e.message_id === messageId && e.status === 'delivered',
  );
  assert.equal(event.user_id, bob);
  // A later event of the same queue: any second `delivered` would have been published before it.
  await h.receipts.updateStatus([messageId], bob, 'read');
  await events.waitFor(
    'msg.status.updated',
    (e) => e.message_id === messageId && e.status === 'read',
  );
  assert.equal(statusEvents(messageId, 'delivered').length, 1);
});

test('a deletion for everyone applied just before a crash is published with its recipients', async () => {
  const { alice, bob, messageId } = await sentMessage();
  const dying = dyingInstance('deleteForEveryone', true);
  await assert.rejects(dying.history.delete(messageId, alice, true), Crash);

  await h.relay.flush();
  const event = await events.waitFor('msg.deleted', (e) => e.message_id === messageId);
  assert.deepEqual(event.recipient_ids, [bob]);
});

test('an event stored by an instance that died before applying its change is dropped', async () => {
  const { bob, messageId } = await sentMessage();
  const dying = dyingInstance('advanceStatus', false);
  await assert.rejects(dying.receipts.updateStatus([messageId], bob, 'delivered'), Crash);
  assert.equal(await storedStatusEvents(messageId), 1, 'the event is stored before the change');

  await h.relay.flush();
  assert.equal(await storedStatusEvents(messageId), 0, 'the sweep removed it');
  // The receipt that does happen afterwards is the only `delivered` ever published.
  await h.receipts.updateStatus([messageId], bob, 'delivered');
  await events.waitFor(
    'msg.status.updated',
    (e) => e.message_id === messageId && e.status === 'delivered',
  );
  await h.receipts.updateStatus([messageId], bob, 'read');
  await events.waitFor(
    'msg.status.updated',
    (e) => e.message_id === messageId && e.status === 'read',
  );
  assert.equal(statusEvents(messageId, 'delivered').length, 1);
});

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { captureEvents, type EventCapture } from '@wa/pkg/testing';
import { newMessageDoc, type MessageDoc } from '../src/model/message.ts';
import { createMessageRepository } from '../src/repository/message-repository.ts';
import { createMessageOutbox, msgNewEvent } from '../src/service/outbox-events.ts';
import { startMessageApp, type MessageHarness } from './helpers.ts';

/*
 * Addenda K: one bad document never fails another user's request. Sends that arrive together
 * are stored in one insertMany; when the store refuses one document of it, the others must still
 * be stored, each with its msg.new, and a resend must still be recognised as one.
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

test('a document the store refuses fails only its own send; those batched with it are stored with their msg.new', async () => {
  const db = h.mongo.db();
  const messages = createMessageRepository(db, createMessageOutbox(db));
  const chatId = randomUUID();
  const recipient = randomUUID();
  const doc = (body: string): MessageDoc =>
    newMessageDoc(
      chatId,
      [recipient],
      { sender_id: randomUUID(), client_msg_id: randomUUID(), type: 'text', payload: { body } },
      new Date(),
    );
  const earlier = doc('sent before');
  assert.equal(await messages.insert(earlier, msgNewEvent(earlier)), 'inserted');

  const first = doc('first');
  const second = doc('second');
  // MongoDB and FerretDB both refuse an array as `_id`, for this document only.
  const poison = { ...doc('poison'), _id: ['refused'] } as MessageDoc;
  const resend = {
    ...doc('resent'),
    sender_id: earlier.sender_id,
    client_msg_id: earlier.client_msg_id,
  };
  const third = doc('third');
  // Sent together: `first` is written alone (nothing was in flight), the rest in one batch.
  const outcomes = await Promise.allSettled(
    [first, second, poison, resend, third].map((d) => messages.insert(d, msgNewEvent(d))),
  );
  assert.deepEqual(
    outcomes.map((outcome) => (outcome.status === 'fulfilled' ? outcome.value : 'rejected')),
    ['inserted', 'inserted', 'rejected', 'duplicate', 'inserted'],
  );
  // What a restarted instance's sweep does: publish what is stored, dropping an event whose
  // message never was (the refused one).
  await h.relay.flush();
  for (const stored of [first, second, third]) {
    assert.equal((await messages.findById(stored.message_id))?.payload.body, stored.payload.body);
    await events.waitFor('msg.new', (event) => event.message_id === stored.message_id);
  }
  assert.equal(await messages.findById(poison.message_id), null);
  assert.equal(await messages.findById(resend.message_id), null);
});

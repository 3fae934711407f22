import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { newMessageDoc, type MessageDoc } from '../src/model/message.ts';
import { createMessageRefs } from '../src/service/message-refs.ts';
import { msgNewEvent } from '../src/service/outbox-events.ts';
import { openTestStore, type TestMessageStore } from './test-stores.ts';

// The real store of the tests; every read the refs make goes through `findById`, counted here.
let subject: TestMessageStore;
let finds = 0;
const counted = {
  findById: (messageId: string) => {
    finds += 1;
    return subject.store.findById(messageId);
  },
};

before(async () => {
  subject = await openTestStore();
});
after(() => subject?.dispose());

const message = (recipients: string[]): MessageDoc =>
  newMessageDoc(
    randomUUID(),
    recipients,
    { sender_id: randomUUID(), client_msg_id: randomUUID(), type: 'text', payload: { body: 'hi' } },
    new Date(),
  );

test('a message just stored answers from memory; others are read once, oldest dropped first', async () => {
  const refs = createMessageRefs(counted, 2);
  const recipient = randomUUID();
  const sent = message([recipient]);
  refs.remember(sent);
  const start = finds;
  const hit = await refs.get(sent.message_id);
  assert.equal(finds, start, 'no read for a message this instance stored');
  assert.deepEqual(
    { chat: hit?.chat_id, sender: hit?.sender_id, recipients: [...(hit?.recipients ?? [])] },
    { chat: sent.chat_id, sender: sent.sender_id, recipients: [recipient] },
  );

  const stored = message([randomUUID()]);
  await subject.store.insert(stored, msgNewEvent(stored));
  assert.equal((await refs.get(stored.message_id))?.chat_id, stored.chat_id);
  assert.equal((await refs.get(stored.message_id))?.chat_id, stored.chat_id);
  assert.equal(finds, start + 1, 'a stored message is read once');

  assert.equal(await refs.get(randomUUID()), null);
  refs.remember(message([]));
  const beforeEvicted = finds;
  assert.equal(await refs.get(sent.message_id), null, 'evicted, and never stored');
  assert.equal(finds, beforeEvicted + 1);
});

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { createMongoClient, type MongoClient } from '@wa/pkg/db';
import { newMessageDoc, type MessageDoc } from '../src/model/message.ts';
import { MESSAGES, createMessageRepository } from '../src/repository/message-repository.ts';
import { createMessageRefs } from '../src/service/message-refs.ts';
import { createMessageOutbox } from '../src/service/outbox-events.ts';
import { freshMongoUrl } from './helpers.ts';

// The real repository on the test server; the driver's command events count the reads.
let mongo: MongoClient;
let finds = 0;

before(async () => {
  const url = new URL(freshMongoUrl());
  url.searchParams.set('monitorCommands', 'true');
  mongo = createMongoClient({ url: url.toString() });
  await mongo.connect();
  mongo.on('commandStarted', (event: { commandName: string }) => {
    if (event.commandName === 'find') finds += 1;
  });
});
after(async () => {
  await mongo.db().dropDatabase();
  await mongo.close();
});

const message = (recipients: string[]): MessageDoc =>
  newMessageDoc(
    randomUUID(),
    recipients,
    { sender_id: randomUUID(), client_msg_id: randomUUID(), type: 'text', payload: { body: 'hi' } },
    new Date(),
  );

test('a message just stored answers from memory; others are read once, oldest dropped first', async () => {
  const refs = createMessageRefs(
    createMessageRepository(mongo.db(), createMessageOutbox(mongo.db())),
    2,
  );
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
  await mongo
    .db()
    .collection(MESSAGES)
    .insertOne({ ...stored });
  assert.equal((await refs.get(stored.message_id))?.chat_id, stored.chat_id);
  assert.equal((await refs.get(stored.message_id))?.chat_id, stored.chat_id);
  assert.equal(finds, start + 1, 'a stored message is read once');

  assert.equal(await refs.get(randomUUID()), null);
  refs.remember(message([]));
  const beforeEvicted = finds;
  assert.equal(await refs.get(sent.message_id), null, 'evicted, and never stored');
  assert.equal(finds, beforeEvicted + 1);
});

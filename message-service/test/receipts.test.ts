/* eslint-disable @typescript-eslint/no-unsafe-return -- envelope data is untyped JSON */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { PassThrough } from 'node:stream';
import { createStampReader } from '@wa/pkg/cache';
import { UserService, createGrpcClient } from '@wa/pkg/grpc';
import { createLogger } from '@wa/pkg/log';
import { captureEvents, freePort, type EventCapture } from '@wa/pkg/testing';
import { createUserRemote } from '../src/repository/user-remote.ts';
import { readReceiptsFromUserService } from '../src/service/receipt-service.ts';
import { call, startMessageApp, text, type Data, type MessageHarness } from './helpers.ts';

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

/** The user's read_receipts privacy setting, changed as the user-service changes it. */
const setReadReceipts = (userId: string, on: boolean) => h.setReadReceipts(userId, on);

async function send(chatId: string, senderId: string, body: string): Promise<string> {
  const res = await call(h, senderId, 'POST', `/api/v1/chats/${chatId}/messages`, text(body));
  assert.equal(res.status, 201, JSON.stringify(res.body));
  return (res.data.message as Data).message_id as string;
}

async function readUpTo(chatId: string, readerId: string, messageId: string) {
  const res = await call(h, readerId, 'POST', `/api/v1/chats/${chatId}/messages/read`, {
    up_to_message_id: messageId,
  });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return events.waitFor('msg.status.updated', (e) => e.message_id === messageId);
}

const statusSeenBy = async (chatId: string, userId: string, messageId: string) =>
  ((await call(h, userId, 'GET', `/api/v1/chats/${chatId}/messages`)).data.messages as Data[]).find(
    (m) => m.message_id === messageId,
  )?.status;

test('a reader who turned read receipts off in the user-service shows the sender only delivered', async () => {
  const [alice, bob] = h.makeUsers(2);
  const chat = h.makeDirectChat(alice.id, bob.id).id;
  await setReadReceipts(bob.id, false);
  const hiddenRead = await send(chat, alice.id, 'one');
  const event = await readUpTo(chat, bob.id, hiddenRead);
  assert.equal(event.status, 'read');
  assert.equal(event.receipt_hidden, true);
  assert.equal(await statusSeenBy(chat, bob.id, hiddenRead), 'read');
  assert.equal(await statusSeenBy(chat, alice.id, hiddenRead), 'delivered');

  await setReadReceipts(bob.id, true);
  const shownRead = await send(chat, alice.id, 'two');
  const shown = await readUpTo(chat, bob.id, shownRead);
  assert.equal(shown.receipt_hidden, undefined, 'the setting applies from the next read on');
  assert.equal(await statusSeenBy(chat, alice.id, shownRead), 'read');
});

test('the lookup answers the user-service setting; default on, unknown users hidden', async () => {
  const [off, untouched] = h.makeUsers(2);
  await setReadReceipts(off.id, false);
  const users = createGrpcClient(UserService, { address: h.userServer.address, timeoutMs: 2_000 });
  const log = createLogger({ service: 't', level: 'warn' });
  const lookup = readReceiptsFromUserService(
    createUserRemote(users),
    createStampReader(h.redis, log),
    log,
  );
  assert.equal(await lookup(off.id), false);
  assert.equal(await lookup(untouched.id), true);
  assert.equal(await lookup(randomUUID()), false);
});

test('reads under an unchanged setting ask the user-service once; a change is seen at the next read', async () => {
  const [alice, bob] = h.makeUsers(2);
  const chat = h.makeDirectChat(alice.id, bob.id).id;
  const asked = () =>
    h.userServer.calls.getReadReceipts.filter((call) => call.userIds.includes(bob.id)).length;
  for (const body of ['one', 'two', 'three'])
    assert.equal(
      (await readUpTo(chat, bob.id, await send(chat, alice.id, body))).receipt_hidden,
      undefined,
    );
  assert.equal(asked(), 1, 'one call for three reads');
  await setReadReceipts(bob.id, false);
  const hidden = await readUpTo(chat, bob.id, await send(chat, alice.id, 'four'));
  assert.equal(hidden.receipt_hidden, true, 'the change applies at once');
  assert.equal(asked(), 2);
});

test('when the user-service cannot be reached the read is hidden and a warning logged', async () => {
  const lines = new PassThrough();
  const logged: string[] = [];
  lines.on('data', (chunk: Buffer) => logged.push(chunk.toString()));
  const log = createLogger({ service: 'message-service', level: 'warn', destination: lines });
  const nowhere = createGrpcClient(UserService, {
    address: `127.0.0.1:${await freePort()}`,
    timeoutMs: 1_000,
  });
  const [reader] = h.makeUsers(1);
  const lookup = readReceiptsFromUserService(
    createUserRemote(nowhere),
    createStampReader(h.redis, log),
    log,
  );
  assert.equal(await lookup(reader.id), false);
  const warning = logged.map((line) => JSON.parse(line) as Data).find((l) => l.level === 'warn');
  assert.equal(warning?.msg, 'read receipts setting unavailable, read hidden');
  assert.equal(warning?.user_id, reader.id);
});

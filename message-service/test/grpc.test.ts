/* eslint-disable @typescript-eslint/no-unsafe-return -- envelope data is untyped JSON */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { Code, ConnectError } from '@connectrpc/connect';
import { MessageService, createGrpcClient, type Client } from '@wa/pkg/grpc';
import { captureEvents, eventually, type EventCapture } from '@wa/pkg/testing';
import { call, startMessageApp, type Data, type MessageHarness } from './helpers.ts';

let h: MessageHarness;
let client: Client<typeof MessageService>;
let events: EventCapture;

before(async () => {
  h = await startMessageApp();
  client = createGrpcClient(MessageService, { address: h.grpcAddress, timeoutMs: 5_000 });
  events = await captureEvents(h.nc, 'msg.>');
});
after(async () => {
  await events?.stop();
  await h?.close();
});

const json = (value: unknown) => new TextEncoder().encode(JSON.stringify(value));

const codeOf = async (call: Promise<unknown>): Promise<Code | undefined> => {
  try {
    await call;
    return undefined;
  } catch (error) {
    return ConnectError.from(error).code;
  }
};

async function directChat() {
  const [alice, bob] = h.makeUsers(2);
  const chat = h.makeDirectChat(alice.id, bob.id);
  return { alice: alice.id, bob: bob.id, chat: chat.id };
}

/**
 * Sends a message in `chat` and waits for its msg.new. The relay publishes in write order and the
 * stream delivers in order, so whatever was published before it has been captured by then: a
 * test may assert that something was not published (again).
 */
async function marker(chat: string, sender: string): Promise<void> {
  const sent = await sendText(chat, sender, 'marker');
  await events.waitFor('msg.new', (e) => e.message_id === sent.messageId);
}

const sendText = (
  chatId: string,
  senderId: string,
  body: string,
  clientMsgId: string = randomUUID(),
) => client.sendMessage({ chatId, senderId, type: 'text', payload: json({ body }), clientMsgId });

test('20 concurrent SendMessage retries with one client_msg_id make one message', async () => {
  const { alice, chat } = await directChat();
  const clientMsgId = randomUUID();
  const answers = await Promise.all(
    Array.from({ length: 20 }, () => sendText(chat, alice, 'only once', clientMsgId)),
  );
  const ids = new Set(answers.map((a) => a.messageId));
  const stamps = new Set(answers.map((a) => a.timestamp));
  assert.equal(ids.size, 1);
  assert.equal(stamps.size, 1);
  assert.equal(answers.filter((a) => !a.duplicate).length, 1);
  const stored = await h.store.findByClientId(alice, clientMsgId);
  assert.equal(stored?.message_id, answers[0].messageId);
  const history = await h.store.history(chat, alice, undefined, 100);
  assert.equal(history.filter((m) => m.client_msg_id === clientMsgId).length, 1);
  await h.relay.flush();
  await marker(chat, alice);
  const published = events.events.filter(
    (e) => e.subject === 'msg.new' && e.payload.message_id === answers[0].messageId,
  );
  assert.equal(published.length, 1);
});

test('SendMessage refuses non-members, bad ids and bad payloads with the right codes', async () => {
  const { alice, chat } = await directChat();
  const [stranger] = h.makeUsers(1);
  assert.equal(await codeOf(sendText(chat, stranger.id, 'hi')), Code.PermissionDenied);
  assert.equal(await codeOf(sendText('nope', alice, 'hi')), Code.InvalidArgument);
  assert.equal(
    await codeOf(
      client.sendMessage({
        chatId: chat,
        senderId: alice,
        type: 'text',
        payload: new Uint8Array([123]),
        clientMsgId: 'x',
      }),
    ),
    Code.InvalidArgument,
  );
  assert.equal(await codeOf(sendText(chat, alice, '')), Code.InvalidArgument);
  assert.equal(await codeOf(sendText(chat, alice, 'ok', '')), Code.InvalidArgument);
});

test('UpdateMessageStatus moves a batch forward, never back, and tells the sender once', async () => {
  const { alice, bob, chat } = await directChat();
  const a = await sendText(chat, alice, 'a');
  const b = await sendText(chat, alice, 'b');
  const delivered = await client.updateMessageStatus({
    userId: bob,
    status: 'delivered',
    messageIds: [a.messageId, b.messageId],
  });
  assert.equal(delivered.updated, 2);
  const read = await client.updateMessageStatus({
    messageId: a.messageId,
    userId: bob,
    status: 'read',
  });
  assert.equal(read.updated, 1);
  const back = await client.updateMessageStatus({
    messageId: a.messageId,
    userId: bob,
    status: 'delivered',
  });
  assert.equal(back.updated, 0, 'read never goes back to delivered');
  const sender = await client.updateMessageStatus({
    messageId: a.messageId,
    userId: alice,
    status: 'read',
  });
  assert.equal(sender.updated, 0, 'the sender has no status on their own message');
  await events.waitFor(
    'msg.status.updated',
    (e) => e.message_id === a.messageId && e.status === 'read',
  );
  await h.relay.flush();
  await marker(chat, alice);
  const forA = events.events
    .filter((e) => e.subject === 'msg.status.updated' && e.payload.message_id === a.messageId)
    .map((e) => e.payload.status);
  assert.deepEqual(forA, ['delivered', 'read']);
  assert.equal(
    await codeOf(
      client.updateMessageStatus({ messageId: a.messageId, userId: bob, status: 'sent' }),
    ),
    Code.InvalidArgument,
  );
});

test('a retry of a stored message gets it back even after the sender was blocked', async () => {
  const { alice, bob, chat } = await directChat();
  const clientMsgId = randomUUID();
  const first = await sendText(chat, alice, 'before the block', clientMsgId);
  await h.setBlocked(bob, alice, true);
  // The block reaches the membership cache through an event: enforced a moment later.
  await eventually(
    async () => assert.equal(await codeOf(sendText(chat, alice, 'new')), Code.PermissionDenied),
    { timeoutMs: 5_000, intervalMs: 50 },
  );
  const retry = await sendText(chat, alice, 'before the block', clientMsgId);
  assert.equal(retry.messageId, first.messageId);
  assert.equal(retry.duplicate, true);
});

test('concurrent delivered and read updates always end at read', async () => {
  const { alice, bob, chat } = await directChat();
  const sent = await sendText(chat, alice, 'race');
  await Promise.all(
    Array.from({ length: 10 }, (_, i) =>
      client.updateMessageStatus({
        messageId: sent.messageId,
        userId: bob,
        status: i % 2 ? 'read' : 'delivered',
      }),
    ),
  );
  const [seen] = (await call(h, bob, 'GET', `/api/v1/chats/${chat}/messages`)).data
    .messages as Data[];
  assert.equal(seen.status, 'read');
});

test('every member of a group acknowledging at once is recorded for each of them', async () => {
  const [alice, ...members] = h.makeUsers(9);
  const group = h.makeGroupChat({
    createdBy: alice.id,
    memberIds: members.map((m) => m.id),
  });
  const sent = await sendText(group.id, alice.id, 'to all');
  const results = await Promise.all(
    members.map((m) =>
      client.updateMessageStatus({ messageId: sent.messageId, userId: m.id, status: 'delivered' }),
    ),
  );
  assert.deepEqual(
    results.map((r) => r.updated),
    members.map(() => 1),
  );
  const stored = await h.store.findById(sent.messageId);
  for (const m of members) assert.equal(stored?.status[m.id]?.status, 'delivered', m.id);
  assert.deepEqual(stored?.undelivered_to, []);
});

test('UpdateMessageStatuses records many users in one call and refuses a bad receipt alone', async () => {
  const [alice, ...members] = h.makeUsers(5);
  const group = h.makeGroupChat({ createdBy: alice.id, memberIds: members.map((m) => m.id) });
  const first = await sendText(group.id, alice.id, 'one');
  const second = await sendText(group.id, alice.id, 'two');
  const [bob, carol, dave, erin] = members;
  const answer = await client.updateMessageStatuses({
    receipts: [
      { userId: bob.id, status: 'delivered', messageIds: [first.messageId, second.messageId] },
      { userId: carol.id, status: 'delivered', messageIds: [first.messageId, 'not-a-uuid'] },
      { userId: dave.id, status: 'read', messageIds: [first.messageId] },
      { userId: erin.id, status: 'sent', messageIds: [first.messageId] },
      { userId: alice.id, status: 'delivered', messageIds: [first.messageId] },
      { userId: bob.id, status: 'delivered', messageIds: [first.messageId] },
    ],
  });
  assert.deepEqual(
    answer.results.map((r) => [r.updated, r.error !== '']),
    [
      [2, false],
      [0, true],
      [1, false],
      [0, true],
      [0, false],
      [0, false],
    ],
    'bob both, carol refused (bad id), dave read, erin refused (bad status), the sender and a repeat nothing',
  );
  const stored = await h.store.findById(first.messageId);
  assert.equal(stored?.status[bob.id]?.status, 'delivered');
  assert.equal(stored?.status[carol.id]?.status, 'sent', 'a refused receipt applies nothing');
  assert.equal(stored?.status[dave.id]?.status, 'read');
  assert.equal(stored?.status[erin.id]?.status, 'sent');
  await events.waitFor(
    'msg.status.updated',
    (e) => e.message_id === first.messageId && e.user_id === dave.id && e.status === 'read',
  );
  await assert.rejects(
    client.updateMessageStatuses({
      receipts: [
        { userId: bob.id, status: 'delivered', messageIds: Array(2_001).fill(first.messageId) },
      ],
    }),
    (error) => ConnectError.from(error).code === Code.InvalidArgument,
  );
});

test("SendMessages stores many users' messages in one call and answers a refused one alone, with its code", async () => {
  const first = await directChat();
  const second = await directChat();
  const [outsider] = h.makeUsers(1);
  const retried = randomUUID();
  const earlier = await sendText(second.chat, second.bob, 'sent before', retried);
  const text = (chatId: string, senderId: string, body: string, clientMsgId = randomUUID()) => ({
    chatId,
    senderId,
    type: 'text',
    payload: json({ body }),
    clientMsgId,
    replyToMessageId: '',
  });
  const answer = await client.sendMessages({
    sends: [
      text(first.chat, first.alice, 'one'),
      text(first.chat, outsider.id, 'not a member'),
      text(second.chat, second.alice, 'two'),
      text('not-a-uuid', second.alice, 'nowhere'),
      text(second.chat, second.bob, 'sent before', retried),
      { ...text(first.chat, first.bob, 'x'), type: 'hologram' },
    ],
  });
  assert.deepEqual(
    answer.results.map((r) => [r.errorCode, r.sent?.duplicate]),
    [
      ['', false],
      ['FORBIDDEN', undefined],
      ['', false],
      ['VALIDATION_ERROR', undefined],
      ['', true],
      ['VALIDATION_ERROR', undefined],
    ],
    'two stored, an outsider and two malformed sends refused, a retry answered with its message',
  );
  assert.equal(answer.results[4].sent?.messageId, earlier.messageId);
  for (const [index, chatId] of [
    [0, first.chat],
    [2, second.chat],
  ] as const) {
    const messageId = answer.results[index].sent?.messageId ?? '';
    assert.equal((await h.store.findById(messageId))?.chat_id, chatId);
    await events.waitFor('msg.new', (e) => e.message_id === messageId);
  }
  assert.equal(
    await codeOf(
      client.sendMessages({
        sends: Array.from({ length: 201 }, () => text(first.chat, first.alice, 'many')),
      }),
    ),
    Code.InvalidArgument,
  );
});

test("MarkReads applies many users' reads in one call and refuses a bad one alone, with its code", async () => {
  const [alice, ...members] = h.makeUsers(4);
  const group = h.makeGroupChat({ createdBy: alice.id, memberIds: members.map((m) => m.id) });
  const first = await sendText(group.id, alice.id, 'one');
  const second = await sendText(group.id, alice.id, 'two');
  const [bob, carol, dave] = members;
  const [outsider] = h.makeUsers(1);
  const read = (userId: string, upToMessageId: string, chatId = group.id) => ({
    chatId,
    userId,
    upToMessageId,
  });
  const answer = await client.markReads({
    reads: [
      read(bob.id, second.messageId),
      read(outsider.id, first.messageId),
      read(carol.id, first.messageId),
      read(dave.id, randomUUID()),
      read(dave.id, 'not-a-uuid'),
    ],
  });
  assert.deepEqual(
    answer.results.map((r) => [r.updated, r.errorCode]),
    [
      [2, ''],
      [0, 'FORBIDDEN'],
      [1, ''],
      [0, 'NOT_FOUND'],
      [0, 'VALIDATION_ERROR'],
    ],
    'bob both, an outsider refused, carol one, dave an unknown and a malformed id refused',
  );
  const stored = await h.store.findById(second.messageId);
  assert.equal(stored?.status[bob.id]?.status, 'read');
  assert.equal(stored?.status[carol.id]?.status, 'sent');
  await events.waitFor(
    'msg.status.updated',
    (e) => e.message_id === first.messageId && e.user_id === carol.id && e.status === 'read',
  );
  assert.equal(
    await codeOf(
      client.markReads({ reads: Array.from({ length: 501 }, () => read(bob.id, first.messageId)) }),
    ),
    Code.InvalidArgument,
  );
});

test("UpdateReceipts: a read the sender may see stands in for the same reader's ack of its message; a hidden read does not", async () => {
  const [alice, bob, carol, dave] = h.makeUsers(4);
  const group = h.makeGroupChat({ createdBy: alice.id, memberIds: [bob.id, carol.id, dave.id] });
  await h.setReadReceipts(carol.id, false);
  const first = await sendText(group.id, alice.id, 'one');
  const second = await sendText(group.id, alice.id, 'two');
  const third = await sendText(group.id, alice.id, 'three');
  const read = (userId: string, upToMessageId: string, chatId = group.id) => ({
    chatId,
    userId,
    upToMessageId,
  });
  const answer = await client.updateReceipts({
    delivered: [
      { userId: bob.id, messageIds: [second.messageId, third.messageId] },
      { userId: carol.id, messageIds: [second.messageId] },
      { userId: dave.id, messageIds: [second.messageId] },
      { userId: dave.id, messageIds: ['not-a-uuid'] },
    ],
    reads: [
      read(bob.id, second.messageId),
      read(carol.id, second.messageId),
      read(dave.id, second.messageId, randomUUID()),
    ],
  });
  assert.deepEqual(
    answer.delivered.map((r) => [r.updated, r.errorCode]),
    [
      [1, ''],
      [1, ''],
      [1, ''],
      [0, 'VALIDATION_ERROR'],
    ],
    "bob's ack of the message he read is left out, of the later one not; carol's read is hidden, so her ack is written first",
  );
  assert.deepEqual(
    answer.reads.map((r) => [r.updated, r.errorCode]),
    [
      [2, ''],
      [2, ''],
      [0, 'FORBIDDEN'],
    ],
    "dave's read names a chat he is not in: refused, so his ack applies",
  );
  const stored = await h.store.findById(second.messageId);
  assert.equal(stored?.status[bob.id]?.status, 'read');
  assert.equal(stored?.status[carol.id]?.status, 'read');
  assert.equal(stored?.status[dave.id]?.status, 'delivered');
  assert.deepEqual(stored?.undelivered_to, [], "every reader's backlog is clear of it");
  await marker(group.id, alice.id);
  const names = new Map([
    [first.messageId, 'first'],
    [second.messageId, 'second'],
    [third.messageId, 'third'],
  ]);
  const told = (userId: string) =>
    events.events
      .filter(
        (e) =>
          e.subject === 'msg.status.updated' &&
          e.payload.user_id === userId &&
          names.has(String(e.payload.message_id)),
      )
      .map((e) => `${names.get(String(e.payload.message_id))} ${String(e.payload.status)}`)
      .sort();
  assert.deepEqual(told(bob.id), ['second read', 'third delivered'], 'no delivered before read');
  assert.deepEqual(told(carol.id), ['second delivered', 'second read']);
  assert.deepEqual(told(dave.id), ['second delivered']);
  assert.equal(
    await codeOf(
      client.updateReceipts({
        delivered: [],
        reads: Array(501).fill(read(bob.id, first.messageId)),
      }),
    ),
    Code.InvalidArgument,
  );
});

test('ListUndelivered replays oldest first in bounded pages until delivery is acknowledged', async () => {
  const [alice, bob, carol] = h.makeUsers(3);
  const group = h.makeGroupChat({ createdBy: alice.id, memberIds: [bob.id, carol.id] });
  const sent: string[] = [];
  for (let i = 0; i < 5; i++) sent.push((await sendText(group.id, alice.id, `m${i}`)).messageId);
  const replayed: string[] = [];
  let after = '';
  for (let i = 0; i < 5; i++) {
    const page = await client.listUndelivered({ userId: bob.id, after, limit: 2 });
    assert.ok(page.messages.length <= 2);
    replayed.push(...page.messages.map((m) => m.messageId));
    after = page.next;
    if (!after) break;
  }
  assert.deepEqual(replayed, sent);
  const first = await client.listUndelivered({ userId: bob.id, after: '', limit: 1 });
  assert.equal(first.messages[0].chatId, group.id);
  assert.deepEqual(JSON.parse(new TextDecoder().decode(first.messages[0].payload)), { body: 'm0' });
  await client.updateMessageStatus({
    userId: bob.id,
    status: 'delivered',
    messageIds: sent.slice(0, 3),
  });
  await client.markRead({ chatId: group.id, userId: bob.id, upToMessageId: sent[3] });
  const rest = await client.listUndelivered({ userId: bob.id, after: '', limit: 500 });
  assert.deepEqual(
    rest.messages.map((m) => m.messageId),
    [sent[4]],
  );
  const forCarol = await client.listUndelivered({ userId: carol.id, after: '', limit: 500 });
  assert.equal(forCarol.messages.length, 5, 'another recipient’s acknowledgement changes nothing');
  assert.equal(
    await codeOf(client.listUndelivered({ userId: bob.id, after: '', limit: 501 })),
    Code.InvalidArgument,
  );
  assert.equal(
    await codeOf(client.listUndelivered({ userId: bob.id, after: 'zz', limit: 5 })),
    Code.InvalidArgument,
  );
});

test('a read up to a message leaves earlier ones still owed until their delivery is acknowledged', async () => {
  const [alice, bob] = h.makeUsers(2);
  const group = h.makeGroupChat({ createdBy: alice.id, memberIds: [bob.id] });
  // Bob's device missed the first (it was on an instance that died) and read the second live.
  const missed = await sendText(group.id, alice.id, 'missed');
  const seen = await sendText(group.id, alice.id, 'seen');
  await client.updateMessageStatus({
    userId: bob.id,
    status: 'delivered',
    messageIds: [seen.messageId],
  });
  await client.markRead({ chatId: group.id, userId: bob.id, upToMessageId: seen.messageId });
  const owed = async () =>
    (await client.listUndelivered({ userId: bob.id, after: '', limit: 500 })).messages.map(
      (m) => m.messageId,
    );
  assert.deepEqual(await owed(), [missed.messageId], 'the missed one is still replayed');
  // Replayed, it is acknowledged: already read, it must still stop being owed.
  await client.updateMessageStatus({
    userId: bob.id,
    status: 'delivered',
    messageIds: [missed.messageId],
  });
  assert.deepEqual(await owed(), []);
});

test('MarkRead with read receipts off clears the reader’s state but hides the read from the sender', async () => {
  const { alice, bob, chat } = await directChat();
  await h.setReadReceipts(bob, false);
  const m = await sendText(chat, alice, 'did you read this?');
  const marked = await client.markRead({ chatId: chat, userId: bob, upToMessageId: m.messageId });
  assert.equal(marked.updated, 1);
  const event = await events.waitFor('msg.status.updated', (e) => e.message_id === m.messageId);
  assert.equal(event.status, 'read');
  assert.equal(event.receipt_hidden, true);
  const view = async (userId: string) =>
    ((await call(h, userId, 'GET', `/api/v1/chats/${chat}/messages`)).data.messages as Data[])[0]
      .status;
  assert.equal(await view(bob), 'read');
  assert.equal(await view(alice), 'delivered');
});

test('DeleteMessage deletes for everyone only for the sender', async () => {
  const { alice, bob, chat } = await directChat();
  const m = await sendText(chat, alice, 'gone');
  assert.equal(
    await codeOf(client.deleteMessage({ messageId: m.messageId, userId: bob, forEveryone: true })),
    Code.PermissionDenied,
  );
  assert.equal(
    (await client.deleteMessage({ messageId: m.messageId, userId: alice, forEveryone: true }))
      .success,
    true,
  );
  await events.waitFor('msg.deleted', (e) => e.message_id === m.messageId);
  assert.equal(
    await codeOf(
      client.deleteMessage({ messageId: randomUUID(), userId: alice, forEveryone: false }),
    ),
    Code.NotFound,
  );
});

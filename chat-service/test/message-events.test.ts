import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { eventMeta, jetstream, publishEvent, type EventPayload } from '@wa/pkg/bus';
import { eventually as pollUntil, makeGroupChat } from '@wa/pkg/testing';
import { caller, makeUsers, startChatApp, type ChatHarness } from './helpers.ts';

let h: ChatHarness;

before(async () => {
  h = await startChatApp({ consumeMessages: true });
});
after(async () => {
  await h?.close();
});

async function groupOf(size = 3) {
  const [admin, ...members] = await makeUsers(h, size);
  const chat = await makeGroupChat(h.pool, {
    createdBy: admin.id,
    memberIds: members.map((m) => m.id),
  });
  // Members joined a moment ago; messages below are "now" or later.
  await h.pool.query(
    "UPDATE chat_participants SET last_read_at = NOW() - interval '1 hour' WHERE chat_id = $1",
    [chat.id],
  );
  return { chatId: chat.id, users: [admin, ...members] };
}

// A minute ahead, so every message is newer than the chats the tests create however slow they are.
let clock = Date.now() + 60_000;
/** Strictly increasing message times, so each test controls the order. */
const nextTime = () => new Date((clock += 1_000)).toISOString();

function newMessage(
  chatId: string,
  senderId: string,
  recipients: string[],
  overrides: Partial<EventPayload<'msg.new'>> = {},
): EventPayload<'msg.new'> {
  const timestamp = nextTime();
  return {
    ...eventMeta(),
    timestamp,
    message_id: randomUUID(),
    chat_id: chatId,
    sender_id: senderId,
    type: 'text',
    payload: { body: 'hello there' },
    recipient_ids: recipients,
    ...overrides,
  };
}

const publish = <S extends 'msg.new' | 'msg.status.updated' | 'msg.deleted'>(
  subject: S,
  payload: EventPayload<S>,
) => publishEvent(jetstream(h.nc), subject, payload);

function read(
  message: EventPayload<'msg.new'>,
  readerId: string,
): EventPayload<'msg.status.updated'> {
  return {
    ...eventMeta(),
    message_id: message.message_id,
    chat_id: message.chat_id,
    sender_id: message.sender_id,
    user_id: readerId,
    status: 'read',
    message_timestamp: message.timestamp,
  };
}

async function unread(chatId: string): Promise<Record<string, number>> {
  const { rows } = await h.pool.query<{ user_id: string; unread_count: number }>(
    'SELECT user_id, unread_count FROM chat_participants WHERE chat_id = $1',
    [chatId],
  );
  return Object.fromEntries(rows.map((r) => [r.user_id, r.unread_count]));
}

async function lastMessageId(chatId: string): Promise<string | null> {
  const { rows } = await h.pool.query<{ last_message_id: string | null }>(
    'SELECT last_message_id FROM chats WHERE id = $1',
    [chatId],
  );
  return rows[0].last_message_id;
}

const eventually = (check: () => Promise<boolean>, what: string, timeoutMs = 10_000) =>
  pollUntil(async () => assert.ok(await check(), `timed out waiting for ${what}`), { timeoutMs });

test('msg.new sets the last message and counts it unread for each recipient', async () => {
  const { chatId, users } = await groupOf();
  const [alice, bob, carol] = users;
  const message = newMessage(chatId, alice.id, [bob.id, carol.id], {
    payload: { body: 'x'.repeat(150) },
  });
  await publish('msg.new', message);
  await eventually(
    async () => (await lastMessageId(chatId)) === message.message_id,
    'last message',
  );
  assert.deepEqual(await unread(chatId), { [alice.id]: 0, [bob.id]: 1, [carol.id]: 1 });

  const list = await caller(h, bob).get('/api/v1/chats?limit=1');
  assert.equal(list.body.data.chats[0].chat_id, chatId, 'the chat moved to the top');
  const summary = list.body.data.chats[0];
  assert.equal(summary.unread_count, 1);
  assert.equal(summary.last_message.message_id, message.message_id);
  assert.equal(summary.last_message.sender_id, alice.id);
  assert.equal(summary.last_message.type, 'text');
  assert.equal(summary.last_message.timestamp, message.timestamp);
  assert.equal([...summary.last_message.preview].length, 100);
  assert.equal(summary.updated_at, message.timestamp);
});

test('a redelivered msg.new (same message, new event id) is counted once', async () => {
  const { chatId, users } = await groupOf();
  const [alice, bob, carol] = users;
  const message = newMessage(chatId, alice.id, [bob.id, carol.id]);
  await publish('msg.new', message);
  await publish('msg.new', { ...message, ...eventMeta(), timestamp: message.timestamp });
  const marker = newMessage(chatId, alice.id, [bob.id]);
  await publish('msg.new', marker);
  await eventually(async () => (await lastMessageId(chatId)) === marker.message_id, 'marker');
  assert.deepEqual(await unread(chatId), { [alice.id]: 0, [bob.id]: 2, [carol.id]: 1 });
});

test('an older message arriving late counts as unread but does not replace the last message', async () => {
  const { chatId, users } = await groupOf();
  const [alice, bob] = users;
  const older = newMessage(chatId, alice.id, [bob.id]);
  const newer = newMessage(chatId, alice.id, [bob.id], {
    type: 'image',
    payload: { media_id: randomUUID() },
  });
  await publish('msg.new', newer);
  await publish('msg.new', older);
  await eventually(async () => (await unread(chatId))[bob.id] === 2, 'two unread');
  const { rows } = await h.pool.query(
    'SELECT last_message_id, last_message_preview, last_message_type FROM chats WHERE id = $1',
    [chatId],
  );
  assert.deepEqual(rows[0], {
    last_message_id: newer.message_id,
    last_message_preview: '📷 Photo',
    last_message_type: 'image',
  });
});

test('a read recounts the reader’s unread messages after it; an older read changes nothing', async () => {
  const { chatId, users } = await groupOf();
  const [alice, bob, carol] = users;
  const messages = [
    newMessage(chatId, alice.id, [bob.id, carol.id]),
    newMessage(chatId, carol.id, [alice.id, bob.id]),
    newMessage(chatId, alice.id, [bob.id, carol.id]),
    newMessage(chatId, bob.id, [alice.id, carol.id]),
  ];
  for (const message of messages) await publish('msg.new', message);
  await eventually(
    async () => (await lastMessageId(chatId)) === messages[3].message_id,
    'all four',
  );
  assert.deepEqual(await unread(chatId), { [alice.id]: 2, [bob.id]: 3, [carol.id]: 3 });

  await publish('msg.status.updated', read(messages[1], bob.id));
  await eventually(async () => (await unread(chatId))[bob.id] === 1, 'bob read up to #2');
  await publish('msg.status.updated', read(messages[3], carol.id));
  await eventually(async () => (await unread(chatId))[carol.id] === 0, 'carol read all');
  await publish('msg.status.updated', read(messages[0], carol.id));
  await publish('msg.status.updated', { ...read(messages[3], alice.id), status: 'delivered' });
  const marker = newMessage(chatId, alice.id, [bob.id, carol.id]);
  await publish('msg.new', marker);
  await eventually(async () => (await lastMessageId(chatId)) === marker.message_id, 'marker');
  assert.deepEqual(await unread(chatId), { [alice.id]: 2, [bob.id]: 2, [carol.id]: 1 });

  const detail = await caller(h, carol).get(`/api/v1/chats/${chatId}`);
  assert.equal(detail.body.data.unread_count, 1);
});

test('reads published together leave each reader at their newest read, in any order', async () => {
  const { chatId, users } = await groupOf();
  const [alice, bob, carol] = users;
  const messages = Array.from({ length: 4 }, () =>
    newMessage(chatId, alice.id, [bob.id, carol.id]),
  );
  for (const message of messages) await publish('msg.new', message);
  await eventually(
    async () => (await lastMessageId(chatId)) === messages[3].message_id,
    'all four',
  );
  // Not awaited one by one: the consumer takes them together, so they share statements.
  await Promise.all([
    publish('msg.status.updated', read(messages[2], bob.id)),
    publish('msg.status.updated', read(messages[0], bob.id)),
    publish('msg.status.updated', read(messages[0], carol.id)),
    publish('msg.status.updated', read(messages[1], carol.id)),
  ]);
  await eventually(
    async () => (await unread(chatId))[bob.id] === 1 && (await unread(chatId))[carol.id] === 2,
    'bob read up to #3, carol up to #2',
  );
  const marker = newMessage(chatId, alice.id, [bob.id, carol.id]);
  await publish('msg.new', marker);
  await eventually(async () => (await lastMessageId(chatId)) === marker.message_id, 'marker');
  assert.deepEqual(await unread(chatId), { [alice.id]: 0, [bob.id]: 2, [carol.id]: 3 });
});

test('a message read before its msg.new arrives is not counted unread', async () => {
  const { chatId, users } = await groupOf();
  const [alice, bob] = users;
  const message = newMessage(chatId, alice.id, [bob.id]);
  await publish('msg.status.updated', read(message, bob.id));
  await publish('msg.new', message);
  await eventually(async () => (await lastMessageId(chatId)) === message.message_id, 'message');
  assert.equal((await unread(chatId))[bob.id], 0);
});

test('a burst over several chats, redeliveries included, counts every message once', async () => {
  const groups = await Promise.all([groupOf(), groupOf(), groupOf()]);
  const sent = groups.map(({ chatId, users: [alice, bob, carol] }) =>
    Array.from({ length: 10 }, () => newMessage(chatId, alice.id, [bob.id, carol.id])),
  );
  // Published without waiting, interleaved across chats, each chat's third message twice (a
  // redelivery under a new event id), so the consumer handles them side by side.
  const all = sent.flatMap((messages) => [...messages, { ...messages[2], ...eventMeta() }]);
  all.sort(() => Math.random() - 0.5);
  await Promise.all(all.map((message) => publish('msg.new', message)));
  for (const [i, { chatId, users }] of groups.entries()) {
    const newest = sent[i].at(-1)!.message_id;
    await eventually(async () => (await lastMessageId(chatId)) === newest, 'newest message');
    await eventually(async () => (await unread(chatId))[users[1].id] === 10, 'ten unread messages');
    assert.deepEqual(await unread(chatId), {
      [users[0].id]: 0,
      [users[1].id]: 10,
      [users[2].id]: 10,
    });
  }
});

test('deleting the last message for everyone blanks its preview', async () => {
  const { chatId, users } = await groupOf();
  const [alice, bob] = users;
  const message = newMessage(chatId, alice.id, [bob.id]);
  await publish('msg.new', message);
  await publish('msg.deleted', {
    ...eventMeta(),
    message_id: message.message_id,
    chat_id: chatId,
    recipient_ids: [bob.id],
  });
  await eventually(async () => {
    const { rows } = await h.pool.query('SELECT last_message_preview FROM chats WHERE id = $1', [
      chatId,
    ]);
    return rows[0].last_message_preview === '🚫 This message was deleted';
  }, 'blank preview');
});

test('a message for a chat this service does not know is skipped, and the next one still lands', async () => {
  const { chatId, users } = await groupOf();
  const [alice, bob] = users;
  await publish('msg.new', newMessage(randomUUID(), alice.id, [bob.id]));
  const message = newMessage(chatId, alice.id, [bob.id]);
  await publish('msg.new', message);
  await eventually(async () => (await lastMessageId(chatId)) === message.message_id, 'message');
});

test('the log keeps only rows an unread count may still need', async () => {
  const { chatId, users } = await groupOf(3);
  const [a, b, c] = users;
  const ago = (minutes: number) => new Date(Date.now() - minutes * 60_000);
  const log = (senderId: string, at: Date) =>
    h.pool.query(
      'INSERT INTO chat_message_log (message_id, chat_id, sender_id, created_at) VALUES ($1, $2, $3, $4)',
      [randomUUID(), chatId, senderId, at],
    );
  await log(a.id, ago(180)); // read by everyone: goes
  await log(b.id, ago(150)); // after c's watermark: stays
  await log(a.id, ago(30)); // recent: stays whatever was read
  await h.pool.query(
    `UPDATE chat_participants SET last_read_at = CASE user_id WHEN $2 THEN $3::timestamptz ELSE $4::timestamptz END
     WHERE chat_id = $1`,
    [chatId, c.id, ago(170), ago(10)],
  );
  // A chat one member never read keeps its whole log.
  const unread = await groupOf(2);
  await h.pool.query(
    'UPDATE chat_participants SET last_read_at = NULL WHERE chat_id = $1 AND user_id = $2',
    [unread.chatId, unread.users[1].id],
  );
  await h.pool.query(
    'INSERT INTO chat_message_log (message_id, chat_id, sender_id, created_at) VALUES ($1, $2, $3, $4)',
    [randomUUID(), unread.chatId, unread.users[0].id, ago(300)],
  );

  await h.activity.pruneLog(3_600_000);
  const left = async (id: string) =>
    (
      await h.pool.query<{ created_at: Date }>(
        'SELECT created_at FROM chat_message_log WHERE chat_id = $1 ORDER BY created_at',
        [id],
      )
    ).rows.length;
  assert.equal(await left(chatId), 2);
  assert.equal(await left(unread.chatId), 1);

  // c's next read still counts what it has not read: b's message, then a's recent one.
  const readUpTo: EventPayload<'msg.status.updated'> = {
    ...eventMeta(),
    message_id: randomUUID(),
    chat_id: chatId,
    sender_id: a.id,
    user_id: c.id,
    status: 'read',
    message_timestamp: ago(160).toISOString(),
  };
  assert.equal(await h.activity.statusUpdated(readUpTo), 'applied');
  const { rows } = await h.pool.query<{ unread_count: number }>(
    'SELECT unread_count FROM chat_participants WHERE chat_id = $1 AND user_id = $2',
    [chatId, c.id],
  );
  assert.equal(rows[0].unread_count, 2);
});

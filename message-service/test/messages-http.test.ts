/* eslint-disable @typescript-eslint/no-unsafe-return -- envelope data is untyped JSON */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { captureEvents, type EventCapture } from '@wa/pkg/testing';
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

const messagesUrl = (chatId: string) => `/api/v1/chats/${chatId}/messages`;

async function directChat() {
  const [alice, bob] = h.makeUsers(2);
  const chat = h.makeDirectChat(alice.id, bob.id);
  return { alice: alice.id, bob: bob.id, chat: chat.id };
}

async function send(userId: string, chatId: string, body: string): Promise<Data> {
  const res = await call(h, userId, 'POST', messagesUrl(chatId), text(body));
  assert.equal(res.status, 201, JSON.stringify(res.body));
  return res.data.message as Data;
}

describe('sending over REST', () => {
  test('stores a text message, answers 201 and publishes msg.new with recipient_ids', async () => {
    const { alice, bob, chat } = await directChat();
    const res = await call(h, alice, 'POST', messagesUrl(chat), text('Hello Bob'));
    assert.equal(res.status, 201, JSON.stringify(res.body));
    const message = res.data.message as Data;
    assert.equal(res.data.duplicate, false);
    assert.equal(message.sender_id, alice);
    assert.equal(message.status, 'sent');
    assert.deepEqual(message.payload, { body: 'Hello Bob' });
    const event = await events.waitFor('msg.new', (e) => e.message_id === message.message_id);
    assert.deepEqual(event.recipient_ids, [bob]);
    assert.equal(event.chat_id, chat);
    assert.equal(event.timestamp, message.created_at);
    assert.match(event.event_id, /^[0-9a-f-]{36}$/);
  });

  test('a repeated client_msg_id answers 200 with the same message and no second event', async () => {
    const { alice, chat } = await directChat();
    const body = text('once', randomUUID());
    const first = await call(h, alice, 'POST', messagesUrl(chat), body);
    const second = await call(h, alice, 'POST', messagesUrl(chat), body);
    assert.equal(first.status, 201);
    assert.equal(second.status, 200);
    assert.equal(second.data.duplicate, true);
    assert.equal(second.data.message.message_id, first.data.message.message_id);
    assert.equal(second.data.message.created_at, first.data.message.created_at);
    await h.relay.flush();
    // The stream delivers in order: once a later message's msg.new is here, a copy would be too.
    const later = await send(alice, chat, 'marker');
    await events.waitFor('msg.new', (e) => e.message_id === later.message_id);
    const copies = events.events.filter(
      (e) => e.subject === 'msg.new' && e.payload.message_id === first.data.message.message_id,
    );
    assert.equal(copies.length, 1);
  });

  test('the same client_msg_id from two different senders makes two messages', async () => {
    const { alice, bob, chat } = await directChat();
    const id = randomUUID();
    const a = await call(h, alice, 'POST', messagesUrl(chat), text('a', id));
    const b = await call(h, bob, 'POST', messagesUrl(chat), text('b', id));
    assert.equal(a.status, 201);
    assert.equal(b.status, 201);
    assert.notEqual(a.data.message.message_id, b.data.message.message_id);
  });

  test('a client_msg_id reused by its sender in another chat is a 409, not the other chat’s message', async () => {
    const [alice, bob, carol] = h.makeUsers(3);
    const first = h.makeDirectChat(alice.id, bob.id).id;
    const second = h.makeDirectChat(alice.id, carol.id).id;
    const id = randomUUID();
    assert.equal((await call(h, alice.id, 'POST', messagesUrl(first), text('a', id))).status, 201);
    const reused = await call(h, alice.id, 'POST', messagesUrl(second), text('b', id));
    assert.equal(reused.status, 409, JSON.stringify(reused.body));
    assert.equal(reused.body.error?.code, 'CONFLICT');
    const history = await call(h, alice.id, 'GET', messagesUrl(second));
    assert.deepEqual(history.data.messages, []);
  });

  test('a non-member is refused even with a client_msg_id it used in another chat', async () => {
    const { chat } = await directChat();
    const [stranger, friend] = h.makeUsers(2);
    const own = h.makeDirectChat(stranger.id, friend.id).id;
    const id = randomUUID();
    assert.equal((await call(h, stranger.id, 'POST', messagesUrl(own), text('x', id))).status, 201);
    const intruder = await call(h, stranger.id, 'POST', messagesUrl(chat), text('x', id));
    assert.equal(intruder.status, 403, JSON.stringify(intruder.body));
    assert.equal(intruder.body.error?.code, 'FORBIDDEN');
  });

  test('refuses a non-member and an unknown chat alike with 403', async () => {
    const { chat } = await directChat();
    const [stranger] = h.makeUsers(1);
    const outsider = await call(h, stranger.id, 'POST', messagesUrl(chat), text('hi'));
    assert.equal(outsider.status, 403);
    assert.equal(outsider.body.error?.code, 'FORBIDDEN');
    const unknown = await call(h, stranger.id, 'POST', messagesUrl(randomUUID()), text('hi'));
    assert.equal(unknown.status, 403);
    assert.equal(unknown.body.error?.message, outsider.body.error?.message);
    const history = await call(h, stranger.id, 'GET', messagesUrl(chat));
    assert.equal(history.status, 403);
  });

  test('refuses a member who is not an admin of an admin-only group', async () => {
    const [admin, member, other] = h.makeUsers(3);
    const group = h.makeGroupChat({
      createdBy: admin.id,
      memberIds: [member.id, other.id],
    });
    group.chat.isAdminOnly = true;
    const refused = await call(h, member.id, 'POST', messagesUrl(group.id), text('hi'));
    assert.equal(refused.status, 403);
    const allowed = await call(h, admin.id, 'POST', messagesUrl(group.id), text('news'));
    assert.equal(allowed.status, 201);
    assert.deepEqual(
      [...allowed.data.message.chat_id].length > 0 &&
        (
          await events.waitFor('msg.new', (e) => e.message_id === allowed.data.message.message_id)
        ).recipient_ids.sort(),
      [member.id, other.id].sort(),
    );
  });

  test('refuses a sender the other party of a direct chat has blocked', async () => {
    const { alice, bob, chat } = await directChat();
    await h.setBlocked(bob, alice, true);
    const refused = await call(h, alice, 'POST', messagesUrl(chat), text('let me in'));
    assert.equal(refused.status, 403);
    assert.equal(refused.body.error?.code, 'FORBIDDEN');
    // The blocker can still write.
    assert.equal((await call(h, bob, 'POST', messagesUrl(chat), text('bye'))).status, 201);
  });

  test('answers malformed input with 400 and a clear message', async () => {
    const { alice, chat } = await directChat();
    const cases: [string, unknown][] = [
      ['empty body', text('   ')],
      ['body too long', text('x'.repeat(4_097))],
      ['media without media_id', { client_msg_id: 'c1', type: 'image', payload: { caption: 'x' } }],
      ['bad media_id', { client_msg_id: 'c2', type: 'audio', payload: { media_id: 'nope' } }],
      ['system from a client', { client_msg_id: 'c3', type: 'system', payload: { body: 'x' } }],
      ['unknown type', { client_msg_id: 'c4', type: 'sticker', payload: {} }],
      [
        'field of another type',
        { client_msg_id: 'c5', type: 'text', payload: { body: 'a', media_id: randomUUID() } },
      ],
      ['missing client_msg_id', { type: 'text', payload: { body: 'a' } }],
      ['not JSON', '{"type":'],
    ];
    for (const [name, body] of cases) {
      const res = await call(h, alice, 'POST', messagesUrl(chat), body);
      assert.equal(res.status, 400, `${name}: ${JSON.stringify(res.body)}`);
      assert.equal(res.body.error?.code, 'VALIDATION_ERROR', name);
      assert.ok(res.body.error?.message, name);
    }
    const badUuid = await call(h, alice, 'POST', messagesUrl('not-a-uuid'), text('x'));
    assert.equal(badUuid.status, 400);
    const noCaller = await call(h, undefined, 'POST', messagesUrl(chat), text('x'));
    assert.equal(noCaller.status, 401);
  });

  test('accepts each media type with its payload and a valid reply in the same chat', async () => {
    const { alice, chat } = await directChat();
    const upload = (type: 'image' | 'video' | 'audio' | 'document') =>
      h.makeUpload(alice, type, type === 'audio' ? { durationMs: 5_000 } : {}).mediaId;
    const payloads: [string, Data][] = [
      ['image', { media_id: upload('image'), caption: 'look' }],
      ['video', { media_id: upload('video') }],
      ['audio', { media_id: upload('audio'), duration_ms: 5_000 }],
      ['document', { media_id: upload('document'), filename: 'report.pdf' }],
    ];
    for (const [type, payload] of payloads) {
      const res = await call(h, alice, 'POST', messagesUrl(chat), {
        client_msg_id: randomUUID(),
        type,
        payload,
      });
      assert.equal(res.status, 201, `${type}: ${JSON.stringify(res.body)}`);
      // The client's fields as sent, beside the upload's metadata (media-messages.test.ts).
      const stored = res.data.message.payload as Data;
      assert.deepEqual({ ...stored, ...payload }, stored);
    }
    const quoted = await send(alice, chat, 'quote me');
    const reply = await call(h, alice, 'POST', messagesUrl(chat), {
      ...text('replying'),
      reply_to_message_id: quoted.message_id,
    });
    assert.equal(reply.status, 201);
    assert.equal(reply.data.message.reply_to_message_id, quoted.message_id);
    const other = await directChat();
    const foreign = await send(other.alice, other.chat, 'elsewhere');
    const refused = await call(h, alice, 'POST', messagesUrl(chat), {
      ...text('bad reply'),
      reply_to_message_id: foreign.message_id,
    });
    assert.equal(refused.status, 400);
  });
});

describe('history', () => {
  test('pages newest first with a cursor and has_more, without gaps or repeats', async () => {
    const { alice, bob, chat } = await directChat();
    const sent: string[] = [];
    for (let i = 0; i < 7; i++)
      sent.push((await send(i % 2 ? bob : alice, chat, `m${i}`)).message_id);
    const seen: string[] = [];
    let cursor: string | null = null;
    for (let pageNo = 0; pageNo < 5; pageNo++) {
      const query: string = cursor ? `?limit=3&cursor=${cursor}` : '?limit=3';
      const res = await call(h, bob, 'GET', `${messagesUrl(chat)}${query}`);
      assert.equal(res.status, 200, JSON.stringify(res.body));
      seen.push(...(res.data.messages as Data[]).map((m) => m.message_id as string));
      assert.equal(res.data.has_more, seen.length < 7);
      cursor = res.data.next_cursor as string | null;
      if (!res.data.has_more) break;
    }
    assert.deepEqual(seen, [...sent].reverse());
    assert.equal((await call(h, bob, 'GET', `${messagesUrl(chat)}?limit=101`)).status, 400);
    assert.equal((await call(h, bob, 'GET', `${messagesUrl(chat)}?cursor=bad!`)).status, 400);
    assert.equal((await call(h, bob, 'GET', `${messagesUrl(chat)}?cursor=Zm9v`)).status, 400);
  });

  test('status is relative to the viewer: own message lowest across recipients, else own', async () => {
    const [admin, b, c] = h.makeUsers(3);
    const group = h.makeGroupChat({ createdBy: admin.id, memberIds: [b.id, c.id] });
    const message = await send(admin.id, group.id, 'hello group');
    await h.receipts.updateStatus([message.message_id], b.id, 'read');
    const view = async (userId: string) =>
      ((await call(h, userId, 'GET', messagesUrl(group.id))).data.messages as Data[])[0].status;
    assert.equal(await view(admin.id), 'sent');
    assert.equal(await view(b.id), 'read');
    assert.equal(await view(c.id), 'sent');
    await h.receipts.updateStatus([message.message_id], c.id, 'delivered');
    assert.equal(await view(admin.id), 'delivered');
  });
});

describe('delete, forward, star, search', () => {
  test('delete for me hides it from the caller only', async () => {
    const { alice, bob, chat } = await directChat();
    const message = await send(alice, chat, 'oops');
    const res = await call(h, bob, 'DELETE', `/api/v1/messages/${message.message_id}`);
    assert.equal(res.status, 200);
    assert.equal(res.data.deleted_for, 'me');
    const ids = async (userId: string) =>
      ((await call(h, userId, 'GET', messagesUrl(chat))).data.messages as Data[]).map(
        (m) => m.message_id,
      );
    assert.deepEqual(await ids(bob), []);
    assert.deepEqual(await ids(alice), [message.message_id]);
  });

  test('delete for everyone is the sender’s alone, blanks the payload and emits msg.deleted to its recipients', async () => {
    const { alice, bob, chat } = await directChat();
    const message = await send(alice, chat, 'secret');
    const url = `/api/v1/messages/${message.message_id}?for=everyone`;
    assert.equal((await call(h, bob, 'DELETE', url)).status, 403);
    assert.equal((await call(h, alice, 'DELETE', url)).status, 200);
    const [seen] = (await call(h, bob, 'GET', messagesUrl(chat))).data.messages as Data[];
    assert.equal(seen.is_deleted, true);
    assert.deepEqual(seen.payload, { body: 'This message was deleted' });
    const event = await events.waitFor('msg.deleted', (e) => e.message_id === message.message_id);
    assert.equal(event.chat_id, chat);
    assert.deepEqual(event.recipient_ids, [bob], 'the recipients are told who to tell');
    const [stranger] = h.makeUsers(1);
    assert.equal((await call(h, stranger.id, 'DELETE', url)).status, 404);
    assert.equal((await call(h, alice, 'DELETE', `/api/v1/messages/${randomUUID()}`)).status, 404);
    assert.equal((await call(h, alice, 'DELETE', '/api/v1/messages/xyz')).status, 400);
  });

  test('forwards to several chats as new flagged messages, each with its own msg.new', async () => {
    const { alice, bob, chat } = await directChat();
    const [carol, dave] = h.makeUsers(2);
    const toCarol = h.makeDirectChat(alice, carol.id);
    const group = h.makeGroupChat({ createdBy: alice, memberIds: [carol.id, dave.id] });
    const original = await send(bob, chat, 'pass it on');
    const res = await call(h, alice, 'POST', `/api/v1/messages/${original.message_id}/forward`, {
      target_chat_ids: [toCarol.id, group.id],
    });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    const copies = res.data.forwarded_messages as Data[];
    assert.deepEqual(
      copies.map((c) => c.chat_id),
      [toCarol.id, group.id],
    );
    for (const copy of copies) {
      const event = await events.waitFor('msg.new', (e) => e.message_id === copy.message_id);
      assert.equal(event.sender_id, alice);
      assert.deepEqual(event.payload, { body: 'pass it on' });
    }
    const [inGroup] = (await call(h, dave.id, 'GET', messagesUrl(group.id))).data
      .messages as Data[];
    assert.equal(inGroup.forwarded, true);
    assert.deepEqual(inGroup.forwarded_from, { chat_id: chat, message_id: original.message_id });
    const notMine = h.makeDirectChat(carol.id, dave.id);
    const refused = await call(
      h,
      alice,
      'POST',
      `/api/v1/messages/${original.message_id}/forward`,
      {
        target_chat_ids: [notMine.id],
      },
    );
    assert.equal(refused.status, 403);
  });

  test('star and unstar are idempotent and the starred list pages newest first', async () => {
    const { alice, chat } = await directChat();
    const first = await send(alice, chat, 'one');
    const second = await send(alice, chat, 'two');
    for (const id of [first.message_id, second.message_id, second.message_id]) {
      const res = await call(h, alice, 'POST', `/api/v1/messages/${id}/star`);
      assert.equal(res.status, 200);
      assert.equal(res.data.starred, true);
    }
    const page1 = await call(h, alice, 'GET', '/api/v1/messages/starred?limit=1');
    assert.equal(page1.status, 200);
    assert.deepEqual(
      (page1.data.messages as Data[]).map((m) => m.message_id),
      [second.message_id],
    );
    assert.equal(page1.data.messages[0].is_starred, true);
    const page2 = await call(
      h,
      alice,
      'GET',
      `/api/v1/messages/starred?limit=1&cursor=${page1.data.next_cursor}`,
    );
    assert.deepEqual(
      (page2.data.messages as Data[]).map((m) => m.message_id),
      [first.message_id],
    );
    assert.equal(page2.data.has_more, false);
    await call(h, alice, 'DELETE', `/api/v1/messages/${second.message_id}/star`);
    const unstar = await call(h, alice, 'DELETE', `/api/v1/messages/${second.message_id}/star`);
    assert.equal(unstar.data.starred, false);
    const after = await call(h, alice, 'GET', '/api/v1/messages/starred');
    assert.deepEqual(
      (after.data.messages as Data[]).map((m) => m.message_id),
      [first.message_id],
    );
  });

  test('search finds whole words case-insensitively in that chat only, and escapes input', async () => {
    const { alice, bob, chat } = await directChat();
    const hit = await send(alice, chat, 'Meet me at the Café tomorrow');
    const hit2 = await send(bob, chat, 'tomorrow works (maybe)');
    await send(alice, chat, 'tomorrowland is a festival');
    const other = await directChat();
    await send(other.alice, other.chat, 'tomorrow elsewhere');
    const search = async (q: string) => {
      const res = await call(
        h,
        alice,
        'GET',
        `${messagesUrl(chat)}/search?q=${encodeURIComponent(q)}`,
      );
      assert.equal(res.status, 200, JSON.stringify(res.body));
      return (res.data.messages as Data[]).map((m) => m.message_id);
    };
    assert.deepEqual(await search('TOMORROW'), [hit2.message_id, hit.message_id]);
    assert.deepEqual(await search('café'), [hit.message_id]);
    assert.deepEqual(await search('(maybe)'), [hit2.message_id]);
    const pattern = await call(
      h,
      alice,
      'GET',
      `${messagesUrl(chat)}/search?q=${encodeURIComponent('.*')}`,
    );
    assert.equal(pattern.status, 400, 'a query without words is refused, never run as a pattern');
    assert.equal((await call(h, alice, 'GET', `${messagesUrl(chat)}/search?q=`)).status, 400);
    const [stranger] = h.makeUsers(1);
    assert.equal(
      (await call(h, stranger.id, 'GET', `${messagesUrl(chat)}/search?q=x`)).status,
      403,
    );
  });
});

describe('read receipts', () => {
  test('mark read moves everything up to the message to read and emits one cumulative event', async () => {
    const { alice, bob, chat } = await directChat();
    const m1 = await send(alice, chat, 'one');
    const m2 = await send(alice, chat, 'two');
    const m3 = await send(alice, chat, 'three');
    const res = await call(h, bob, 'POST', `${messagesUrl(chat)}/read`, {
      up_to_message_id: m2.message_id,
    });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(res.data.updated, 2);
    const event = await events.waitFor('msg.status.updated', (e) => e.message_id === m2.message_id);
    assert.equal(event.status, 'read');
    assert.equal(event.user_id, bob);
    assert.equal(event.sender_id, alice);
    assert.equal(event.receipt_hidden, undefined);
    const statuses = ((await call(h, bob, 'GET', messagesUrl(chat))).data.messages as Data[]).map(
      (m) => [m.message_id, m.status],
    );
    assert.deepEqual(statuses, [
      [m3.message_id, 'sent'],
      [m2.message_id, 'read'],
      [m1.message_id, 'read'],
    ]);
    const again = await call(h, bob, 'POST', `${messagesUrl(chat)}/read`, {
      up_to_message_id: m2.message_id,
    });
    assert.equal(again.data.updated, 0, 'read never moves twice');
    const foreign = await call(h, bob, 'POST', `${messagesUrl(chat)}/read`, {
      up_to_message_id: randomUUID(),
    });
    assert.equal(foreign.status, 404);
  });
});

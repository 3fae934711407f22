import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { eventMeta, type EventPayload, type EventSubject } from '@wa/pkg/bus';
import { lookupFor, orderKeyOf, planFanOut, type BusEvent } from '../src/service/routing.ts';

const id = () => randomUUID();
const received = <S extends EventSubject>(subject: S, payload: EventPayload<S>) =>
  ({ subject, payload, redelivered: false, deliveries: 1 }) as BusEvent;
/** A text message's msg.new ("hi") with random ids, `fields` replacing any of them. */
const msgNew = (fields: Partial<EventPayload<'msg.new'>>) =>
  received('msg.new', {
    ...eventMeta(),
    message_id: id(),
    chat_id: id(),
    sender_id: id(),
    type: 'text',
    payload: { body: 'hi' },
    recipient_ids: [id()],
    ...fields,
  });

describe('planFanOut', () => {
  test('msg.new goes to every recipient once, never back to the sender', () => {
    const [sender, a, b] = [id(), id(), id()];
    const plan = planFanOut(msgNew({ sender_id: sender, recipient_ids: [a, b, a, sender] }));
    assert.deepEqual(plan.userIds, [a, b]);
    assert.equal(plan.frame.event, 'message.new');
    assert.deepEqual((plan.frame.data as { payload: unknown }).payload, { body: 'hi' });
    assert.equal(plan.invalidatesChat, undefined);
  });

  test('msg.new carries a reply and a forward live, as a replay does (addenda E)', () => {
    const original = id();
    const dataOf = (fields: Partial<EventPayload<'msg.new'>>) =>
      planFanOut(msgNew(fields)).frame.data as { reply_to_message_id?: string; forwarded?: true };
    const reply = dataOf({ reply_to_message_id: original });
    assert.equal(reply.reply_to_message_id, original);
    assert.equal('forwarded' in reply, false);
    assert.equal(dataOf({ forwarded: true }).forwarded, true);
    const plain = dataOf({});
    assert.equal('reply_to_message_id' in plain || 'forwarded' in plain, false);
  });

  test('msg.status.updated goes to the sender only, as message.status', () => {
    const [sender, reader, messageId, chatId] = [id(), id(), id(), id()];
    const meta = eventMeta();
    const plan = planFanOut(
      received('msg.status.updated', {
        ...meta,
        message_id: messageId,
        chat_id: chatId,
        sender_id: sender,
        user_id: reader,
        status: 'read',
        message_timestamp: meta.timestamp,
      }),
    );
    assert.deepEqual(plan.userIds, [sender]);
    assert.deepEqual(plan.frame, {
      event: 'message.status',
      data: {
        message_id: messageId,
        chat_id: chatId,
        user_id: reader,
        status: 'read',
        timestamp: meta.timestamp,
      },
    });
  });

  test('msg.deleted goes to its recipient_ids, with no lookup', () => {
    const [a, b] = [id(), id()];
    const plan = planFanOut(
      received('msg.deleted', {
        ...eventMeta(),
        message_id: id(),
        chat_id: id(),
        recipient_ids: [a, b, a],
      }),
    );
    assert.deepEqual(plan.userIds, [a, b]);
    assert.equal(plan.frame.event, 'message.deleted');
    assert.equal(lookupFor('msg.deleted'), 'none');
  });

  test('a read with receipts hidden goes to no one', () => {
    const meta = eventMeta();
    const plan = planFanOut(
      received('msg.status.updated', {
        ...meta,
        message_id: id(),
        chat_id: id(),
        sender_id: id(),
        user_id: id(),
        status: 'read',
        message_timestamp: meta.timestamp,
        receipt_hidden: true,
      }),
    );
    assert.deepEqual(plan.userIds, []);
  });

  test('chat.created goes to every participant, the creator included', () => {
    const [creator, other] = [id(), id()];
    const plan = planFanOut(
      received('chat.created', {
        ...eventMeta(),
        chat_id: id(),
        type: 'group',
        name: 'Team',
        created_by: creator,
        participants: [
          { user_id: creator, role: 'admin' },
          { user_id: other, role: 'member' },
        ],
      }),
    );
    assert.deepEqual(plan.userIds, [creator, other]);
    assert.equal(plan.frame.event, 'chat.created');
  });

  test('chat.updated goes to participant_ids and invalidates the chat', () => {
    const chatId = id();
    const members = [id(), id()];
    const plan = planFanOut(
      received('chat.updated', {
        ...eventMeta(),
        chat_id: chatId,
        updated_by: members[0],
        changes: { name: 'New' },
        participant_ids: members,
      }),
    );
    assert.deepEqual(plan.userIds, members);
    assert.equal(plan.invalidatesChat, chatId);
    assert.deepEqual(plan.frame.data, { chat_id: chatId, changes: { name: 'New' } });
  });

  test('group.member.added carries the looked-up display name and includes the new member', () => {
    const [added, admin] = [id(), id()];
    const plan = planFanOut(
      received('group.member.added', {
        ...eventMeta(),
        chat_id: id(),
        user_id: added,
        added_by: admin,
        participant_ids: [admin],
      }),
      { displayName: 'Ada' },
    );
    assert.deepEqual(plan.userIds, [admin, added]);
    assert.equal((plan.frame.data as { display_name: string }).display_name, 'Ada');
    assert.ok(plan.invalidatesChat);
  });

  test('group.member.removed tells the remaining members and the removed user', () => {
    const [removed, admin, other] = [id(), id(), id()];
    const plan = planFanOut(
      received('group.member.removed', {
        ...eventMeta(),
        chat_id: id(),
        user_id: removed,
        removed_by: admin,
        participant_ids: [admin, other],
      }),
    );
    assert.deepEqual(plan.userIds, [admin, other, removed]);
    assert.equal(plan.frame.event, 'group.member.removed');
  });

  test('presence.changed goes to the watchers, never to the user themself', () => {
    const [user, watcher] = [id(), id()];
    const plan = planFanOut(
      received('presence.changed', {
        ...eventMeta(),
        user_id: user,
        status: 'offline',
        last_seen: '2025-01-01T00:00:00.000Z',
      }),
      { watchers: [watcher, user] },
    );
    assert.deepEqual(plan.userIds, [watcher]);
    assert.deepEqual(plan.frame, {
      event: 'presence',
      data: { user_id: user, online: false, last_seen: '2025-01-01T00:00:00.000Z' },
    });
  });
});

describe('lookupFor', () => {
  test('names the one lookup each subject needs', () => {
    assert.deepEqual(
      {
        'msg.new': lookupFor('msg.new'),
        'msg.status.updated': lookupFor('msg.status.updated'),
        'msg.deleted': lookupFor('msg.deleted'),
        'chat.created': lookupFor('chat.created'),
        'chat.updated': lookupFor('chat.updated'),
        'group.member.added': lookupFor('group.member.added'),
        'group.member.removed': lookupFor('group.member.removed'),
        'presence.changed': lookupFor('presence.changed'),
      },
      {
        'msg.new': 'none',
        'msg.status.updated': 'none',
        'msg.deleted': 'none',
        'chat.created': 'none',
        'chat.updated': 'none',
        'group.member.added': 'display_name',
        'group.member.removed': 'none',
        'presence.changed': 'watchers',
      },
    );
  });
});

describe('orderKeyOf', () => {
  test('keeps a chat’s events together, whoever they name, and a user’s presence together', () => {
    const [chatId, userId, messageId] = [id(), id(), id()];
    const keys = [
      orderKeyOf(
        received('msg.deleted', {
          ...eventMeta(),
          message_id: messageId,
          chat_id: chatId,
          recipient_ids: [],
        }),
      ),
      orderKeyOf(
        received('group.member.removed', {
          ...eventMeta(),
          chat_id: chatId,
          user_id: userId,
          removed_by: userId,
          participant_ids: [],
        }),
      ),
      orderKeyOf(
        received('presence.changed', {
          ...eventMeta(),
          user_id: userId,
          status: 'online',
          last_seen: null,
        }),
      ),
    ];
    assert.deepEqual(keys, [`chat:${chatId}`, `chat:${chatId}`, `user:${userId}`]);
  });

  test('keeps one recipient’s statuses of one message together, apart from other recipients’', () => {
    const [chatId, senderId, messageId, bob, carol] = [id(), id(), id(), id(), id()];
    const status = (userId: string, value: 'delivered' | 'read') =>
      orderKeyOf(
        received('msg.status.updated', {
          ...eventMeta(),
          message_id: messageId,
          chat_id: chatId,
          sender_id: senderId,
          user_id: userId,
          status: value,
          message_timestamp: new Date().toISOString(),
        }),
      );
    assert.equal(status(bob, 'delivered'), status(bob, 'read'));
    assert.notEqual(status(bob, 'delivered'), status(carol, 'delivered'));
    assert.notEqual(status(bob, 'read'), `chat:${chatId}`);
  });
});

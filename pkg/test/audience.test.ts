import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import {
  CLIENT_SUBJECTS,
  EVENT_SUBJECTS,
  MEMBERSHIP_SUBJECTS,
  audienceOf,
  eventMeta,
  membershipChangeOf,
  receiptVisibleTo,
  type EventOf,
  type EventPayload,
  type EventSubject,
} from '../src/bus/index.ts';

const id = () => randomUUID();
const event = <S extends EventSubject>(subject: S, payload: EventPayload<S>) =>
  ({ subject, payload }) as EventOf<S>;

function statusEvent(
  overrides: Partial<EventPayload<'msg.status.updated'>> = {},
): EventPayload<'msg.status.updated'> {
  const meta = eventMeta();
  return {
    ...meta,
    message_id: id(),
    chat_id: id(),
    sender_id: id(),
    user_id: id(),
    status: 'read',
    message_timestamp: meta.timestamp,
    ...overrides,
  };
}

describe('receiptVisibleTo', () => {
  const [sender, reader, other] = [id(), id(), id()];
  const viewers = {
    'the sender': sender,
    'the reader': reader,
    'a third user': other,
  };
  // Every status × flag × viewer: only a hidden read is withheld, and never from the reader.
  for (const status of ['delivered', 'read'] as const)
    for (const hidden of [undefined, false, true] as const)
      for (const [who, viewer] of Object.entries(viewers)) {
        const expected = !(status === 'read' && hidden === true) || who.startsWith('the reader');
        test(`${status}, receipt_hidden ${String(hidden)}: ${expected ? 'shown to' : 'hidden from'} ${who}`, () => {
          const payload = statusEvent({
            sender_id: sender,
            user_id: reader,
            status,
            ...(hidden === undefined ? {} : { receipt_hidden: hidden }),
          });
          assert.equal(receiptVisibleTo(payload, viewer), expected);
        });
      }
});

describe('audienceOf', () => {
  test('covers exactly the client subjects: every event subject but the user-service’s', () => {
    assert.deepEqual(
      [...CLIENT_SUBJECTS].sort(),
      EVENT_SUBJECTS.filter((s) => !s.startsWith('user.')).sort(),
    );
  });

  test('msg.new: the recipients once, in lower case, never the sender', () => {
    const [sender, a, b] = [id(), id(), id()];
    const audience = audienceOf(
      event('msg.new', {
        ...eventMeta(),
        message_id: id(),
        chat_id: id(),
        sender_id: sender,
        type: 'text',
        payload: { body: 'hi' },
        recipient_ids: [a, b, a, sender],
      }),
    );
    assert.deepEqual(audience, { kind: 'users', userIds: [a, b] });
  });

  test('msg.status.updated: the sender, for a delivered or a shown read', () => {
    for (const status of ['delivered', 'read'] as const) {
      const payload = statusEvent({ status });
      assert.deepEqual(audienceOf(event('msg.status.updated', payload)), {
        kind: 'users',
        userIds: [payload.sender_id],
      });
    }
  });

  test('msg.status.updated: no one for a read with receipts hidden', () => {
    const payload = statusEvent({ status: 'read', receipt_hidden: true });
    assert.deepEqual(audienceOf(event('msg.status.updated', payload)), {
      kind: 'users',
      userIds: [],
    });
  });

  test('msg.status.updated: a delivered is shown even with receipt_hidden set', () => {
    const payload = statusEvent({ status: 'delivered', receipt_hidden: true });
    assert.deepEqual(audienceOf(event('msg.status.updated', payload)), {
      kind: 'users',
      userIds: [payload.sender_id],
    });
  });

  test('msg.deleted: its recipient_ids, no lookup', () => {
    const [a, b] = [id(), id()];
    const audience = audienceOf(
      event('msg.deleted', {
        ...eventMeta(),
        message_id: id(),
        chat_id: id(),
        recipient_ids: [a, b, b],
      }),
    );
    assert.deepEqual(audience, { kind: 'users', userIds: [a, b] });
  });

  test('msg.deleted without recipients: no one', () => {
    const payload = { ...eventMeta(), message_id: id(), chat_id: id(), recipient_ids: [] };
    assert.deepEqual(audienceOf(event('msg.deleted', payload)), { kind: 'users', userIds: [] });
  });

  test('chat.created: every participant, the creator included', () => {
    const [creator, other] = [id(), id()];
    const audience = audienceOf(
      event('chat.created', {
        ...eventMeta(),
        chat_id: id(),
        type: 'direct',
        name: '',
        created_by: creator,
        participants: [
          { user_id: creator, role: 'member' },
          { user_id: other, role: 'member' },
        ],
      }),
    );
    assert.deepEqual(audience, { kind: 'users', userIds: [creator, other] });
  });

  test('chat.updated: participant_ids', () => {
    const members = [id(), id()];
    const audience = audienceOf(
      event('chat.updated', {
        ...eventMeta(),
        chat_id: id(),
        updated_by: members[0],
        changes: { name: 'New' },
        participant_ids: members,
      }),
    );
    assert.deepEqual(audience, { kind: 'users', userIds: members });
  });

  test('group.member.added: the members and the new one, once', () => {
    const [admin, added] = [id(), id()];
    const audience = audienceOf(
      event('group.member.added', {
        ...eventMeta(),
        chat_id: id(),
        user_id: added,
        added_by: admin,
        participant_ids: [admin, added],
      }),
    );
    assert.deepEqual(audience, { kind: 'users', userIds: [admin, added] });
  });

  test('group.member.removed: the remaining members and the removed one', () => {
    const [admin, removed] = [id(), id()];
    const audience = audienceOf(
      event('group.member.removed', {
        ...eventMeta(),
        chat_id: id(),
        user_id: removed,
        removed_by: admin,
        participant_ids: [admin],
      }),
    );
    assert.deepEqual(audience, { kind: 'users', userIds: [admin, removed] });
  });

  test('presence.changed: the user’s presence watchers, kept by the consumer', () => {
    const user = id();
    const audience = audienceOf(
      event('presence.changed', {
        ...eventMeta(),
        user_id: user,
        status: 'online',
        last_seen: null,
      }),
    );
    assert.deepEqual(audience, { kind: 'presence-watchers', userId: user });
  });
});

describe('membershipChangeOf', () => {
  test('names the chat of a member or settings change, nothing for any other event', () => {
    const chatId = id();
    const changes: Record<EventSubject, string | undefined> = {
      'msg.new': undefined,
      'msg.status.updated': undefined,
      'msg.deleted': undefined,
      'chat.created': undefined,
      'chat.updated': chatId,
      'group.member.added': chatId,
      'group.member.removed': chatId,
      'presence.changed': undefined,
      'user.blocked': undefined,
      'user.unblocked': undefined,
    };
    assert.deepEqual(
      EVENT_SUBJECTS.filter((subject) => changes[subject] !== undefined),
      [...MEMBERSHIP_SUBJECTS],
    );
    // The subject alone decides; a payload with every field any subject reads is enough.
    const payload = { chat_id: chatId, user_id: id() };
    for (const subject of EVENT_SUBJECTS)
      assert.equal(
        membershipChangeOf({ subject, payload } as EventOf<EventSubject>),
        changes[subject],
        subject,
      );
  });
});

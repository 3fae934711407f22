import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import type { EventPayload, MessageType } from '@wa/pkg/bus';
import {
  groupAddedData,
  messageBody,
  messageData,
  summarise,
  truncatePreview,
  type MessageSummary,
} from '../src/service/push-content.ts';

const segmenter = new Intl.Segmenter(undefined, { granularity: 'grapheme' });
const graphemesOf = (text: string) => [...segmenter.segment(text)].map(({ segment }) => segment);

const FAMILY = '👨‍👩‍👧‍👦';
const FLAG = '🇩🇪';
const THUMB = '👍🏽';
const E_ACUTE = 'e\u0301';

describe('truncatePreview', () => {
  test('keeps a text of exactly 100 characters as it is, without an ellipsis', () => {
    const text = 'a'.repeat(100);
    assert.equal(truncatePreview(text), text);
  });

  test('cuts a 101-character text to 99 characters and an ellipsis (100 in all)', () => {
    const cut = truncatePreview('a'.repeat(101));
    assert.equal(cut, `${'a'.repeat(99)}…`);
    assert.equal(graphemesOf(cut).length, 100);
  });

  test('leaves short and empty texts alone', () => {
    assert.equal(truncatePreview(''), '');
    assert.equal(truncatePreview('hello 👋'), 'hello 👋');
  });

  test('counts an emoji, a flag and a ZWJ family as one character each', () => {
    // Far more than 100 UTF-16 units, but exactly 100 graphemes: nothing is cut.
    const text = [FAMILY, FLAG, THUMB, E_ACUTE].join('').repeat(25);
    assert.ok(text.length > 100);
    assert.equal(truncatePreview(text), text);
  });

  test('never splits a ZWJ family, a flag or a skin-toned emoji when cutting', () => {
    for (const emoji of [FAMILY, FLAG, THUMB, E_ACUTE]) {
      const cut = truncatePreview(emoji.repeat(150));
      assert.equal(cut, `${emoji.repeat(99)}…`, `cutting ${emoji}`);
      const parts = graphemesOf(cut);
      assert.equal(parts.length, 100);
      assert.ok(parts.slice(0, 99).every((part) => part === emoji));
    }
  });

  test('drops a whole family standing at the cut rather than a piece of it', () => {
    const text = `${'a'.repeat(98)}${FLAG}${FAMILY}${'b'.repeat(5)}`;
    assert.equal(truncatePreview(text), `${'a'.repeat(98)}${FLAG}…`);
  });

  test('keeps a text ending with a family at the 100th character whole', () => {
    const text = `${'a'.repeat(99)}${FAMILY}`;
    assert.equal(truncatePreview(text), text);
  });

  test('honours a smaller limit', () => {
    assert.equal(truncatePreview('abcdef', 3), 'ab…');
    assert.equal(truncatePreview('abc', 3), 'abc');
  });
});

describe('messageBody (PRD §8)', () => {
  test('says what each media type is', () => {
    const expected: Array<[MessageType, string]> = [
      ['image', '📷 Photo'],
      ['video', '📹 Video'],
      ['audio', '🎵 Audio'],
      ['document', '📄 Document'],
    ];
    for (const [type, body] of expected)
      assert.equal(messageBody(type, { body: 'a caption is not shown' }), body, type);
  });

  test('previews a text message, truncated', () => {
    assert.equal(messageBody('text', { body: 'hi there' }), 'hi there');
    assert.equal(messageBody('text', { body: 'x'.repeat(300) }), `${'x'.repeat(99)}…`);
    assert.equal(messageBody('text', {}), '');
  });

  test('pushes nothing for a system message', () => {
    assert.equal(messageBody('system', { body: 'Alice created the group' }), undefined);
  });
});

function msgNew(type: MessageType, body?: string): EventPayload<'msg.new'> {
  return {
    event_id: randomUUID(),
    timestamp: '2030-05-01T12:00:00.250Z',
    message_id: randomUUID(),
    chat_id: randomUUID(),
    sender_id: randomUUID(),
    type,
    payload: body === undefined ? {} : { body },
    recipient_ids: [randomUUID()],
  };
}

describe('summarise', () => {
  test('keeps what a push needs, with the event time in ms', () => {
    const event = msgNew('text', 'hello');
    assert.deepEqual(summarise(event, 'group'), {
      message_id: event.message_id,
      chat_id: event.chat_id,
      chat_type: 'group',
      sender_id: event.sender_id,
      type: 'text',
      body: 'hello',
      at: Date.parse('2030-05-01T12:00:00.250Z'),
    });
  });

  test('has nothing for a system message', () => {
    assert.equal(summarise(msgNew('system', 'x'), 'direct'), undefined);
  });
});

describe('messageData', () => {
  const message: MessageSummary = {
    message_id: randomUUID(),
    chat_id: randomUUID(),
    chat_type: 'direct',
    sender_id: randomUUID(),
    type: 'image',
    body: '📷 Photo',
    at: 1_900_000_000_123,
  };
  const sender = { name: 'Alice', avatarUrl: 'https://cdn.example/a.jpg' };

  test('carries the message as strings only, under keys FCM accepts', () => {
    const data = messageData(message, sender);
    assert.deepEqual(data, {
      type: 'new_message',
      chat_id: message.chat_id,
      chat_type: 'direct',
      message_id: message.message_id,
      sender_id: message.sender_id,
      sender_name: 'Alice',
      sender_avatar: 'https://cdn.example/a.jpg',
      message_preview: '📷 Photo',
      msg_type: 'image',
      timestamp: '1900000000123',
      title: 'Alice',
      body: '📷 Photo',
    });
    assert.ok(Object.values(data).every((value) => typeof value === 'string'));
    assert.ok(!('message_type' in data) && !('from' in data), 'reserved by FCM');
  });

  test('adds message_count, as a string, only when given', () => {
    assert.ok(!('message_count' in messageData(message, sender)));
    assert.equal(messageData(message, sender, 7).message_count, '7');
    assert.equal(messageData(message, sender, 0).message_count, '0');
  });
});

describe('groupAddedData', () => {
  test('tells the added user who added them to which group, as strings', () => {
    const event: EventPayload<'group.member.added'> = {
      event_id: randomUUID(),
      timestamp: '2030-05-01T12:00:00.000Z',
      chat_id: randomUUID(),
      user_id: randomUUID(),
      added_by: randomUUID(),
      participant_ids: [],
    };
    const data = groupAddedData(event, 'Climbing', { name: 'Bob', avatarUrl: '' });
    assert.deepEqual(data, {
      type: 'group_added',
      chat_id: event.chat_id,
      chat_type: 'group',
      sender_id: event.added_by,
      sender_name: 'Bob',
      sender_avatar: '',
      timestamp: String(Date.parse('2030-05-01T12:00:00.000Z')),
      title: 'Climbing',
      body: 'You were added by Bob',
    });
    assert.ok(Object.values(data).every((value) => typeof value === 'string'));
  });
});

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { RetentionPolicy, StorageType } from '@nats-io/jetstream';
import {
  EVENT_SUBJECTS,
  STREAMS,
  streamOf,
  subjectWithin,
  subjectsByStream,
  type StreamDefinition,
} from '../src/bus/index.ts';

describe('subjectWithin', () => {
  const cases: [subject: string, pattern: string, within: boolean][] = [
    ['msg.new', 'msg.new', true],
    ['msg.new', 'msg.old', false],
    ['msg.new', 'msg.>', true],
    ['msg.status.updated', 'msg.>', true],
    ['msg', 'msg.>', false],
    ['msg.new', 'msg.*', true],
    ['msg.status.updated', 'msg.*', false],
    ['msg.new', '*.new', true],
    ['chat.new', '*.new', true],
    ['msg.new', '>', true],
    ['group.member.added', 'chat.>', false],
    ['msgs.new', 'msg.>', false],
    ['msg.new.extra', 'msg.new', false],
    // Filters: inside only when every subject they match is.
    ['msg.>', 'msg.>', true],
    ['msg.*', 'msg.>', true],
    ['msg.>', 'msg.*', false],
    ['msg.>', '>', true],
    ['>', 'msg.>', false],
    ['*.new', 'msg.>', false],
    ['*.new', '*.*', true],
    ['msg.*.updated', 'msg.>', true],
  ];
  for (const [subject, pattern, within] of cases) {
    test(`${subject} ${within ? 'lies' : 'does not lie'} within ${pattern}`, () => {
      assert.equal(subjectWithin(subject, pattern), within);
    });
  }
});

describe('streamOf', () => {
  test('names the one stream of every event subject', () => {
    assert.deepEqual(Object.fromEntries(EVENT_SUBJECTS.map((s) => [s, streamOf(s)])), {
      'msg.new': 'MESSAGES',
      'msg.status.updated': 'MESSAGES',
      'msg.deleted': 'MESSAGES',
      'chat.created': 'CHATS',
      'chat.updated': 'CHATS',
      'group.member.added': 'CHATS',
      'group.member.removed': 'CHATS',
      'presence.changed': 'PRESENCE',
      'user.blocked': 'USERS',
      'user.unblocked': 'USERS',
    });
  });

  test('accepts a filter inside one stream', () => {
    assert.equal(streamOf('group.>'), 'CHATS');
    assert.equal(streamOf('notif.push'), 'NOTIFICATIONS');
  });

  test('refuses a subject no stream stores, naming it', () => {
    assert.throws(() => streamOf('billing.paid'), /billing\.paid is stored by no stream/);
  });

  test('refuses a filter that spans streams', () => {
    assert.throws(() => streamOf('>'), /no stream/);
  });

  test('refuses a subject two streams claim', () => {
    const overlapping: StreamDefinition[] = ['A', 'B'].map((name) => ({
      name,
      subjects: name === 'A' ? ['x.>'] : ['x.*'],
      retention: RetentionPolicy.Limits,
      storage: StorageType.Memory,
      max_age: 0,
    }));
    assert.throws(() => streamOf('x.y', overlapping), /stored by A and B/);
    assert.equal(streamOf('x.y.z', overlapping), 'A');
  });

  test('every stream stores subjects of its own', () => {
    for (const stream of STREAMS)
      for (const pattern of stream.subjects) assert.equal(streamOf(pattern), stream.name);
  });
});

describe('subjectsByStream', () => {
  test('groups the wanted subjects by stream, in first-seen order, each once', () => {
    const groups = subjectsByStream([
      'presence.changed',
      'msg.new',
      'chat.created',
      'msg.deleted',
      'msg.new',
    ]);
    assert.deepEqual(
      [...groups],
      [
        ['PRESENCE', ['presence.changed']],
        ['MESSAGES', ['msg.new', 'msg.deleted']],
        ['CHATS', ['chat.created']],
      ],
    );
  });

  test('no subjects, no streams', () => {
    assert.equal(subjectsByStream([]).size, 0);
  });

  test('throws on a subject without a stream rather than never consuming it', () => {
    assert.throws(() => subjectsByStream(['msg.new', 'nowhere.at.all']), /no stream/);
  });
});

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  EventValidationError,
  assertEvent,
  connectNats,
  consumeEvents,
  ensureStreams,
  eventMeta,
  jetstream,
  jetstreamManager,
  publishEvent,
  type ConsumeEventsSettings,
  type EventPayload,
  type EventSubject,
  type JetStreamClient,
  type NatsConnection,
  type ReceivedEvent,
} from '@wa/pkg/bus';
import { eventually, startNatsServer, testLogger, type TestNatsServer } from '@wa/pkg/testing';

const log = testLogger();
let server: TestNatsServer;
let nc: NatsConnection;
let js: JetStreamClient;

before(async () => {
  server = await startNatsServer();
  nc = await connectNats({ url: server.url, name: 'bus-events-test', log });
  await ensureStreams(await jetstreamManager(nc));
  js = jetstream(nc);
});
after(async () => {
  await nc.close();
  await server.destroy();
});

/** A consumer (of the MESSAGES stream, for msg.* subjects) on the test server; a fresh durable unless one is given. */
const consumeMessages = <S extends EventSubject>(
  settings: Omit<ConsumeEventsSettings<S>, 'nc' | 'log' | 'durable'> & {
    durable?: string;
  },
) => consumeEvents<S>({ nc, log, durable: `test-${randomUUID()}`, ...settings });

function msgNew(overrides: Partial<EventPayload<'msg.new'>> = {}): EventPayload<'msg.new'> {
  return {
    ...eventMeta(),
    message_id: randomUUID(),
    chat_id: randomUUID(),
    sender_id: randomUUID(),
    type: 'text',
    payload: { body: 'hello' },
    recipient_ids: [randomUUID()],
    ...overrides,
  };
}

/** Waits until `condition` holds (never to prove that something did not happen). */
const until = (condition: () => boolean, timeoutMs = 5_000): Promise<void> =>
  eventually(() => assert.ok(condition(), 'condition not met in time'), {
    timeoutMs,
    intervalMs: 20,
  });

const msgDeleted = (): EventPayload<'msg.deleted'> => ({
  ...eventMeta(),
  message_id: randomUUID(),
  chat_id: randomUUID(),
  recipient_ids: [],
});

describe('event schemas', () => {
  test('accept a msg.new with recipient_ids, an event_id and an ISO timestamp', () => {
    assert.doesNotThrow(() => assertEvent('msg.new', msgNew()));
  });

  test('name every problem of an invalid event', () => {
    const bad = { ...msgNew(), event_id: 'nope', timestamp: 'yesterday' } as Record<
      string,
      unknown
    >;
    delete bad.recipient_ids;
    assert.throws(
      () => assertEvent('msg.new', bad),
      (error: unknown) => {
        assert.ok(error instanceof EventValidationError);
        const text = error.problems.join('\n');
        assert.match(text, /event_id/);
        assert.match(text, /timestamp/);
        assert.match(text, /recipient_ids/);
        return true;
      },
    );
  });

  test('refuse a msg.deleted without its recipient_ids', () => {
    const meta = eventMeta();
    const id = randomUUID();
    assert.throws(
      () => assertEvent('msg.deleted', { ...meta, message_id: id, chat_id: id }),
      (error: unknown) =>
        error instanceof EventValidationError && /recipient_ids/.test(error.problems.join('\n')),
    );
  });

  test('refuse an id that is not in canonical lower case (consumers never lower-case again)', () => {
    const upper = randomUUID().toUpperCase();
    assert.throws(
      () => assertEvent('msg.new', { ...msgNew(), recipient_ids: [upper] }),
      (error: unknown) =>
        error instanceof EventValidationError && /recipient_ids/.test(error.problems.join('\n')),
    );
  });

  test('accept a media msg.new with its upload metadata and refuse impossible values', () => {
    const payload = {
      media_id: randomUUID(),
      caption: 'Beach',
      mime_type: 'video/mp4',
      size_bytes: 2_481_004,
      width: 640,
      height: 360,
      duration_ms: 4_040,
    };
    assert.doesNotThrow(() => assertEvent('msg.new', msgNew({ type: 'video', payload })));
    for (const [field, value] of [
      ['size_bytes', -1],
      ['width', 0],
      ['height', 1.5],
      ['mime_type', 7],
    ] as const)
      assert.throws(
        () =>
          assertEvent(
            'msg.new',
            msgNew({ type: 'video', payload: { ...payload, [field]: value } }),
          ),
        (error: unknown) =>
          error instanceof EventValidationError && error.problems.join('\n').includes(field),
        field,
      );
  });

  test('ignore fields a newer publisher added', () => {
    assert.doesNotThrow(() => assertEvent('msg.new', { ...msgNew(), client_msg_id: 'abc' }));
  });

  test('cover every subject of PRD §4.2', () => {
    const meta = eventMeta();
    const id = randomUUID();
    assertEvent('msg.status.updated', {
      ...meta,
      message_id: id,
      chat_id: id,
      sender_id: id,
      user_id: id,
      status: 'read',
      message_timestamp: meta.timestamp,
    });
    assertEvent('msg.deleted', { ...meta, message_id: id, chat_id: id, recipient_ids: [id] });
    assertEvent('chat.created', {
      ...meta,
      chat_id: id,
      type: 'group',
      name: 'G',
      created_by: id,
      participants: [{ user_id: id, role: 'admin' }],
    });
    assertEvent('chat.updated', {
      ...meta,
      chat_id: id,
      updated_by: id,
      changes: { name: 'New' },
      participant_ids: [id],
    });
    assertEvent('group.member.added', {
      ...meta,
      chat_id: id,
      user_id: id,
      added_by: id,
      participant_ids: [id],
    });
    assertEvent('group.member.removed', {
      ...meta,
      chat_id: id,
      user_id: id,
      removed_by: id,
      participant_ids: [],
    });
    assertEvent('presence.changed', { ...meta, user_id: id, status: 'offline', last_seen: null });
  });
});

describe('publishEvent', () => {
  test('refuses an invalid payload before anything is sent', async () => {
    const bad = { ...msgNew(), sender_id: 'not-a-uuid' };
    await assert.rejects(publishEvent(js, 'msg.new', bad), EventValidationError);
  });

  test('uses event_id as the message id, so the stream drops a republished copy', async () => {
    const event = msgNew();
    const first = await publishEvent(js, 'msg.new', event);
    const again = await publishEvent(js, 'msg.new', event);
    assert.equal(first.stream, 'MESSAGES');
    assert.equal(first.duplicate, false);
    assert.equal(again.duplicate, true);
  });
});

describe('consumeEvents', () => {
  test('hands valid events to the handler in order and acks them', async () => {
    const chatId = randomUUID();
    const seen: string[] = [];
    const durable = `test-${randomUUID()}`;
    const consumer = await consumeMessages({
      durable,
      subjects: ['msg.new'],
      handle: async (event) => {
        if (event.payload.chat_id === chatId) seen.push(event.payload.message_id);
      },
    });
    const events = [msgNew({ chat_id: chatId }), msgNew({ chat_id: chatId })];
    for (const event of events) await publishEvent(js, 'msg.new', event);
    await until(() => seen.length === 2);
    await consumer.stop();
    assert.deepEqual(
      seen,
      events.map((e) => e.message_id),
    );
    const info = await (await jetstreamManager(nc)).consumers.info('MESSAGES', durable);
    assert.equal(info.num_ack_pending, 0);
    assert.equal(info.num_pending, 0);
  });

  test('with concurrency, one key stays in order while other keys overtake it', async () => {
    const slowChat = randomUUID();
    const fastChat = randomUUID();
    const seen: string[] = [];
    let inFlight = 0;
    let mostInFlight = 0;
    const consumer = await consumeMessages({
      subjects: ['msg.new'],
      concurrency: 8,
      maxMessages: 16,
      orderKey: (event) => event.payload.chat_id,
      handle: async (event) => {
        const { chat_id: chat, payload } = event.payload;
        if (chat !== slowChat && chat !== fastChat) return;
        inFlight += 1;
        mostInFlight = Math.max(mostInFlight, inFlight);
        // The slow chat's first event takes long: its second must still wait for it.
        if (payload.body === 'slow first') await sleep(300);
        seen.push(String(payload.body));
        inFlight -= 1;
      },
    });
    const bodies = ['slow first', 'slow second'];
    for (const body of bodies)
      await publishEvent(js, 'msg.new', msgNew({ chat_id: slowChat, payload: { body } }));
    for (let i = 0; i < 3; i++)
      await publishEvent(
        js,
        'msg.new',
        msgNew({ chat_id: fastChat, payload: { body: `fast ${i}` } }),
      );
    await until(() => seen.length === 5);
    await consumer.stop();
    assert.deepEqual(
      seen.filter((body) => body.startsWith('slow')),
      bodies,
    );
    assert.deepEqual(
      seen.filter((body) => body.startsWith('fast')),
      ['fast 0', 'fast 1', 'fast 2'],
    );
    assert.ok(seen.indexOf('fast 0') < seen.indexOf('slow first'), 'the other chat overtook');
    assert.ok(mostInFlight >= 2, 'events were handled side by side');
  });

  test('terminates an invalid payload instead of redelivering it', async () => {
    const handled: string[] = [];
    const durable = `test-${randomUUID()}`;
    const consumer = await consumeMessages({
      durable,
      subjects: ['msg.deleted'],
      retryDelayMs: () => 50,
      handle: async (event) => {
        handled.push(event.payload.message_id);
      },
    });
    await js.publish('msg.deleted', '{"not":"an event"}');
    await js.publish('msg.deleted', 'not json at all');
    const valid = msgDeleted();
    await publishEvent(js, 'msg.deleted', valid);
    // A marker after them on the same consumer: once it is handled, the ones before it are done.
    const marker = msgDeleted();
    await publishEvent(js, 'msg.deleted', marker);
    await until(() => handled.includes(marker.message_id));
    await consumer.stop();
    assert.deepEqual(handled, [valid.message_id, marker.message_id]);
    // Acks reach the server asynchronously; an invalid event nak'ed rather than terminated would
    // stay pending (or count as redelivered) for good.
    const jsm = await jetstreamManager(nc);
    const info = await eventually(async () => {
      const current = await jsm.consumers.info('MESSAGES', durable);
      assert.equal(current.num_ack_pending, 0);
      return current;
    });
    assert.equal(info.num_redelivered, 0);
  });

  test('redelivers an event whose handler failed, after the retry delay', async () => {
    const chatId = randomUUID();
    const attempts: number[] = [];
    const consumer = await consumeMessages({
      subjects: ['msg.new'],
      retryDelayMs: () => 100,
      handle: async (event) => {
        if (event.payload.chat_id !== chatId) return;
        attempts.push(event.deliveries);
        if (attempts.length === 1) throw new Error('database briefly unavailable');
      },
    });
    await publishEvent(js, 'msg.new', msgNew({ chat_id: chatId }));
    await until(() => attempts.length === 2);
    await consumer.stop();
    assert.deepEqual(attempts, [1, 2]);
  });

  test('narrows the payload by subject and skips subjects it was not asked for', async () => {
    const chatId = randomUUID();
    const seen: ReceivedEvent<'msg.new' | 'msg.deleted'>[] = [];
    const consumer = await consumeMessages({
      subjects: ['msg.new', 'msg.deleted'],
      handle: async (event) => {
        if (event.payload.chat_id === chatId) seen.push(event);
      },
    });
    const messageId = randomUUID();
    await publishEvent(js, 'msg.new', msgNew({ chat_id: chatId, message_id: messageId }));
    await publishEvent(js, 'msg.status.updated', {
      ...eventMeta(),
      message_id: messageId,
      chat_id: chatId,
      sender_id: randomUUID(),
      user_id: randomUUID(),
      status: 'delivered',
      message_timestamp: new Date().toISOString(),
    });
    await publishEvent(js, 'msg.deleted', {
      ...eventMeta(),
      message_id: messageId,
      chat_id: chatId,
      recipient_ids: [],
    });
    // A marker after them on the same consumer: a skipped subject would have been handled first.
    const marker = msgNew({ chat_id: chatId });
    await publishEvent(js, 'msg.new', marker);
    await until(() => seen.some((e) => e.payload.message_id === marker.message_id));
    await consumer.stop();
    assert.deepEqual(
      seen.map((e) => e.subject),
      ['msg.new', 'msg.deleted', 'msg.new'],
    );
    const first = seen[0];
    assert.ok(first.subject === 'msg.new' && first.payload.recipient_ids.length === 1);
  });

  test('one call consumes subjects of several streams, each from the stream that stores it', async () => {
    const chatId = randomUUID();
    const durable = `test-${randomUUID()}`;
    const seen: string[] = [];
    const consumer = await consumeMessages({
      durable,
      subjects: ['msg.new', 'chat.created'],
      handle: async (event) => {
        if (event.payload.chat_id === chatId) seen.push(event.subject);
      },
    });
    await publishEvent(js, 'chat.created', {
      ...eventMeta(),
      chat_id: chatId,
      type: 'direct',
      name: '',
      created_by: randomUUID(),
      participants: [],
    });
    await publishEvent(js, 'msg.new', msgNew({ chat_id: chatId }));
    await until(() => seen.length === 2);
    await consumer.stop();
    assert.deepEqual([...seen].sort(), ['chat.created', 'msg.new']);
    const jsm = await jetstreamManager(nc);
    assert.equal((await jsm.consumers.info('MESSAGES', durable)).config.filter_subject, 'msg.new');
    assert.equal(
      (await jsm.consumers.info('CHATS', durable)).config.filter_subject,
      'chat.created',
    );
  });

  test('refuses a subject no stream stores before creating any consumer', async () => {
    const durable = `test-${randomUUID()}`;
    await assert.rejects(
      consumeMessages({
        durable,
        subjects: ['msg.new', 'nowhere.at.all' as EventSubject],
        handle: async () => {},
      }),
      /no stream/,
    );
    await assert.rejects((await jetstreamManager(nc)).consumers.info('MESSAGES', durable));
  });

  test('stops cleanly; what arrives afterwards waits for the next consumer of the durable', async () => {
    const chatId = randomUUID();
    const durable = `test-${randomUUID()}`;
    const first: string[] = [];
    const consumer = await consumeMessages({
      durable,
      subjects: ['msg.new'],
      handle: async (event) => {
        if (event.payload.chat_id === chatId) first.push(event.payload.message_id);
      },
    });
    await consumer.stop();
    const later = msgNew({ chat_id: chatId });
    await publishEvent(js, 'msg.new', later);
    // A marker after it on the same durable: once the next consumer has it, `later` has been
    // delivered too, and a stopped handler that still took it would hold it.
    const marker = msgNew({ chat_id: chatId });
    await publishEvent(js, 'msg.new', marker);

    const second: string[] = [];
    const next = await consumeMessages({
      durable,
      subjects: ['msg.new'],
      handle: async (event) => {
        if (event.payload.chat_id === chatId) second.push(event.payload.message_id);
      },
    });
    await until(() => second.includes(marker.message_id) || first.includes(marker.message_id));
    await next.stop();
    assert.deepEqual(first, [], 'the stopped consumer handled nothing');
    assert.deepEqual(second, [later.message_id, marker.message_id]);
  });
});

test('a consumer carries on after NATS restarts', async () => {
  const chatId = randomUUID();
  const seen: string[] = [];
  const consumer = await consumeMessages({
    subjects: ['msg.new'],
    handle: async (event) => {
      if (event.payload.chat_id === chatId) seen.push(event.payload.message_id);
    },
  });
  try {
    await server.stop();
    await server.start();
    const event = msgNew({ chat_id: chatId });
    // The client reconnects on its own; publishing may need a moment until it has.
    await eventually(() => publishEvent(js, 'msg.new', event, { timeoutMs: 1_000 }), {
      timeoutMs: 25_000,
      intervalMs: 250,
    });
    await until(() => seen.length === 1, 20_000);
    assert.deepEqual(seen, [event.message_id]);
  } finally {
    await consumer.stop();
  }
});

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { eventMeta, publishEvent } from '@wa/pkg/bus';
import { freePort } from '@wa/pkg/testing';
import {
  startWsTestStack,
  TestSocket,
  type ReceivedFrame,
  type WsInstance,
  type WsTestStack,
} from './helpers.ts';

let stack: WsTestStack;
let first: WsInstance;
let second: WsInstance;
const sockets: TestSocket[] = [];

async function open(instance: WsInstance, token?: string, options = {}): Promise<TestSocket> {
  const socket = await TestSocket.open(instance.url(token), options);
  sockets.push(socket);
  return socket;
}

/** Opens an authenticated socket and waits until the server has registered it. */
async function connect(instance: WsInstance, token: string): Promise<TestSocket> {
  const socket = await open(instance, token);
  await socket.request('ping', {});
  return socket;
}

const msgNew = (senderId: string, recipientIds: string[], body = 'hello') => ({
  ...eventMeta(),
  message_id: randomUUID(),
  chat_id: randomUUID(),
  sender_id: senderId,
  type: 'text' as const,
  payload: { body },
  recipient_ids: recipientIds,
});

const messageIdOf = (frame: ReceivedFrame) => (frame.data as { message_id?: string }).message_id;

/**
 * Sends `userId` a message.new through the bus and waits until `socket` has it: a marker. Every
 * frame fanned out to that user before it (same consumer, same Redis path) has arrived by then,
 * so a test can assert that something did not arrive without waiting for a fixed time.
 */
async function marker(
  socket: TestSocket,
  userId: string,
  chatId: string = randomUUID(),
): Promise<string> {
  const event = { ...msgNew(randomUUID(), [userId], 'marker'), chat_id: chatId };
  await publishEvent(stack.js, 'msg.new', event);
  await socket.waitFor((f) => f.event === 'message.new' && messageIdOf(f) === event.message_id);
  return event.message_id;
}

/** The owner's last_seen setting, as the user-service's GetPresences applies it. */
function setLastSeen(userId: string, audience: 'everyone' | 'contacts' | 'nobody') {
  stack.users.user(userId).last_seen = audience;
}

/** `contactId` in `ownerId`'s address book (what a contact sync would store). */
function addContact(ownerId: string, contactId: string) {
  stack.users.user(ownerId).contacts.add(contactId);
}

before(async () => {
  stack = await startWsTestStack();
  [first, second] = await Promise.all([stack.startWs(), stack.startWs()]);
});

after(async () => {
  for (const socket of sockets) socket.ws.terminate();
  await stack?.stop();
});

describe('authentication', () => {
  test('a bad ?token= is accepted then closed with 4001', async () => {
    const socket = await open(first, 'not-a-token');
    assert.equal((await socket.closed).code, 4001);
  });

  test('without ?token= the first frame authenticates', async () => {
    const user = await stack.login();
    const socket = await open(first);
    const ack = await socket.request('auth', { token: user.token });
    assert.equal(ack.event, 'ack');
    assert.equal((await socket.request('ping', {})).event, 'pong');
  });

  test('a first frame that is not auth closes with 4001', async () => {
    const socket = await open(first);
    socket.send('ping', {});
    assert.equal((await socket.closed).code, 4001);
  });

  test('no auth frame within the auth timeout closes with 4001', async () => {
    const instance = await stack.startWs({ env: { WS_AUTH_TIMEOUT_MS: '300' } });
    const socket = await open(instance);
    assert.equal((await socket.closed).code, 4001);
  });

  test('an unreachable auth-service closes with 1013 (try again), never 4001', async () => {
    const user = await stack.login();
    const cutOff = await stack.startWs({
      env: { AUTH_GRPC_ADDR: `127.0.0.1:${await freePort()}`, GRPC_CLIENT_TIMEOUT_MS: '500' },
    });
    const viaQuery = await open(cutOff, user.token);
    assert.equal((await viaQuery.closed).code, 1013, 'a good token must not be thrown away');
    const viaFrame = await open(cutOff);
    viaFrame.send('auth', { token: user.token });
    assert.equal((await viaFrame.closed).code, 1013);
  });

  test('a path other than /ws is refused', async () => {
    await assert.rejects(TestSocket.open(first.url().replace('/ws', '/other')), /404/);
  });
});

describe('fan-out', () => {
  test('msg.new reaches every device of every recipient across two instances, not the sender', async () => {
    const [sender, alice, bob] = await Promise.all([stack.login(), stack.login(), stack.login()]);
    const senderSocket = await connect(first, sender.token);
    const alicePhone = await connect(first, alice.token);
    const aliceLaptop = await connect(second, alice.token);
    const bobPhone = await connect(second, bob.token);
    const event = msgNew(sender.id, [alice.id, bob.id]);
    await publishEvent(stack.js, 'msg.new', event);
    for (const socket of [alicePhone, aliceLaptop, bobPhone]) {
      const frame = await socket.waitFor(
        (f) =>
          f.event === 'message.new' &&
          (f.data as { message_id: string }).message_id === event.message_id,
      );
      assert.deepEqual(frame.data, {
        message_id: event.message_id,
        chat_id: event.chat_id,
        sender_id: sender.id,
        type: 'text',
        payload: { body: 'hello' },
        timestamp: event.timestamp,
      });
    }
    // Same chat, so the same ordered path: a message.new for the sender would be there before it.
    // Delivery is at least once (a redelivered event repeats the same id), so ids are compared as a set.
    const markerId = await marker(senderSocket, sender.id, event.chat_id);
    assert.deepEqual([...new Set(senderSocket.all('message.new').map(messageIdOf))], [markerId]);
  });

  test('msg.status.updated reaches the sender as message.status', async () => {
    const [sender, reader] = await Promise.all([stack.login(), stack.login()]);
    const socket = await connect(second, sender.token);
    const meta = eventMeta();
    const messageId = randomUUID();
    await publishEvent(stack.js, 'msg.status.updated', {
      ...meta,
      message_id: messageId,
      chat_id: randomUUID(),
      sender_id: sender.id,
      user_id: reader.id,
      status: 'delivered',
      message_timestamp: meta.timestamp,
    });
    const frame = await socket.waitFor((f) => f.event === 'message.status');
    assert.equal((frame.data as { message_id: string }).message_id, messageId);
  });

  test('msg.deleted reaches its recipient_ids with no chat lookup', async () => {
    const b = await stack.login();
    const socket = await connect(first, b.token);
    // A chat the chat-service does not know: only the event's own recipients can route it.
    const [messageId, chatId] = [randomUUID(), randomUUID()];
    await publishEvent(stack.js, 'msg.deleted', {
      ...eventMeta(),
      message_id: messageId,
      chat_id: chatId,
      recipient_ids: [b.id],
    });
    const frame = await socket.waitFor((f) => f.event === 'message.deleted');
    assert.deepEqual(frame.data, { message_id: messageId, chat_id: chatId });
  });

  test('group.member.removed reaches the removed member too', async () => {
    const [admin, removed] = await Promise.all([stack.login(), stack.login()]);
    const socket = await connect(second, removed.token);
    const chatId = randomUUID();
    await publishEvent(stack.js, 'group.member.removed', {
      ...eventMeta(),
      chat_id: chatId,
      user_id: removed.id,
      removed_by: admin.id,
      participant_ids: [admin.id],
    });
    const frame = await socket.waitFor((f) => f.event === 'group.member.removed');
    assert.deepEqual(frame.data, { chat_id: chatId, user_id: removed.id, removed_by: admin.id });
  });

  test('chat.created reaches every participant', async () => {
    const [a, b] = await Promise.all([stack.login(), stack.login()]);
    const socket = await connect(first, b.token);
    const chatId = randomUUID();
    await publishEvent(stack.js, 'chat.created', {
      ...eventMeta(),
      chat_id: chatId,
      type: 'direct',
      name: '',
      created_by: a.id,
      participants: [
        { user_id: a.id, role: 'member' },
        { user_id: b.id, role: 'member' },
      ],
    });
    const frame = await socket.waitFor((f) => f.event === 'chat.created');
    assert.equal((frame.data as { chat_id: string }).chat_id, chatId);
  });
});

describe('typing', () => {
  test('typing.start reaches the other members with a 5 s Redis key', async () => {
    const [a, b, c] = await Promise.all([stack.login(), stack.login(), stack.login()]);
    const chat = stack.makeGroupChat(a.id, [b.id, c.id]);
    const typer = await connect(first, a.token);
    const [bSocket, cSocket] = await Promise.all([
      connect(second, b.token),
      connect(first, c.token),
    ]);
    assert.equal((await typer.request('typing.start', { chat_id: chat.id })).event, 'ack');
    for (const socket of [bSocket, cSocket]) {
      const frame = await socket.waitFor((f) => f.event === 'typing');
      assert.deepEqual(frame.data, { chat_id: chat.id, user_id: a.id, is_typing: true });
    }
    await typer.request('typing.stop', { chat_id: chat.id });
    await bSocket.waitFor(
      (f) => f.event === 'typing' && !(f.data as { is_typing: boolean }).is_typing,
    );
    // b types in the same chat: once the typer hears it, its own start and stop would be there.
    await bSocket.request('typing.start', { chat_id: chat.id });
    await typer.waitFor(
      (f) => f.event === 'typing' && (f.data as { user_id: string }).user_id === b.id,
    );
    assert.deepEqual(
      typer.all('typing').map((f) => (f.data as { user_id: string }).user_id),
      [b.id],
      'never its own typing',
    );
  });

  test('typing in a chat one is not a member of answers 4003', async () => {
    const [a, b, outsider] = await Promise.all([stack.login(), stack.login(), stack.login()]);
    const chat = stack.makeDirectChat(a.id, b.id);
    const socket = await connect(first, outsider.token);
    const answer = await socket.request('typing.start', { chat_id: chat.id });
    assert.equal(answer.event, 'error');
    assert.equal((answer.data as { code: number }).code, 4003);
  });
});

describe('presence', () => {
  test('a subscriber hears a user come online and go offline with last_seen', async () => {
    const [watcher, watched] = await Promise.all([stack.login(), stack.login()]);
    const socket = await connect(first, watcher.token);
    const answer = await socket.request('presence.subscribe', { user_ids: [watched.id] });
    assert.equal(answer.event, 'ack');
    const initial = await socket.waitFor((f) => f.event === 'presence');
    assert.deepEqual(initial.data, { user_id: watched.id, online: false, last_seen: null });
    const watchedSocket = await connect(second, watched.token);
    await socket.waitFor((f) => f.event === 'presence' && (f.data as { online: boolean }).online);
    await watchedSocket.close();
    const offline = await socket.waitFor(
      (f) => f.event === 'presence' && (f.data as { last_seen: string | null }).last_seen !== null,
    );
    assert.equal((offline.data as { online: boolean }).online, false);
  });

  test('a user blocked by the target never sees their presence', async () => {
    const [blocker, blocked] = await Promise.all([stack.login(), stack.login()]);
    stack.users.block(blocker.id, blocked.id);
    const socket = await connect(first, blocked.token);
    assert.equal(
      (await socket.request('presence.subscribe', { user_ids: [blocker.id] })).event,
      'ack',
    );
    // Someone else watching the blocker hears them come online: the announcement has been fanned
    // out. A marker sent to the blocked user after that arrives behind anything it sent them.
    const witness = await stack.login();
    const witnessSocket = await connect(second, witness.token);
    await witnessSocket.request('presence.subscribe', { user_ids: [blocker.id] });
    await connect(second, blocker.token);
    await witnessSocket.waitFor(
      (f) => f.event === 'presence' && (f.data as { online: boolean }).online,
    );
    await marker(socket, blocked.id);
    assert.equal(socket.all('presence').length, 0);
  });

  test('a subscriber the owner’s last_seen setting excludes gets no presence, first or later', async () => {
    const [owner, contact, stranger] = await Promise.all([
      stack.login(),
      stack.login(),
      stack.login(),
    ]);
    setLastSeen(owner.id, 'contacts');
    addContact(owner.id, contact.id);
    const contactSocket = await connect(first, contact.token);
    const strangerSocket = await connect(first, stranger.token);
    for (const socket of [contactSocket, strangerSocket]) {
      const answer = await socket.request('presence.subscribe', { user_ids: [owner.id] });
      assert.equal(answer.event, 'ack');
    }
    assert.deepEqual(contactSocket.all('presence')[0]?.data, {
      user_id: owner.id,
      online: false,
      last_seen: null,
    });
    await connect(second, owner.token);
    await contactSocket.waitFor(
      (f) => f.event === 'presence' && (f.data as { online: boolean }).online,
    );
    await marker(strangerSocket, stranger.id);
    assert.equal(strangerSocket.all('presence').length, 0);
  });

  test('a last_seen setting changed after subscribing stops the updates to those it excludes', async () => {
    const [owner, contact, watcher] = await Promise.all([
      stack.login(),
      stack.login(),
      stack.login(),
    ]);
    addContact(owner.id, contact.id);
    const contactSocket = await connect(first, contact.token);
    const watcherSocket = await connect(second, watcher.token);
    for (const socket of [contactSocket, watcherSocket]) {
      await socket.request('presence.subscribe', { user_ids: [owner.id] });
      await socket.waitFor((f) => f.event === 'presence');
    }
    setLastSeen(owner.id, 'contacts');
    await connect(second, owner.token);
    await contactSocket.waitFor(
      (f) => f.event === 'presence' && (f.data as { online: boolean }).online,
    );
    await marker(watcherSocket, watcher.id);
    assert.equal(watcherSocket.all('presence').length, 1, 'only the answer to the subscription');
  });
});

describe('malformed frames', () => {
  test('not JSON, unknown event and missing fields get error frames and keep the socket', async () => {
    const user = await stack.login();
    const socket = await connect(first, user.token);
    socket.ws.send('this is not json');
    const notJson = await socket.waitFor((f) => f.event === 'error');
    assert.equal((notJson.data as { code: number }).code, 4000);
    socket.ws.send(JSON.stringify({ event: 'message.explode', data: {}, req_id: 'u1' }));
    const unknown = await socket.waitFor((f) => f.req_id === 'u1');
    assert.equal((unknown.data as { code: number }).code, 4000);
    socket.ws.send(
      JSON.stringify({ event: 'message.send', data: { chat_id: randomUUID() }, req_id: 'm1' }),
    );
    const missing = await socket.waitFor((f) => f.req_id === 'm1');
    assert.equal((missing.data as { code: number }).code, 4000);
    assert.equal((await socket.request('ping', {})).event, 'pong');
  });

  test('a 1 MB frame gets a 4013 error frame and the socket stays usable', async () => {
    const user = await stack.login();
    const socket = await connect(first, user.token);
    socket.ws.send(
      JSON.stringify({
        event: 'message.send',
        data: {
          chat_id: randomUUID(),
          client_msg_id: 'big',
          type: 'text',
          payload: { body: 'x'.repeat(1_000_000) },
        },
        req_id: 'big',
      }),
    );
    const answer = await socket.waitFor((f) => f.event === 'error');
    assert.equal((answer.data as { code: number }).code, 4013);
    assert.equal((await socket.request('ping', {})).event, 'pong');
  });

  test('a frame past maxPayload closes the socket with 1009, the server lives on', async () => {
    const user = await stack.login();
    const socket = await connect(first, user.token);
    socket.ws.send('x'.repeat(2 * 1024 * 1024));
    assert.equal((await socket.closed).code, 1009);
    const again = await connect(first, user.token);
    assert.equal((await again.request('ping', {})).event, 'pong');
  });
});

describe('connection health', () => {
  test('a socket silent past the idle timeout is terminated', async () => {
    const instance = await stack.startWs({
      env: { WS_IDLE_TIMEOUT_MS: '400', WS_HEARTBEAT_MS: '100' },
    });
    const user = await stack.login();
    const socket = await open(instance, user.token, { autoPong: false });
    const { code } = await socket.closed;
    assert.equal(code, 1006);
  });

  test('a reader that stops reading is dropped once its buffer cap is passed', async () => {
    const instance = await stack.startWs({ env: { WS_MAX_BUFFERED_BYTES: '65536' } });
    const [sender, slow] = await Promise.all([stack.login(), stack.login()]);
    const socket = await connect(instance, slow.token);
    // Stop reading: the kernel buffers fill, then the server's queue grows past its cap.
    (socket.ws as unknown as { _socket: { pause(): void } })._socket.pause();
    const body = 'y'.repeat(60_000);
    for (let i = 0; i < 300; i++)
      await publishEvent(stack.js, 'msg.new', msgNew(sender.id, [slow.id], body));
    (socket.ws as unknown as { _socket: { resume(): void } })._socket.resume();
    const { code } = await socket.closed;
    assert.ok(code === 1013 || code === 1006, `closed with ${code}`);
    const health = await fetch(
      instance.url().replace('ws://', 'http://').replace('/ws', '/health'),
    );
    assert.equal(health.status, 200);
  });

  test('shutting down (what SIGTERM runs) closes every socket with 1001', async () => {
    const instance = await stack.startWs();
    const user = await stack.login();
    const socket = await connect(instance, user.token);
    await instance.stop();
    assert.equal((await socket.closed).code, 1001);
  });
});

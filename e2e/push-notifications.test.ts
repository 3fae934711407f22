import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { connectNats, jetstream, type EventPayload } from '@wa/pkg/bus';
import {
  createServiceAccount,
  startFcmEmulator,
  writeServiceAccountFile,
  type FcmEmulator,
  type RecordedPush,
  type ServiceAccount,
} from '@wa/pkg/fcm-emulator';
import {
  captureEvents,
  eventually,
  expectOk,
  freePort,
  request,
  startStack,
  testLogger,
  TestSocket,
  type Stack,
} from '@wa/pkg/testing';

/*
 * Addenda J end to end: real clients through the gateway, real WebSocket connections for
 * presence, the notification-service pushing over FCM HTTP v1 to the emulator this file starts
 * (so it can take it down and bring it back on the same port). Absence is only asserted after a
 * marker that went through the same path: the service's own decision counters, or a later push.
 */

const GROUP_WINDOW_MS = 3_000;

let stack: Stack;
let emulator: FcmEmulator;
let emulatorPort = 0;
let account: ServiceAccount;
let directory = '';
let db: pg.Pool;

before(async () => {
  emulatorPort = await freePort();
  directory = await mkdtemp(join(tmpdir(), 'push-e2e-'));
  account = createServiceAccount({
    projectId: 'push-e2e',
    tokenUri: `http://127.0.0.1:${emulatorPort}/token`,
  });
  emulator = await startFcmEmulator({ port: emulatorPort, accounts: [account] });
  const credentialsPath = join(directory, 'service-account.json');
  await writeServiceAccountFile(credentialsPath, account);
  stack = await startStack({
    services: [
      'user-service',
      'chat-service',
      'message-service',
      'notification-service',
      'websocket-service',
    ],
    fcm: { url: emulator.url, credentialsPath },
    env: {
      'notification-service': {
        PUSH_GROUP_WINDOW_MS: String(GROUP_WINDOW_MS),
        PUSH_RETRY_BASE_MS: '100',
      },
    },
  });
  db = new pg.Pool({ connectionString: stack.stores.DATABASE_URL, max: 2 });
});

after(async () => {
  await db?.end();
  await stack?.stop();
  await emulator?.close();
  await rm(directory, { recursive: true, force: true });
});

interface Session {
  id: string;
  token: string;
  name: string;
}

const call = (session: Session | undefined, method: string, url: string, body?: unknown) =>
  request(stack.gateway, {
    token: session?.token,
    method: method as 'GET',
    url,
    body,
  });

async function user(name: string, devices = 1): Promise<Session & { devices: string[] }> {
  const login = await stack.login();
  const session = { id: login.id, token: login.token, name };
  expectOk(await call(session, 'PATCH', '/api/v1/users/me', { display_name: name }));
  const devices_: string[] = [];
  for (let i = 0; i < devices; i++) devices_.push(await addDevice(session));
  return { ...session, devices: devices_ };
}

async function addDevice(session: Session, prefix = 'device-'): Promise<string> {
  const token = `${prefix}${randomUUID()}`;
  expectOk(await call(session, 'PUT', '/api/v1/users/me/fcm-token', { token }));
  return token;
}

async function directChat(a: Session, b: Session): Promise<string> {
  const res = await call(a, 'POST', '/api/v1/chats', { type: 'direct', participant_id: b.id });
  return (expectOk(res, res.status === 200 ? 200 : 201) as { chat_id: string }).chat_id;
}

async function groupChat(admin: Session, members: Session[], name: string): Promise<string> {
  const res = await call(admin, 'POST', '/api/v1/chats', {
    type: 'group',
    name,
    participant_ids: members.map((m) => m.id),
  });
  return (expectOk(res, 201) as { chat_id: string }).chat_id;
}

async function send(session: Session, chatId: string, body: string) {
  const res = await call(session, 'POST', `/api/v1/chats/${chatId}/messages`, {
    client_msg_id: randomUUID(),
    type: 'text',
    payload: { body },
  });
  return (expectOk(res, 201) as { message: { message_id: string; created_at: string } }).message;
}

/** The pushes FCM accepted for `token`, oldest first. */
const accepted = (token: string): RecordedPush[] =>
  emulator.messages(token).filter((push) => push.status === 200);
const dataOf = (push: RecordedPush) => (push.message as { data: Record<string, string> }).data;

async function awaitPushes(token: string, count: number, timeoutMs = 15_000) {
  return eventually(
    () => {
      const found = accepted(token);
      assert.equal(found.length, count, `pushes to ${token}: ${JSON.stringify(found)}`);
      return found;
    },
    { timeoutMs },
  );
}

/** `notification_pushes_total{outcome}` summed over the service's instances asked. */
async function pushCount(outcome: string, origins = [stack.http('notification-service')]) {
  let total = 0;
  for (const origin of origins) {
    const text = await (await fetch(`${origin}/metrics`)).text();
    const line = text
      .split('\n')
      .find(
        (l) => l.startsWith('notification_pushes_total{') && l.includes(`outcome="${outcome}"`),
      );
    total += line ? Number(line.split(' ').at(-1)) : 0;
  }
  return total;
}

/** Waits until the service has counted `by` more decisions of `outcome` than `before`. */
async function awaitCount(outcome: string, before: number, by = 1) {
  await eventually(async () => assert.ok((await pushCount(outcome)) >= before + by), {
    timeoutMs: 15_000,
  });
}

/** Connects `session` over WebSocket and waits until the user-service reports them online. */
async function goOnline(session: Session, viewer: Session): Promise<TestSocket> {
  const socket = await TestSocket.open(stack.websockets[0].url(session.token));
  await eventually(async () => {
    const res = await call(viewer, 'GET', `/api/v1/users/${session.id}/presence`);
    assert.equal((expectOk(res) as { online: boolean }).online, true);
  });
  return socket;
}

describe('push notifications through FCM HTTP v1', () => {
  test('an offline recipient gets the exact payload; the sender gets none; an online one none', async () => {
    const [alice, bob, carol] = await Promise.all([user('Alice'), user('Bob'), user('Carol')]);
    const chatId = await directChat(alice, bob);
    const text = `Hey, are you free tonight? ${'x'.repeat(120)}`;
    const sent = await send(alice, chatId, text);

    const [push] = await awaitPushes(bob.devices[0], 1);
    assert.equal(push.project_id, 'push-e2e');
    assert.deepEqual(push.message, {
      token: bob.devices[0],
      data: {
        type: 'new_message',
        chat_id: chatId,
        chat_type: 'direct',
        message_id: sent.message_id,
        sender_id: alice.id,
        sender_name: 'Alice',
        sender_avatar: '',
        message_preview: `${text.slice(0, 99)}…`,
        msg_type: 'text',
        timestamp: String(Date.parse(sent.created_at)),
        title: 'Alice',
        body: `${text.slice(0, 99)}…`,
      },
      android: { priority: 'high', ttl: '86400s' },
    });
    // The event is handled whole before its push is accepted: nothing went to the sender.
    assert.equal(emulator.messages(alice.devices[0]).length, 0);

    const chatWithCarol = await directChat(alice, carol);
    const socket = await goOnline(carol, alice);
    try {
      const skipped = await pushCount('skipped_online');
      await send(alice, chatWithCarol, 'you are online');
      await awaitCount('skipped_online', skipped);
      assert.equal(emulator.messages(carol.devices[0]).length, 0);
    } finally {
      await socket.close();
    }
  });

  test('a muted chat gets no push; once mute_until has passed it pushes again', async () => {
    const [alice, bob] = await Promise.all([user('Alice'), user('Bob')]);
    const chatId = await directChat(alice, bob);
    expectOk(await call(bob, 'PATCH', `/api/v1/chats/${chatId}/mute`, { is_muted: true }));
    const skipped = await pushCount('skipped_muted');
    await send(alice, chatId, 'muted');
    await awaitCount('skipped_muted', skipped);
    assert.equal(emulator.messages(bob.devices[0]).length, 0);

    const until = new Date(Date.now() + 1_500).toISOString();
    expectOk(
      await call(bob, 'PATCH', `/api/v1/chats/${chatId}/mute`, {
        is_muted: true,
        mute_until: until,
      }),
    );
    // Waiting for time itself to pass, not for something to (not) happen.
    await sleep(Math.max(0, Date.parse(until) - Date.now() + 50));
    await send(alice, chatId, 'the mute is over');
    const [push] = await awaitPushes(bob.devices[0], 1);
    assert.equal(dataOf(push).body, 'the mute is over');
  });

  test('a user with three devices gets three pushes', async () => {
    const [alice, bob] = await Promise.all([user('Alice'), user('Bob', 3)]);
    await send(alice, await directChat(alice, bob), 'to every device');
    for (const device of bob.devices) {
      const [push] = await awaitPushes(device, 1);
      assert.equal(dataOf(push).body, 'to every device');
    }
  });

  test('5 group messages within a second make one push per recipient, message_count "5"', async () => {
    const [alice, bob, carol] = await Promise.all([user('Alice'), user('Bob'), user('Carol')]);
    const chatId = await groupChat(alice, [bob, carol], 'Weekend');
    for (let i = 1; i <= 5; i++) await send(alice, chatId, `message ${i}`);
    for (const member of [bob, carol]) {
      const [push] = await awaitPushes(member.devices[0], 1);
      const data = dataOf(push);
      assert.equal(data.message_count, '5');
      assert.equal(data.body, 'message 5');
      assert.equal(data.chat_type, 'group');
      assert.equal(data.title, 'Alice');
    }
    assert.equal(emulator.messages(alice.devices[0]).length, 0);
  });

  test('with two instances, a group window is still pushed once', async () => {
    const second = await stack.startInstance('notification-service', {
      PUSH_GROUP_WINDOW_MS: String(GROUP_WINDOW_MS),
    });
    try {
      const [alice, bob] = await Promise.all([user('Alice'), user('Bob')]);
      const chatId = await groupChat(alice, [bob, await user('Carol', 0)], 'Two instances');
      for (let i = 1; i <= 5; i++) await send(alice, chatId, `burst ${i}`);
      const [first] = await awaitPushes(bob.devices[0], 1);
      assert.equal(dataOf(first).message_count, '5');
      // The marker: the next window's push, through the same claim and flush path.
      await send(alice, chatId, 'after the window');
      const pushes = await awaitPushes(bob.devices[0], 2);
      assert.equal(dataOf(pushes[1]).message_count, '1');
      assert.equal(dataOf(pushes[1]).body, 'after the window');
    } finally {
      await second.stop();
    }
  });

  test('group.member.added pushes "You were added by …" to the added user', async () => {
    const [alice, bob, dave] = await Promise.all([user('Alice'), user('Bob'), user('Dave')]);
    const chatId = await groupChat(alice, [bob, await user('Erin', 0)], 'Book club');
    expectOk(
      await call(alice, 'POST', `/api/v1/chats/${chatId}/participants`, { user_ids: [dave.id] }),
      200,
    );
    const [push] = await awaitPushes(dave.devices[0], 1);
    assert.deepEqual(
      { ...dataOf(push), timestamp: 'x' },
      {
        type: 'group_added',
        chat_id: chatId,
        chat_type: 'group',
        sender_id: alice.id,
        sender_name: 'Alice',
        sender_avatar: '',
        timestamp: 'x',
        title: 'Book club',
        body: 'You were added by Alice',
      },
    );
  });

  test('an unregistered token is deleted and never tried again; an unavailable one succeeds on retry', async () => {
    const [alice, bob] = await Promise.all([user('Alice'), user('Bob')]);
    const dead = await addDevice(bob, 'unregistered-');
    const flaky = await addDevice(bob, 'unavailable-');
    const chatId = await directChat(alice, bob);
    await send(alice, chatId, 'first');
    await awaitPushes(bob.devices[0], 1);
    const [retried] = await awaitPushes(flaky, 1);
    assert.equal(dataOf(retried).body, 'first');
    assert.deepEqual(
      emulator.messages(flaky).map((push) => push.status),
      [503, 503, 200],
    );
    await eventually(async () => {
      const { rows } = await db.query('SELECT 1 FROM device_tokens WHERE token = $1', [dead]);
      assert.equal(rows.length, 0);
    });
    await send(alice, chatId, 'second');
    await awaitPushes(bob.devices[0], 2);
    await awaitPushes(flaky, 2);
    assert.deepEqual(
      emulator.messages(dead).map((push) => push.status),
      [404],
    );
  });

  test('a redelivered event pushes nothing twice', async () => {
    const nc = await connectNats({
      url: stack.stores.NATS_URL,
      name: 'push-e2e',
      log: testLogger('push-e2e'),
    });
    const capture = await captureEvents(nc, 'msg.new');
    try {
      const [alice, bob] = await Promise.all([user('Alice'), user('Bob')]);
      const sent = await send(alice, await directChat(alice, bob), 'only once');
      await awaitPushes(bob.devices[0], 1);
      const original = await capture.waitFor(
        'msg.new',
        (event: EventPayload<'msg.new'>) => event.message_id === sent.message_id,
      );
      const before = await pushCount('already_sent');
      // The same event again under another stream message id, as a redelivery looks to a handler.
      await jetstream(nc).publish('msg.new', JSON.stringify(original), { msgID: randomUUID() });
      await awaitCount('already_sent', before);
      assert.equal(accepted(bob.devices[0]).length, 1);
    } finally {
      await capture.stop();
      await nc.drain();
    }
  });

  test('with FCM down for 10 s, pushes arrive once it is back, none twice', async () => {
    const [alice, bob, carol] = await Promise.all([user('Alice'), user('Bob'), user('Carol')]);
    const [withBob, withCarol] = [await directChat(alice, bob), await directChat(alice, carol)];
    const sentBefore = await pushCount('sent');
    await emulator.close();
    try {
      await send(alice, withBob, 'sent while FCM was down');
      await send(alice, withCarol, 'also while FCM was down');
      await sleep(10_000);
    } finally {
      emulator = await startFcmEmulator({ port: emulatorPort, accounts: [account] });
    }
    const [toBob] = await awaitPushes(bob.devices[0], 1, 30_000);
    const [toCarol] = await awaitPushes(carol.devices[0], 1, 30_000);
    assert.equal(dataOf(toBob).body, 'sent while FCM was down');
    assert.equal(dataOf(toCarol).body, 'also while FCM was down');
    // Every accept the service counted is one of these two: no device got a second copy.
    await awaitCount('sent', sentBefore, 2);
    assert.equal((await pushCount('sent')) - sentBefore, 2);
    assert.equal(accepted(bob.devices[0]).length + accepted(carol.devices[0]).length, 2);
  });
});

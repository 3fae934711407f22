import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import {
  createServiceAccount,
  startFcmEmulator,
  type FcmEmulator,
  type ServiceAccount,
} from '@wa/pkg/fcm-emulator';
import { freePort, using } from '@wa/pkg/testing';
import { createFcmClient, type FcmMessage } from '../src/repository/fcm-client.ts';
import { credentialsOf, manualClock, message, startTokenCounter } from './fcm-helpers.ts';

/*
 * The FCM client against the FCM emulator: tokens go through a forwarder that counts them, and
 * the emulator's token prefixes (`unregistered-`, `unavailable-`, `quota-`) pick its answers.
 */

const statuses = (emulator: FcmEmulator, token: string) =>
  emulator.messages(token).map((push) => push.status);
const device = (prefix = 'device') => `${prefix}-${randomUUID()}`;

/** An emulator on a port of its own (so it can restart there), an account, a token counter. */
async function startFcm(t: Parameters<typeof using>[0], lifetimeSeconds = 3599) {
  const clock = manualClock();
  const port = await freePort();
  const start = () =>
    startFcmEmulator({ port, now: clock.now, tokenLifetimeSeconds: lifetimeSeconds });
  let emulator = await start();
  const counter = using(t, await startTokenCounter(() => emulator.url));
  const account = createServiceAccount({ projectId: 'wa-push', tokenUri: counter.tokenUri });
  emulator.trust(account);
  using(t, { close: () => emulator.close() });
  const client = createFcmClient({
    credentials: credentialsOf(account),
    baseUrl: emulator.url,
    now: clock.now,
  });
  return {
    clock,
    client,
    counter,
    emulator: () => emulator,
    /** A restart forgets every issued access token, as a revocation does. */
    async restart() {
      await emulator.close();
      emulator = await start();
      emulator.trust(account);
    },
  };
}

describe('fcm client: access tokens', () => {
  test('fetches one token for many sends, concurrent ones included', async (t) => {
    const { client, counter, emulator } = await startFcm(t);
    const first = await Promise.all(
      Array.from({ length: 20 }, () => client.send(message(device()))),
    );
    for (let i = 0; i < 10; i++) await client.send(message(device()));
    assert.ok(first.every((outcome) => outcome.kind === 'sent'));
    assert.equal(counter.requests(), 1);
    assert.equal(emulator().messages().length, 30);
    assert.ok(
      emulator()
        .messages()
        .every((push) => push.status === 200),
    );
  });

  test('renews a token shortly before it expires, without a refused send', async (t) => {
    const { client, counter, clock, emulator } = await startFcm(t, 120);
    await client.send(message(device()));
    clock.advance(59_000); // renewed 60 s before its end (here, half its 120 s life)
    await client.send(message(device()));
    assert.equal(counter.requests(), 1);
    clock.advance(1_000);
    const outcome = await client.send(message(device()));
    assert.equal(outcome.kind, 'sent');
    assert.equal(counter.requests(), 2);
    assert.deepEqual(
      emulator()
        .messages()
        .map((push) => push.status),
      [200, 200, 200],
    );
  });

  test('renews a token that has expired long ago', async (t) => {
    const { client, counter, clock, emulator } = await startFcm(t, 60);
    await client.send(message(device()));
    clock.advance(3_600_000);
    const token = device();
    assert.equal((await client.send(message(token))).kind, 'sent');
    assert.equal(counter.requests(), 2);
    assert.deepEqual(statuses(emulator(), token), [200]);
  });

  test('a token refused with 401 is replaced once and the send retried', async (t) => {
    const fcm = await startFcm(t);
    await fcm.client.send(message(device()));
    await fcm.restart();
    const token = device();
    const outcome = await fcm.client.send(message(token));
    assert.equal(outcome.kind, 'sent');
    assert.deepEqual(statuses(fcm.emulator(), token), [401, 200]);
    assert.equal(fcm.counter.requests(), 2);
    // The fresh token is kept for what follows.
    await fcm.client.send(message(device()));
    assert.equal(fcm.counter.requests(), 2);
  });

  test('a refused assertion rejects the send, naming the OAuth2 error', async (t) => {
    const { emulator } = await startFcm(t);
    const stranger: ServiceAccount = createServiceAccount({
      projectId: 'wa-push',
      tokenUri: `${emulator().url}/token`,
    });
    const client = createFcmClient({
      credentials: credentialsOf(stranger),
      baseUrl: emulator().url,
    });
    await assert.rejects(
      client.send(message(device())),
      /OAuth2 token refused \(400 invalid_grant/,
    );
    assert.equal(emulator().messages().length, 0);
  });
});

describe('fcm client: outcomes', () => {
  let fcm: Awaited<ReturnType<typeof startFcm>>;
  const teardown: Array<() => unknown> = [];
  before(async () => {
    fcm = await startFcm({ after: (fn) => teardown.push(fn) });
  });
  after(async () => {
    for (const fn of teardown) await fn();
  });

  test('sends the message as given and answers its name', async () => {
    const sent = message(device(), { type: 'new_message', body: 'hi 👋' });
    const outcome = await fcm.client.send(sent);
    assert.equal(outcome.kind, 'sent');
    assert.match(outcome.kind === 'sent' ? outcome.name : '', /^projects\/wa-push\/messages\/0:/);
    const [received] = fcm.emulator().messages(sent.token);
    assert.deepEqual(received.message, sent);
  });

  test('an unregistered token is stale', async () => {
    const outcome = await fcm.client.send(message(device('unregistered')));
    assert.deepEqual(outcome, { kind: 'stale-token', status: 404, code: 'UNREGISTERED' });
  });

  test('an empty token is stale: FCM answers 400 about message.token', async () => {
    const outcome = await fcm.client.send(message(''));
    assert.deepEqual(outcome, { kind: 'stale-token', status: 400, code: 'INVALID_ARGUMENT' });
  });

  test('UNAVAILABLE is a retry without a delay, until FCM takes the message', async () => {
    const token = device('unavailable');
    const retry = { kind: 'retry', status: 503, code: 'UNAVAILABLE', retryAfterMs: undefined };
    assert.deepEqual(await fcm.client.send(message(token)), retry);
    assert.deepEqual(await fcm.client.send(message(token)), retry);
    assert.equal((await fcm.client.send(message(token))).kind, 'sent');
  });

  test('QUOTA_EXCEEDED is a retry after the Retry-After seconds', async () => {
    const token = device('quota');
    assert.deepEqual(await fcm.client.send(message(token)), {
      kind: 'retry',
      status: 429,
      code: 'QUOTA_EXCEEDED',
      retryAfterMs: 1_000,
    });
    assert.equal((await fcm.client.send(message(token))).kind, 'sent');
  });

  test('an invalid message is rejected, not retried and not stale', async () => {
    const notAString = { ...message(device()), data: { count: 3 } } as unknown as FcmMessage;
    const outcome = await fcm.client.send(notAString);
    assert.equal(outcome.kind, 'rejected');
    assert.equal(outcome.kind === 'rejected' && outcome.status, 400);
    assert.equal(outcome.kind === 'rejected' && outcome.code, 'INVALID_ARGUMENT');
    assert.match(outcome.kind === 'rejected' ? outcome.message : '', /message\.data\.count/);

    const reserved = await fcm.client.send(message(device(), { message_type: 'text' }));
    assert.equal(reserved.kind, 'rejected');
  });
});

describe('fcm client: network failures', () => {
  test('rejects when nothing listens at FCM', async (t) => {
    const { counter } = await startFcm(t);
    const account = createServiceAccount({ projectId: 'wa-push', tokenUri: counter.tokenUri });
    const client = createFcmClient({
      credentials: credentialsOf(account),
      baseUrl: `http://127.0.0.1:${await freePort()}`,
    });
    await assert.rejects(client.send(message(device())));
  });

  test('rejects when nothing listens at the token endpoint', async () => {
    const account = createServiceAccount({
      projectId: 'wa-push',
      tokenUri: `http://127.0.0.1:${await freePort()}/token`,
    });
    const client = createFcmClient({
      credentials: credentialsOf(account),
      baseUrl: account.token_uri,
    });
    await assert.rejects(client.send(message(device())));
  });
});

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { createServiceAccount, startFcmEmulator, type FcmEmulator } from '@wa/pkg/fcm-emulator';
import { createFcmClient, type FcmClient } from '../src/repository/fcm-client.ts';
import {
  deliveryOver,
  openDeliveryStores,
  pushOf,
  type DeliveryStores,
} from './delivery-helpers.ts';
import { credentialsOf } from './fcm-helpers.ts';

/*
 * Push delivery end to end below the service: the FCM emulator behind the real client, marks in
 * the real Redis, device tokens in a real PostgreSQL database. Token prefixes pick the emulator's
 * answers: `unavailable-` fails twice, `quota-` once (Retry-After 1 s), `unregistered-` always.
 */

const device = (prefix = 'device') => `${prefix}-${randomUUID()}`;

describe('push delivery', () => {
  let emulator: FcmEmulator;
  let fcm: FcmClient;
  let stores: DeliveryStores;

  before(async () => {
    emulator = await startFcmEmulator();
    const account = createServiceAccount({
      projectId: 'wa-push',
      tokenUri: `${emulator.url}/token`,
    });
    emulator.trust(account);
    fcm = createFcmClient({ credentials: credentialsOf(account), baseUrl: emulator.url });
    stores = await openDeliveryStores();
  });
  after(async () => {
    await stores?.close();
    await emulator?.close();
  });

  const statuses = (token: string) => emulator.messages(token).map((push) => push.status);

  test('pushes each device once as a high-priority data message and counts it sent', async () => {
    const tokens = [device(), device()];
    const userId = await stores.userWith(tokens);
    const { delivery, count, text } = deliveryOver(stores, fcm);
    const push = pushOf(userId, tokens, {
      chatType: 'group',
      data: { type: 'x', body: 'hi' },
      eventAt: Date.now() - 10_000,
    });
    await delivery.deliver(push);

    for (const token of tokens) {
      const sent = emulator.messages(token);
      assert.deepEqual(
        sent.map((m) => [m.status, m.message]),
        [[200, { token, data: push.data, android: { priority: 'high', ttl: '86400s' } }]],
      );
    }
    assert.equal(await count('sent'), 2);
    // Latency from the event, one observation per device taken, by chat type.
    const exposition = await text();
    assert.match(
      exposition,
      /notification_push_latency_seconds_count\{[^}]*chat_type="group"\} 2\n/,
    );
    const sum = /notification_push_latency_seconds_sum\{[^}]*chat_type="group"\} ([\d.]+)/.exec(
      exposition,
    );
    assert.ok(sum && Number(sum[1]) >= 20 && Number(sum[1]) < 25, sum?.[0]);
    assert.deepEqual(await stores.tokensOf(userId), tokens);
  });

  test('retries an UNAVAILABLE device until FCM takes it', async () => {
    const token = device('unavailable');
    const userId = await stores.userWith([token]);
    const { delivery, count } = deliveryOver(stores, fcm, { maxAttempts: 5 });
    await delivery.deliver(pushOf(userId, [token]));
    assert.deepEqual(statuses(token), [503, 503, 200]);
    assert.equal(await count('retried'), 2);
    assert.equal(await count('sent'), 1);
    assert.equal(await count('dead_lettered'), 0);
  });

  test("waits as long as FCM's Retry-After says, not the shorter backoff", async () => {
    const token = device('quota');
    const userId = await stores.userWith([token]);
    const { delivery, count } = deliveryOver(stores, fcm, { retryBaseMs: 1 });
    const started = performance.now();
    await delivery.deliver(pushOf(userId, [token]));
    assert.ok(performance.now() - started >= 990, 'Retry-After: 1 (second)');
    assert.deepEqual(statuses(token), [429, 200]);
    assert.equal(await count('retried'), 1);
  });

  test('gives a device up after maxAttempts, counts it dead-lettered and pushes the rest', async () => {
    const failing = device('unavailable');
    const healthy = device();
    const userId = await stores.userWith([failing, healthy]);
    const { delivery, count } = deliveryOver(stores, fcm, { maxAttempts: 2 });
    await delivery.deliver(pushOf(userId, [failing, healthy]));
    assert.deepEqual(statuses(failing), [503, 503]);
    assert.deepEqual(statuses(healthy), [200]);
    assert.equal(await count('dead_lettered'), 1);
    assert.equal(await count('retried'), 1);
    assert.equal(await count('sent'), 1);
    assert.deepEqual(await stores.tokensOf(userId), [failing, healthy], 'a failing token is kept');
  });

  test('deletes a token FCM says is unregistered, and only that one', async () => {
    const stale = device('unregistered');
    const live = device();
    const userId = await stores.userWith([stale, live]);
    const bystander = await stores.userWith([device()]);
    const { delivery, count } = deliveryOver(stores, fcm);
    await delivery.deliver(pushOf(userId, [stale, live]));
    assert.deepEqual(await stores.tokensOf(userId), [live]);
    assert.equal((await stores.tokensOf(bystander)).length, 1);
    assert.equal(await count('stale_token_removed'), 1);
    assert.equal(await count('sent'), 1);
  });

  test('a message FCM refuses is counted rejected, not retried, and its token kept', async () => {
    const token = device();
    const userId = await stores.userWith([token]);
    const { delivery, count } = deliveryOver(stores, fcm);
    await delivery.deliver(pushOf(userId, [token], { data: { message_type: 'reserved' } }));
    assert.deepEqual(statuses(token), [400]);
    assert.equal(await count('rejected'), 1);
    assert.equal(await count('retried'), 0);
    assert.deepEqual(await stores.tokensOf(userId), [token]);
  });

  test('a redelivered push reaches no device twice and counts already_sent', async () => {
    const tokens = [device(), device(), device('unregistered')];
    const userId = await stores.userWith(tokens);
    const { delivery, count } = deliveryOver(stores, fcm);
    const push = pushOf(userId, tokens);
    await delivery.deliver(push);
    const sendsAfterFirst = emulator.messages().length;

    // Another instance (its own delivery, the same Redis) gets the same event again.
    const again = deliveryOver(stores, fcm);
    await again.delivery.deliver(push);
    assert.equal(emulator.messages().length, sendsAfterFirst);
    assert.equal(await again.count('already_sent'), 3);
    assert.equal(await again.count('sent'), 0);
    assert.equal(await count('sent'), 2);

    // Another push to the same devices is a new key: it is sent.
    await again.delivery.deliver(pushOf(userId, tokens.slice(0, 2)));
    assert.equal(await again.count('sent'), 2);
    assert.deepEqual(statuses(tokens[0]), [200, 200]);
  });

  test('a wait between attempts holds no slot: other devices go meanwhile', async () => {
    const retried = device('unavailable');
    const other = device();
    const userId = await stores.userWith([retried, other]);
    const { delivery } = deliveryOver(stores, fcm, {
      concurrency: 1,
      retryBaseMs: 400,
      random: () => 0,
    });
    emulator.clear();
    await delivery.deliver(pushOf(userId, [retried, other]));
    const order = emulator
      .messages()
      .map(
        (m) =>
          `${(m.message as { token: string }).token === retried ? 'retried' : 'other'}:${m.status}`,
      );
    assert.deepEqual(order, ['retried:503', 'other:200', 'retried:503', 'retried:200']);
  });
});

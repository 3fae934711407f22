import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { createServiceAccount } from '@wa/pkg/fcm-emulator';
import { using } from '@wa/pkg/testing';
import { createFcmClient } from '../src/repository/fcm-client.ts';
import { PushIncomplete } from '../src/service/push-delivery.ts';
import {
  deliveryOver,
  openDeliveryStores,
  pushOf,
  type DeliveryStores,
} from './delivery-helpers.ts';
import { scriptedCredentials, startScriptedFcm, type ScriptedAnswer } from './fcm-helpers.ts';

/*
 * Push delivery where FCM misbehaves in ways the emulator does not: down for good, slow, or
 * cutting connections. A tiny scripted FCM stands in, behind the real client; device tokens and
 * marks are in the real PostgreSQL and Redis.
 */

const device = (prefix = 'device') => `${prefix}-${randomUUID()}`;

async function scriptedFcm(
  t: Parameters<typeof using>[0],
  answer: (token: string, attempt: number) => ScriptedAnswer,
) {
  const server = using(t, await startScriptedFcm((sent, attempt) => answer(sent.token, attempt)));
  const account = createServiceAccount({ projectId: 'wa-push', tokenUri: server.tokenUri });
  const client = createFcmClient({
    credentials: scriptedCredentials(account, server.tokenUri),
    baseUrl: server.url,
  });
  return { server, client };
}

const sent: ScriptedAnswer = { status: 200, body: { name: 'projects/wa-push/messages/1' } };
const unavailable: ScriptedAnswer = {
  status: 503,
  body: { error: { code: 503, status: 'UNAVAILABLE', message: 'down' } },
};

describe('push delivery limits', () => {
  let stores: DeliveryStores;
  before(async () => {
    stores = await openDeliveryStores();
  });
  after(() => stores?.close());

  test('an FCM down for good gets exactly maxAttempts tries, then the device is dead-lettered', async (t) => {
    const { server, client } = await scriptedFcm(t, () => unavailable);
    const token = device();
    const userId = await stores.userWith([token]);
    const { delivery, count } = deliveryOver(stores, client, { maxAttempts: 4, retryBaseMs: 2 });
    const push = pushOf(userId, [token]);
    await delivery.deliver(push);
    assert.equal(server.sends(token).length, 4);
    assert.equal(await count('retried'), 3);
    assert.equal(await count('dead_lettered'), 1);
    assert.equal(await count('sent'), 0);
    assert.deepEqual(await stores.tokensOf(userId), [token]);

    // Dead-lettered is settled: a redelivery of the event does not start over.
    await delivery.deliver(push);
    assert.equal(server.sends(token).length, 4);
    assert.equal(await count('already_sent'), 1);
  });

  test('waits exponentially longer between attempts, up to the jittered ceiling', async (t) => {
    const at: number[] = [];
    const { client } = await scriptedFcm(t, (_token, attempt) => {
      at.push(performance.now());
      return attempt < 4 ? unavailable : sent;
    });
    const token = device();
    const userId = await stores.userWith([token]);
    // random 1: each wait is its full ceiling, 40, 80 then 160 ms.
    const { delivery } = deliveryOver(stores, client, { retryBaseMs: 40, random: () => 1 });
    await delivery.deliver(pushOf(userId, [token]));
    assert.equal(at.length, 4);
    const gaps = at.slice(1).map((time, i) => time - at[i]);
    [40, 80, 160].forEach((ceiling, i) =>
      assert.ok(gaps[i] >= ceiling - 2 && gaps[i] < ceiling + 150, `gap ${i}: ${gaps[i]} ms`),
    );
  });

  test('concurrency bounds the sends in flight at once', async (t) => {
    const { server, client } = await scriptedFcm(t, () => ({ ...sent, delayMs: 40 }));
    const tokens = Array.from({ length: 12 }, () => device());
    const userId = await stores.userWith(tokens);
    const { delivery, count } = deliveryOver(stores, client, { concurrency: 3 });
    await delivery.deliver(pushOf(userId, tokens));
    assert.equal(server.sends().length, 12);
    assert.equal(server.maxInFlight(), 3);
    assert.equal(await count('sent'), 12);
  });

  test('a device FCM cannot be reached for fails the push, and only it is tried again', async (t) => {
    let reachable = false;
    const cut = device('cut');
    const { server, client } = await scriptedFcm(t, (token) =>
      token === cut && !reachable ? { status: 200, drop: true } : sent,
    );
    const others = [device(), device()];
    const userId = await stores.userWith([cut, ...others]);
    const { delivery, count } = deliveryOver(stores, client);
    const push = pushOf(userId, [cut, ...others]);

    await assert.rejects(delivery.deliver(push), PushIncomplete);
    assert.equal(await count('sent'), 2, 'the reachable devices were pushed');
    for (const token of others) assert.equal(server.sends(token).length, 1);

    // The event is redelivered once FCM answers again: only the unsettled device is sent to.
    reachable = true;
    await delivery.deliver(push);
    assert.equal(server.sends(cut).length, 2);
    for (const token of others) assert.equal(server.sends(token).length, 1);
    assert.equal(await count('already_sent'), 2);
    assert.equal(await count('sent'), 3);
    assert.deepEqual(await stores.tokensOf(userId), [cut, ...others]);
  });
});

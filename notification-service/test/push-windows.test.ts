import { after, before, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { connectRedis, type Redis } from '@wa/pkg/db';
import { startRedisServer, testLogger, type TestRedisServer } from '@wa/pkg/testing';
import { createPushWindows, type ClaimedWindow } from '../src/repository/push-windows.ts';

/*
 * Group push windows on a private redis-server: `push:due` is one key for every window, so no
 * other test may share it. Every test empties it first and moves its own clock.
 */

const WINDOW_MS = 3_000;
const LEASE_MS = 30_000;

let server: TestRedisServer;
let redis: Redis;
let other: Redis;

before(async () => {
  server = await startRedisServer();
  redis = await connectRedis(server.url, testLogger());
  // A second connection, as a second instance of the service would have.
  other = await connectRedis(server.url, testLogger());
});
after(async () => {
  await redis?.quit();
  await other?.quit();
  await server?.stop();
});
beforeEach(() => redis.flushdb());

function manualClock(start = 1_900_000_000_000) {
  let at = start;
  return {
    now: () => at,
    advance: (ms: number) => (at += ms),
  };
}

const summary = (messageId: string) => JSON.stringify({ message_id: messageId });

describe('push windows', () => {
  test('counts each message once: a repeated message id is not counted and answers 0', async () => {
    const clock = manualClock();
    const windows = createPushWindows(redis, clock.now);
    const [chatId, userId] = [randomUUID(), randomUUID()];
    const add = async (messageId: string) =>
      (
        await windows.add(chatId, [userId], messageId, clock.now(), WINDOW_MS, summary(messageId))
      )[0];
    assert.equal(await add('m1'), 1);
    assert.equal(await add('m2'), 2);
    assert.equal(await add('m1'), 0);
    assert.equal(await add('m3'), 3);
    assert.equal(await add('m2'), 0);

    clock.advance(WINDOW_MS);
    const [window] = await windows.claimDue(10, LEASE_MS);
    assert.equal(window.count, 3);
    assert.equal(window.chatId, chatId);
    assert.equal(window.userId, userId);
  });

  test('keeps windows of other chats and other recipients apart', async () => {
    const clock = manualClock();
    const windows = createPushWindows(redis, clock.now);
    const [chatA, chatB, ann, bob] = [randomUUID(), randomUUID(), randomUUID(), randomUUID()];
    await windows.add(chatA, [ann], 'm1', clock.now(), WINDOW_MS, summary('m1'));
    await windows.add(chatA, [bob], 'm1', clock.now(), WINDOW_MS, summary('m1'));
    await windows.add(chatB, [ann], 'm2', clock.now(), WINDOW_MS, summary('m2'));
    await windows.add(chatA, [ann], 'm3', clock.now(), WINDOW_MS, summary('m3'));
    clock.advance(WINDOW_MS);
    const counts = (await windows.claimDue(10, LEASE_MS))
      .map(
        (w) => `${w.chatId === chatA ? 'A' : 'B'}/${w.userId === ann ? 'ann' : 'bob'}=${w.count}`,
      )
      .sort();
    assert.deepEqual(counts, ['A/ann=2', 'A/bob=1', 'B/ann=1']);
  });

  test("one call counts a group message into all 255 recipients' windows, each once", async () => {
    const clock = manualClock();
    const windows = createPushWindows(redis, clock.now);
    const chatId = randomUUID();
    const members = Array.from({ length: 255 }, () => randomUUID());
    await windows.add(chatId, [members[7]], 'm1', clock.now(), WINDOW_MS, summary('m1'));

    const counted = await windows.add(chatId, members, 'm1', clock.now(), WINDOW_MS, summary('m1'));
    assert.equal(counted.length, 255);
    assert.equal(counted[7], 0, 'counted already for this recipient');
    assert.ok(counted.every((count, i) => i === 7 || count === 1));
    assert.deepEqual(
      await windows.add(chatId, members, 'm2', clock.now(), WINDOW_MS, summary('m2')),
      members.map(() => 2),
    );
    assert.deepEqual(
      await windows.add(chatId, [], 'm3', clock.now(), WINDOW_MS, summary('m3')),
      [],
    );

    clock.advance(WINDOW_MS);
    const due = await windows.claimDue(300, LEASE_MS);
    assert.equal(due.length, 255);
    assert.ok(due.every((window) => window.count === 2 && window.last === summary('m2')));
  });

  test('a window is due windowMs after its first message, however many follow', async () => {
    const clock = manualClock();
    const windows = createPushWindows(redis, clock.now);
    const [chatId, userId] = [randomUUID(), randomUUID()];
    await windows.add(chatId, [userId], 'm1', clock.now(), WINDOW_MS, summary('m1'));
    clock.advance(WINDOW_MS - 1_000);
    await windows.add(chatId, [userId], 'm2', clock.now(), WINDOW_MS, summary('m2'));
    clock.advance(999);
    assert.deepEqual(await windows.claimDue(10, LEASE_MS), []);
    clock.advance(1);
    const claimed = await windows.claimDue(10, LEASE_MS);
    assert.equal(claimed.length, 1);
    assert.equal(claimed[0].count, 2);
  });

  test('the window keeps the newest message by its time, not by arrival', async () => {
    const clock = manualClock();
    const windows = createPushWindows(redis, clock.now);
    const [chatId, userId] = [randomUUID(), randomUUID()];
    const at = clock.now();
    await windows.add(chatId, [userId], 'm2', at + 20, WINDOW_MS, summary('m2'));
    await windows.add(chatId, [userId], 'm1', at + 10, WINDOW_MS, summary('m1'));
    clock.advance(WINDOW_MS);
    const [window] = await windows.claimDue(10, LEASE_MS);
    assert.equal(window.last, summary('m2'));
    assert.equal(window.count, 2);
  });

  test('claims at most `limit` windows at a time, the earliest due first', async () => {
    const clock = manualClock();
    const windows = createPushWindows(redis, clock.now);
    const chats = Array.from({ length: 5 }, () => randomUUID());
    const userId = randomUUID();
    for (const chatId of chats) {
      await windows.add(chatId, [userId], `m-${chatId}`, clock.now(), WINDOW_MS, summary(chatId));
      clock.advance(10);
    }
    clock.advance(WINDOW_MS);
    const batches = [];
    for (let i = 0; i < 4; i++) batches.push(await windows.claimDue(2, LEASE_MS));
    assert.deepEqual(
      batches.map((batch) => batch.map((w) => w.chatId)),
      [chats.slice(0, 2), chats.slice(2, 4), chats.slice(4), []],
    );
  });

  test('two instances claiming at once never get the same window', async () => {
    const clock = manualClock();
    const first = createPushWindows(redis, clock.now);
    const second = createPushWindows(other, clock.now);
    const userId = randomUUID();
    const chats = Array.from({ length: 300 }, () => randomUUID());
    await Promise.all(
      chats.map((chatId) =>
        first.add(chatId, [userId], randomUUID(), clock.now(), WINDOW_MS, summary(chatId)),
      ),
    );
    clock.advance(WINDOW_MS);

    // Each instance keeps claiming small batches, concurrently, until nothing is left for it.
    const drain = async (windows: typeof first) => {
      const got: ClaimedWindow[] = [];
      for (;;) {
        const batch = await windows.claimDue(3, LEASE_MS);
        if (batch.length === 0) return got;
        got.push(...batch);
      }
    };
    const claims = (await Promise.all([drain(first), drain(second), drain(first), drain(second)]))
      .flat()
      .map((w) => w.chatId);
    assert.equal(claims.length, chats.length, 'every window claimed exactly once');
    assert.deepEqual(new Set(claims), new Set(chats));
  });

  test('finishing leaves messages added after the claim in a next window with the latest one', async () => {
    const clock = manualClock();
    const windows = createPushWindows(redis, clock.now);
    const [chatId, userId] = [randomUUID(), randomUUID()];
    const add = async (messageId: string) =>
      (
        await windows.add(chatId, [userId], messageId, clock.now(), WINDOW_MS, summary(messageId))
      )[0];
    await add('m1');
    await add('m2');
    clock.advance(WINDOW_MS);
    const [claimed] = await windows.claimDue(10, LEASE_MS);
    assert.equal(claimed.count, 2);
    assert.equal(claimed.last, summary('m2'));

    clock.advance(100);
    await add('m3');
    clock.advance(100);
    await add('m4');
    assert.equal(await windows.finish(claimed, WINDOW_MS), true);

    clock.advance(WINDOW_MS - 1);
    assert.deepEqual(await windows.claimDue(10, LEASE_MS), [], 'the next window is not due yet');
    clock.advance(1);
    const [next] = await windows.claimDue(10, LEASE_MS);
    assert.equal(next.count, 2, 'only the two messages that came after the claim');
    assert.equal(next.last, summary('m4'));
    assert.equal(await windows.finish(next, WINDOW_MS), true);

    // Nothing came after the second claim: the window is gone, a redelivered message stays counted.
    clock.advance(WINDOW_MS * 10);
    assert.deepEqual(await windows.claimDue(10, LEASE_MS), []);
    assert.equal(await redis.exists(`push:win:${chatId}:${userId}`), 0);
    assert.equal(await redis.zcard('push:due'), 0);
    assert.equal(await add('m3'), 0);
    assert.equal(await add('m5'), 1, 'a new message opens a fresh window');
  });

  test('a claim whose lease ran out goes to another instance; the first cannot finish it', async () => {
    const clock = manualClock();
    const first = createPushWindows(redis, clock.now);
    const second = createPushWindows(other, clock.now);
    const [chatId, userId] = [randomUUID(), randomUUID()];
    await first.add(chatId, [userId], 'm1', clock.now(), WINDOW_MS, summary('m1'));
    clock.advance(WINDOW_MS);
    const [lost] = await first.claimDue(10, LEASE_MS);

    clock.advance(LEASE_MS - 1);
    assert.deepEqual(await second.claimDue(10, LEASE_MS), [], 'still held by the first claim');
    clock.advance(1);
    const [taken] = await second.claimDue(10, LEASE_MS);
    assert.equal(taken.chatId, chatId);
    assert.equal(taken.count, 1);
    assert.notEqual(taken.claim, lost.claim);

    assert.equal(await first.finish(lost, WINDOW_MS), false);
    await first.postpone(lost, 1);
    assert.equal(await second.finish(taken, WINDOW_MS), true);
    clock.advance(LEASE_MS * 2);
    assert.deepEqual(await first.claimDue(10, LEASE_MS), [], 'a lost claim revives nothing');
  });

  test('a postponed window is due again after the delay, under a new claim', async () => {
    const clock = manualClock();
    const windows = createPushWindows(redis, clock.now);
    const [chatId, userId] = [randomUUID(), randomUUID()];
    await windows.add(chatId, [userId], 'm1', clock.now(), WINDOW_MS, summary('m1'));
    await windows.add(chatId, [userId], 'm2', clock.now(), WINDOW_MS, summary('m2'));
    clock.advance(WINDOW_MS);
    const [failed] = await windows.claimDue(10, LEASE_MS);
    await windows.postpone(failed, 2_000);

    clock.advance(1_999);
    assert.deepEqual(await windows.claimDue(10, LEASE_MS), []);
    clock.advance(1);
    const [retry] = await windows.claimDue(10, LEASE_MS);
    assert.equal(retry.count, 2);
    assert.equal(retry.last, summary('m2'));
    assert.notEqual(retry.claim, failed.claim);
    assert.equal(await windows.finish(failed, WINDOW_MS), false, 'the old claim is void');
    assert.equal(await windows.finish(retry, WINDOW_MS), true);
  });
});

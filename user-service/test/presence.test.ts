import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { testLogger } from '@wa/pkg/testing';
import { createPresenceRepository } from '../src/repository/presence-repository.ts';
import { createUserRepository } from '../src/repository/user-repository.ts';
import { createPresenceService } from '../src/service/presence-service.ts';
import { assertError, assertOk, fieldsOf, startUserApp, type Harness } from './helpers.ts';

let h: Harness;
before(async () => {
  h = await startUserApp();
});
after(async () => {
  await h.close();
});

const lastSeenOf = async (id: string) =>
  (
    await h.pool.query<{ last_seen_at: Date | null }>(
      'SELECT last_seen_at FROM users WHERE id = $1',
      [id],
    )
  ).rows[0].last_seen_at;

describe('presence across websocket-service instances', () => {
  test('online sets presence:<id> with the 60 s TTL', async () => {
    const user = await h.makeUser();
    const facts = await h.services.presence.setPresence(user.id, 'ws-a', true);
    assert.deepEqual(facts, { online: true, lastSeen: null });
    assert.equal(await h.redis.get(`presence:${user.id}`), 'online');
    const ttl = await h.redis.ttl(`presence:${user.id}`);
    assert.ok(ttl > 55 && ttl <= 60, String(ttl));
  });

  test('leaving one instance keeps the user online while another holds them', async () => {
    const user = await h.makeUser();
    await h.services.presence.setPresence(user.id, 'ws-a', true);
    await h.services.presence.setPresence(user.id, 'ws-b', true);

    const afterA = await h.services.presence.setPresence(user.id, 'ws-a', false);
    assert.deepEqual(afterA, { online: true, lastSeen: null });
    assert.equal((await h.services.presence.check(user.id)).online, true);
    assert.equal(await lastSeenOf(user.id), null);

    const before = Date.now();
    const afterB = await h.services.presence.setPresence(user.id, 'ws-b', false);
    assert.equal(afterB.online, false);
    assert.ok(afterB.lastSeen && afterB.lastSeen.getTime() >= before);
    const checked = await h.services.presence.check(user.id);
    assert.equal(checked.online, false);
    assert.equal(checked.lastSeen?.getTime(), afterB.lastSeen.getTime());
    assert.equal(await h.redis.exists(`presence:${user.id}`, `presence:instances:${user.id}`), 0);
  });

  test('an instance that stopped refreshing is forgotten after the TTL', async () => {
    const user = await h.makeUser();
    const repo = createPresenceRepository(h.redis, 60);
    await repo.markOnline([user.id], 'ws-dead', Date.now() - 61_000);
    await repo.markOnline([user.id], 'ws-live');
    assert.equal(await repo.leave(user.id, 'ws-live'), false);
  });

  test('two instances leaving at once leave the user offline, reported by exactly one', async () => {
    const user = await h.makeUser();
    await h.services.presence.setPresence(user.id, 'ws-a', true);
    await h.services.presence.setPresence(user.id, 'ws-b', true);
    const results = await Promise.all([
      h.services.presence.setPresence(user.id, 'ws-a', false),
      h.services.presence.setPresence(user.id, 'ws-b', false),
    ]);
    assert.equal(results.filter((r) => !r.online).length, 1);
    assert.equal((await h.services.presence.check(user.id)).online, false);
  });

  test('refresh extends every user’s TTL and counts each once', async () => {
    const [a, b] = await Promise.all([h.makeUser(), h.makeUser()]);
    await h.redis.set(`presence:${a.id}`, 'online', 'EX', 5);
    const refreshed = await h.services.presence.refresh('ws-a', [a.id, b.id, a.id]);
    assert.equal(refreshed, 2);
    for (const id of [a.id, b.id]) assert.ok((await h.redis.ttl(`presence:${id}`)) > 55);
  });

  test('a presence that lapsed without a report is swept once: offline, last seen at the lapse', async () => {
    const [lapsed, leaving, live] = await Promise.all([h.makeUser(), h.makeUser(), h.makeUser()]);
    const short = createPresenceRepository(h.redis, 1);
    const sweeper = createPresenceService({
      presence: short,
      users: createUserRepository(h.pool),
      log: testLogger(),
    });
    const onlineAt = Date.now();
    await short.markOnline([lapsed.id, leaving.id], 'ws-dead', onlineAt);
    await h.services.presence.setPresence(live.id, 'ws-live', true);
    assert.equal(
      await short.leave(leaving.id, 'ws-dead'),
      false,
      'an offline report leaves no trace',
    );
    await sleep(1_300);
    // Other stacks' websocket-services sweep the same index: whoever takes it, it is taken once.
    const swept = await sweeper.sweepLapsed(1_000);
    const mine = swept.filter((entry) => [lapsed.id, leaving.id, live.id].includes(entry.userId));
    assert.ok(mine.every((entry) => entry.userId === lapsed.id));
    assert.equal((await lastSeenOf(lapsed.id))?.getTime(), onlineAt + 1_000);
    assert.equal(await h.redis.zscore('presence:expiries', lapsed.id), null);
    assert.deepEqual(
      (await sweeper.sweepLapsed(1_000)).filter((entry) => entry.userId === lapsed.id),
      [],
      'never handed out twice',
    );
    assert.equal(
      await lastSeenOf(leaving.id),
      null,
      'its offline report set last seen, not the sweep',
    );
    assert.equal((await h.services.presence.check(live.id)).online, true);
    assert.notEqual(await h.redis.zscore('presence:expiries', live.id), null);
  });

  test('last seen never moves backwards when reports arrive out of order', async () => {
    const user = await h.makeUser();
    const users = createUserRepository(h.pool);
    const later = new Date('2026-05-01T00:00:00Z');
    await users.setLastSeen(user.id, later);
    await users.setLastSeen(user.id, new Date('2026-04-01T00:00:00Z'));
    assert.equal((await lastSeenOf(user.id))?.getTime(), later.getTime());
  });
});

describe('GET /api/v1/users/:id/presence', () => {
  test('shows online and last seen to anyone by default', async () => {
    const [me, other] = await Promise.all([h.makeUser(), h.makeUser()]);
    assert.deepEqual(assertOk(await h.call(me, 'GET', `/api/v1/users/${other.id}/presence`)), {
      user_id: other.id,
      online: false,
      last_seen: null,
    });
    await h.services.presence.setPresence(other.id, 'ws-a', true);
    const online = assertOk(await h.call(me, 'GET', `/api/v1/users/${other.id}/presence`));
    assert.equal(online.online, true);
    await h.services.presence.setPresence(other.id, 'ws-a', false);
    const offline = assertOk(await h.call(me, 'GET', `/api/v1/users/${other.id}/presence`));
    assert.equal(offline.online, false);
    assert.ok(Date.now() - Date.parse(offline.last_seen) < 5_000);
  });

  test('a user blocked by the owner sees neither online nor last seen (addenda E)', async () => {
    const [owner, blocked] = await Promise.all([h.makeUser(), h.makeUser()]);
    await h.services.presence.setPresence(owner.id, 'ws-a', true);
    assertOk(await h.call(owner, 'POST', `/api/v1/users/${blocked.id}/block`));
    assert.deepEqual(assertOk(await h.call(blocked, 'GET', `/api/v1/users/${owner.id}/presence`)), {
      user_id: owner.id,
      online: false,
      last_seen: null,
    });
    // The blocker still sees the blocked user's presence.
    await h.services.presence.setPresence(blocked.id, 'ws-a', true);
    assert.equal(
      assertOk(await h.call(owner, 'GET', `/api/v1/users/${blocked.id}/presence`)).online,
      true,
    );
  });

  test('the owner always sees their own presence', async () => {
    const me = await h.makeUser();
    await h.call(me, 'PUT', '/api/v1/users/me/privacy', { last_seen: 'nobody' });
    await h.services.presence.setPresence(me.id, 'ws-a', true);
    assert.equal(assertOk(await h.call(me, 'GET', `/api/v1/users/${me.id}/presence`)).online, true);
  });

  test('an unknown user is 404 and a malformed id 400', async () => {
    const me = await h.makeUser();
    assertError(
      await h.call(me, 'GET', `/api/v1/users/${randomUUID()}/presence`),
      404,
      'NOT_FOUND',
    );
    const bad = await h.call(me, 'GET', '/api/v1/users/me/presence');
    assertError(bad, 400, 'VALIDATION_ERROR');
    assert.deepEqual(fieldsOf(bad), ['params.id']);
  });
});

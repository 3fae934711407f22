import { test } from 'node:test';
import assert from 'node:assert/strict';
import { testLogger } from '@wa/pkg/testing';
import type { SeenPresence } from '../src/repository/user-remote.ts';
import { createPresenceService, type PresenceDeps } from '../src/service/presence-service.ts';
import { createPresenceVisibility } from '../src/service/presence-visibility.ts';

/** A user-service whose GetPresences hides `hidden` pairs (`viewer>user`) and records each call. */
function fakeUsers(hidden = new Set<string>(), failFor = new Set<string>()) {
  const calls: { viewerId: string; userIds: readonly string[] }[] = [];
  return {
    calls,
    users: {
      async presences(viewerId: string, userIds: readonly string[]): Promise<SeenPresence[]> {
        calls.push({ viewerId, userIds });
        if (failFor.has(viewerId)) throw new Error('user-service unavailable');
        return userIds.map((userId) => ({
          userId,
          visible: !hidden.has(`${viewerId}>${userId}`),
          online: true,
          lastSeen: null,
        }));
      },
    },
  };
}

test('questions of one turn cost one GetPresences per watcher, about every user asked', async () => {
  const fake = fakeUsers(new Set(['w1>b']));
  const visibility = createPresenceVisibility(fake.users);
  const answers = await Promise.all([
    visibility.visible('w1', 'a'),
    visibility.visible('w1', 'b'),
    visibility.visible('w2', 'a'),
    visibility.visible('w1', 'a'),
  ]);
  assert.deepEqual(answers, [true, false, true, true]);
  assert.deepEqual(
    fake.calls.map((call) => [call.viewerId, [...call.userIds]]),
    [
      ['w1', ['a', 'b']],
      ['w2', ['a']],
    ],
  );
});

test('a failed call fails only its own watcher’s questions', async () => {
  const fake = fakeUsers(new Set(), new Set(['w1']));
  const visibility = createPresenceVisibility(fake.users);
  const results = await Promise.allSettled([
    visibility.visible('w1', 'a'),
    visibility.visible('w2', 'a'),
  ]);
  assert.deepEqual(
    results.map((r) => r.status),
    ['rejected', 'fulfilled'],
  );
});

test('two users changing at once cost their common watcher one GetPresences', async () => {
  const fake = fakeUsers(new Set(['w2>b']));
  const presence = createPresenceService({
    users: fake.users as unknown as PresenceDeps['users'],
    js: {} as PresenceDeps['js'],
    store: { addWatcher: async () => {} },
    instanceId: 'test',
    log: testLogger('presence'),
  });
  const [ofA, ofB] = await Promise.all([
    presence.audience('a', ['w1', 'w2']),
    presence.audience('b', ['w1', 'w2']),
  ]);
  assert.deepEqual(ofA, ['w1', 'w2']);
  assert.deepEqual(ofB, ['w1']);
  assert.equal(fake.calls.length, 2, 'one call per watcher, not per watcher and change');
});

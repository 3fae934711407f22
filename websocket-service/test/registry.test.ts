import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRegistry, type LocalConnection } from '../src/service/registry.ts';

const connection = (id: string, userId: string): LocalConnection => ({
  id,
  userId,
  push: () => {},
  drained: async () => true,
});

test('counts each user’s local connections as they come and go', () => {
  const registry = createRegistry();
  const a1 = connection('1', 'a');
  const a2 = connection('2', 'a');
  const b1 = connection('3', 'b');
  assert.deepEqual(registry.add(a1), { before: 0, after: 1 });
  assert.deepEqual(registry.add(a2), { before: 1, after: 2 });
  registry.add(b1);
  assert.deepEqual(registry.counts(), { users: 2, connections: 3 });
  assert.deepEqual([...registry.connectionsOf('a')], [a1, a2]);
  assert.deepEqual(registry.remove(a1), { before: 2, after: 1 });
  assert.deepEqual(registry.remove(a2), { before: 1, after: 0 });
  assert.deepEqual(registry.remove(a2), { before: 0, after: 0 });
  assert.deepEqual(registry.userIds(), ['b']);
  assert.deepEqual(registry.counts(), { users: 1, connections: 1 });
});

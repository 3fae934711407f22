import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { assertError, assertOk, fieldsOf, startUserApp, type Harness } from './helpers.ts';

let h: Harness;
before(async () => {
  h = await startUserApp();
});
after(async () => {
  await h.close();
});

const URL = '/api/v1/users/me/fcm-token';

async function rowsFor(token: string) {
  const { rows } = await h.pool.query<{ user_id: string; platform: string }>(
    'SELECT user_id, platform FROM device_tokens WHERE token = $1',
    [token],
  );
  return rows;
}

test('PUT registers a token; again updates its platform without a second row', async () => {
  const me = await h.makeUser();
  const token = `fcm-${randomUUID()}`;
  assert.deepEqual(assertOk(await h.call(me, 'PUT', URL, { token })), {
    registered: true,
    platform: 'android',
  });
  assertOk(await h.call(me, 'PUT', URL, { token, platform: 'ios' }));
  assert.deepEqual(await rowsFor(token), [{ user_id: me.id, platform: 'ios' }]);
});

test('a token registered by another user moves to the caller, never duplicates', async () => {
  const [first, second] = await Promise.all([h.makeUser(), h.makeUser()]);
  const token = `fcm-${randomUUID()}`;
  assertOk(await h.call(first, 'PUT', URL, { token, platform: 'web' }));
  assertOk(await h.call(second, 'PUT', URL, { token, platform: 'android' }));
  assert.deepEqual(await rowsFor(token), [{ user_id: second.id, platform: 'android' }]);
});

test('DELETE removes the caller’s own token and never another user’s', async () => {
  const [owner, other] = await Promise.all([h.makeUser(), h.makeUser()]);
  const token = `fcm-${randomUUID()}`;
  assertOk(await h.call(owner, 'PUT', URL, { token }));
  assert.deepEqual(assertOk(await h.call(other, 'DELETE', URL, { token })), { deleted: false });
  assert.equal((await rowsFor(token)).length, 1);
  assert.deepEqual(assertOk(await h.call(owner, 'DELETE', URL, { token })), { deleted: true });
  assert.deepEqual(assertOk(await h.call(owner, 'DELETE', URL, { token })), { deleted: false });
  assert.equal((await rowsFor(token)).length, 0);
});

test('a caller whose user row is gone gets 404, not a 500', async () => {
  const ghost = { id: randomUUID(), phone: '+4915100000000', display_name: '' };
  assertError(await h.call(ghost, 'PUT', URL, { token: `fcm-${randomUUID()}` }), 404, 'NOT_FOUND');
});

const badBodies: [string, 'PUT' | 'DELETE', unknown, string][] = [
  ['an unknown platform', 'PUT', { token: 'abc', platform: 'windows' }, 'body.platform'],
  ['a missing token', 'PUT', { platform: 'ios' }, 'body.token'],
  ['an empty token', 'PUT', { token: '' }, 'body.token'],
  ['a token over 4096 characters', 'PUT', { token: 'x'.repeat(4_097) }, 'body.token'],
  ['an unknown field', 'PUT', { token: 'abc', user_id: randomUUID() }, 'body.user_id'],
  ['a missing token', 'DELETE', {}, 'body.token'],
  ['an unknown field', 'DELETE', { token: 'abc', platform: 'ios' }, 'body.platform'],
];
for (const [name, method, body, field] of badBodies) {
  test(`${method} rejects ${name} with 400 naming ${field}`, async () => {
    const me = await h.makeUser();
    const res = await h.call(me, method, URL, body);
    assertError(res, 400, 'VALIDATION_ERROR');
    assert.ok(fieldsOf(res).includes(field), JSON.stringify(res.body.error));
  });
}

test('DELETE without a body is 400', async () => {
  const me = await h.makeUser();
  assertError(await h.call(me, 'DELETE', URL), 400, 'VALIDATION_ERROR');
});

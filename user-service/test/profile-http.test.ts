import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { createStampWriter } from '@wa/pkg/cache';
import type { Queryable } from '@wa/pkg/db';
import { createPrivacyRepository } from '../src/repository/privacy-repository.ts';
import { createUserRepository } from '../src/repository/user-repository.ts';
import { createProfileService } from '../src/service/profile-service.ts';
import { assertError, assertOk, fieldsOf, startUserApp, type Harness } from './helpers.ts';

let h: Harness;
before(async () => {
  h = await startUserApp();
});
after(async () => {
  await h.close();
});

describe('GET /api/v1/users/me', () => {
  test('returns the caller’s own profile in the envelope', async () => {
    const me = await h.makeUser({ display_name: 'Alice' });
    const res = await h.call(me, 'GET', '/api/v1/users/me');
    const data = assertOk(res);
    assert.deepEqual(Object.keys(data).sort(), [
      'avatar_url',
      'created_at',
      'display_name',
      'id',
      'phone',
      'status_text',
    ]);
    assert.equal(data.id, me.id);
    assert.equal(data.phone, me.phone);
    assert.equal(data.display_name, 'Alice');
    assert.equal(data.status_text, 'Hey there! I am using WhatsApp.');
    assert.ok(!Number.isNaN(Date.parse(data.created_at)));
    assert.equal(res.headers['x-request-id'], res.body.meta.request_id);
  });

  test('is 401 without the gateway’s identity header, even with a bad query', async () => {
    assertError(await h.call(undefined, 'GET', '/api/v1/users/me'), 401, 'UNAUTHORIZED');
    assertError(await h.call(undefined, 'GET', '/api/v1/users/me?x=1'), 401, 'UNAUTHORIZED');
    const res = await h.call(undefined, 'GET', '/api/v1/users/me', undefined, {
      'x-user-id': 'not-a-uuid',
    });
    assertError(res, 401, 'UNAUTHORIZED');
  });

  test('is 404 when the caller’s user row does not exist', async () => {
    const ghost = { id: randomUUID(), phone: '+4915100000000', display_name: '' };
    assertError(await h.call(ghost, 'GET', '/api/v1/users/me'), 404, 'NOT_FOUND');
  });

  test('rejects an unknown query parameter with 400', async () => {
    const me = await h.makeUser();
    const res = await h.call(me, 'GET', '/api/v1/users/me?fields=all');
    assertError(res, 400, 'VALIDATION_ERROR');
    assert.deepEqual(fieldsOf(res), ['querystring.fields']);
  });
});

describe('PATCH /api/v1/users/me', () => {
  test('refuses a NUL or a lone surrogate with 400 and keeps the profile', async () => {
    const me = await h.makeUser({ display_name: 'Kept' });
    for (const display_name of ['a\u0000b', 'a\ud800b']) {
      const res = await h.call(me, 'PATCH', '/api/v1/users/me', { display_name });
      assertError(res, 400, 'VALIDATION_ERROR');
    }
    assert.equal(assertOk(await h.call(me, 'GET', '/api/v1/users/me')).display_name, 'Kept');
  });

  test('updates only the fields sent', async () => {
    const me = await h.makeUser({ display_name: 'Before' });
    const first = assertOk(
      await h.call(me, 'PATCH', '/api/v1/users/me', { status_text: 'At the gym' }),
    );
    assert.equal(first.display_name, 'Before');
    assert.equal(first.status_text, 'At the gym');

    const second = assertOk(
      await h.call(me, 'PATCH', '/api/v1/users/me', {
        display_name: 'After',
        avatar_url: 'https://cdn.example.com/a.jpg',
      }),
    );
    assert.equal(second.display_name, 'After');
    assert.equal(second.status_text, 'At the gym');
    assert.equal(second.avatar_url, 'https://cdn.example.com/a.jpg');
    assert.equal(assertOk(await h.call(me, 'GET', '/api/v1/users/me')).display_name, 'After');
  });

  test('an empty avatar_url removes the photo; limits are inclusive', async () => {
    const me = await h.makeUser();
    await h.call(me, 'PATCH', '/api/v1/users/me', { avatar_url: 'http://cdn.example.com/x.png' });
    const data = assertOk(
      await h.call(me, 'PATCH', '/api/v1/users/me', {
        avatar_url: '',
        display_name: 'é'.repeat(64),
        status_text: 's'.repeat(140),
      }),
    );
    assert.equal(data.avatar_url, '');
    assert.equal(data.display_name, 'é'.repeat(64));
    assert.equal(data.status_text.length, 140);
  });

  const badBodies: [string, unknown, string][] = [
    ['an unknown field', { display_name: 'x', phone: '+14155550123' }, 'body.phone'],
    ['a display_name over 64 characters', { display_name: 'x'.repeat(65) }, 'body.display_name'],
    ['a status_text over 140 characters', { status_text: 'x'.repeat(141) }, 'body.status_text'],
    ['a javascript: avatar_url', { avatar_url: 'javascript:alert(1)' }, 'body.avatar_url'],
    ['an ftp avatar_url', { avatar_url: 'ftp://example.com/a.jpg' }, 'body.avatar_url'],
    ['a relative avatar_url', { avatar_url: '/a.jpg' }, 'body.avatar_url'],
    ['a display_name that is not a string', { display_name: 42 }, 'body.display_name'],
    ['a null field', { status_text: null }, 'body.status_text'],
    ['an empty object', {}, 'body'],
    ['an array', [{ display_name: 'x' }], 'body'],
  ];
  for (const [name, body, field] of badBodies) {
    test(`rejects ${name} with 400 naming ${field}`, async () => {
      const me = await h.makeUser({ display_name: 'Unchanged' });
      const res = await h.call(me, 'PATCH', '/api/v1/users/me', body);
      assertError(res, 400, 'VALIDATION_ERROR');
      assert.ok(fieldsOf(res).includes(field), JSON.stringify(res.body.error));
      assert.equal(assertOk(await h.call(me, 'GET', '/api/v1/users/me')).display_name, 'Unchanged');
    });
  }

  test('rejects malformed JSON and a non-JSON body with clear 4xx envelopes', async () => {
    const me = await h.makeUser();
    const broken = await h.call(me, 'PATCH', '/api/v1/users/me', '{"display_name": ');
    assertError(broken, 400, 'VALIDATION_ERROR');
    assert.match(broken.body.error!.message, /not valid JSON/);
    const text = await h.call(me, 'PATCH', '/api/v1/users/me', 'display_name=x', {
      'content-type': 'text/plain',
    });
    assertError(text, 400, 'VALIDATION_ERROR');
    const xml = await h.call(me, 'PATCH', '/api/v1/users/me', '<display_name/>', {
      'content-type': 'application/xml',
    });
    assertError(xml, 415, 'UNSUPPORTED_MEDIA_TYPE');
  });

  test('there is no route to change another user’s profile', async () => {
    const me = await h.makeUser();
    const other = await h.makeUser({ display_name: 'Other' });
    const res = await h.call(me, 'PATCH', `/api/v1/users/${other.id}`, { display_name: 'Hacked' });
    assertError(res, 404, 'NOT_FOUND');
    assert.equal(assertOk(await h.call(other, 'GET', '/api/v1/users/me')).display_name, 'Other');
  });
});

describe('GET /api/v1/users/:id', () => {
  test('returns another user’s public profile without private fields', async () => {
    const me = await h.makeUser();
    const other = await h.makeUser({ display_name: 'Bob' });
    const data = assertOk(await h.call(me, 'GET', `/api/v1/users/${other.id}`));
    assert.deepEqual(data, {
      id: other.id,
      phone: other.phone,
      display_name: 'Bob',
      avatar_url: '',
      status_text: 'Hey there! I am using WhatsApp.',
    });
  });

  test('accepts an upper-case id', async () => {
    const me = await h.makeUser();
    const other = await h.makeUser();
    const data = assertOk(await h.call(me, 'GET', `/api/v1/users/${other.id.toUpperCase()}`));
    assert.equal(data.id, other.id);
  });

  test('is 404 for an unknown user and 400 for a malformed id', async () => {
    const me = await h.makeUser();
    assertError(await h.call(me, 'GET', `/api/v1/users/${randomUUID()}`), 404, 'NOT_FOUND');
    for (const bad of ['123', 'not-a-uuid', `${randomUUID()}x`]) {
      const res = await h.call(me, 'GET', `/api/v1/users/${bad}`);
      assertError(res, 400, 'VALIDATION_ERROR');
      assert.deepEqual(fieldsOf(res), ['params.id']);
    }
  });
});

describe('profiles in a batch (what GetUsers answers)', () => {
  test('a group’s worth of profiles, privacy applied for the viewer, costs one query', async () => {
    const viewer = await h.makeUser();
    const users = await Promise.all(
      Array.from({ length: 256 }, (_, i) => h.makeUser({ display_name: `Batch ${i}` })),
    );
    const hidden = users[7];
    await h.pool.query(
      `UPDATE users SET avatar_url = 'https://cdn.example.com/b.jpg'` +
        ` WHERE id = ANY($1::uuid[])`,
      [[users[0].id, hidden.id]],
    );
    await h.call(hidden, 'PUT', '/api/v1/users/me/privacy', { profile_photo: 'nobody' });

    let queries = 0;
    const counting: Queryable = {
      query: ((...args: Parameters<Queryable['query']>) => {
        queries += 1;
        return h.pool.query(...args);
      }) as Queryable['query'],
    };
    const profiles = createProfileService({
      users: createUserRepository(counting),
      privacy: createPrivacyRepository(counting),
      stamps: createStampWriter(h.redis),
    });
    const ids = [...users.map((u) => u.id)].reverse();
    const found = await profiles.getUsers([...ids, randomUUID()], viewer.id);
    assert.equal(queries, 1);
    assert.deepEqual(
      found.map((p) => p.id),
      ids,
    );
    assert.equal(found.at(-1)?.avatar_url, 'https://cdn.example.com/b.jpg');
    assert.equal(found.find((p) => p.id === hidden.id)?.avatar_url, '');
  });
});

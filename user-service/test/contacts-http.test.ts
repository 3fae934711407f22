import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import type { Queryable } from '@wa/pkg/db';
import { captureEvents } from '@wa/pkg/testing';
import { CONTACT_SYNC_MAX_NUMBERS } from '../src/model/schemas.ts';
import { createContactRepository } from '../src/repository/contact-repository.ts';
import { createUserRepository } from '../src/repository/user-repository.ts';
import { createContactService } from '../src/service/contact-service.ts';
import {
  asCaller,
  assertError,
  assertOk,
  fieldsOf,
  startUserApp,
  type Harness,
  unregisteredPhone,
} from './helpers.ts';

let h: Harness;
before(async () => {
  h = await startUserApp();
});
after(async () => {
  await h.close();
});

const SYNC = '/api/v1/users/contacts/sync';

async function contactIdsOf(ownerId: string): Promise<string[]> {
  const { rows } = await h.pool.query<{ contact_id: string }>(
    'SELECT contact_id FROM contacts WHERE user_id = $1 ORDER BY contact_id',
    [ownerId],
  );
  return rows.map((row) => row.contact_id);
}

/** "+49151xxxxxxxx" written the way an address book might hold it. */
const formatted = (e164: string) => `${e164.slice(0, 3)} ${e164.slice(3, 6)} ${e164.slice(6)}`;
const national = (e164: string) => `0${e164.slice(3)}`;

describe('POST /api/v1/users/contacts/sync', () => {
  test('returns only registered users, records them, and lists malformed numbers', async () => {
    const me = await h.makeUser();
    const [alice, bob] = await Promise.all([
      h.makeUser({ display_name: 'Alice' }),
      h.makeUser({ display_name: 'Bob' }),
    ]);
    const unregistered = unregisteredPhone();
    const res = await h.call(me, 'POST', SYNC, {
      phone_numbers: [
        formatted(alice.phone),
        unregistered,
        'not a number',
        national(bob.phone), // read in the caller's own country (+49)
        alice.phone, // a duplicate
        '+1234',
        me.phone, // the caller is never returned
      ],
    });
    const data = assertOk(res);
    assert.deepEqual(data.registered_users, [
      { phone: alice.phone, user_id: alice.id, display_name: 'Alice', avatar_url: '' },
      { phone: bob.phone, user_id: bob.id, display_name: 'Bob', avatar_url: '' },
    ]);
    assert.deepEqual(data.invalid_numbers, ['not a number', '+1234']);
    assert.deepEqual(await contactIdsOf(me.id), [alice.id, bob.id].sort());
  });

  test('a second sync adds new matches and never duplicates rows', async () => {
    const me = await h.makeUser();
    const [a, b] = await Promise.all([h.makeUser(), h.makeUser()]);
    assertOk(await h.call(me, 'POST', SYNC, { phone_numbers: [a.phone] }));
    assertOk(await h.call(me, 'POST', SYNC, { phone_numbers: [a.phone, b.phone] }));
    assert.deepEqual(await contactIdsOf(me.id), [a.id, b.id].sort());
  });

  test('country_code decides how national numbers are read', async () => {
    const me = await h.makeUser();
    const friend = await h.makeUser();
    const local = national(friend.phone);
    const asUs = assertOk(
      await h.call(me, 'POST', SYNC, { phone_numbers: [local], country_code: '+1' }),
    );
    assert.deepEqual(asUs.registered_users, []);
    const asGerman = assertOk(
      await h.call(me, 'POST', SYNC, { phone_numbers: [local], country_code: '49' }),
    );
    assert.equal(asGerman.registered_users[0].user_id, friend.id);
  });

  test('the avatar in the result follows the matched user’s profile_photo setting', async () => {
    const me = await h.makeUser();
    const shy = await h.makeUser();
    await h.pool.query(
      `UPDATE users SET avatar_url = 'https://cdn.example.com/s.jpg' WHERE id = $1`,
      [shy.id],
    );
    await h.call(shy, 'PUT', '/api/v1/users/me/privacy', { profile_photo: 'contacts' });
    const first = assertOk(await h.call(me, 'POST', SYNC, { phone_numbers: [shy.phone] }));
    assert.equal(first.registered_users[0].avatar_url, '');
    await h.services.contacts.sync(asCaller(shy), { phone_numbers: [me.phone] });
    const second = assertOk(await h.call(me, 'POST', SYNC, { phone_numbers: [shy.phone] }));
    assert.equal(second.registered_users[0].avatar_url, 'https://cdn.example.com/s.jpg');
  });

  test(`takes ${CONTACT_SYNC_MAX_NUMBERS} numbers in one request with two queries in all`, async () => {
    const registered = await Promise.all(Array.from({ length: 20 }, () => h.makeUser()));
    const me = await h.makeUser();
    let queries = 0;
    const counting: Queryable = {
      query: ((...args: Parameters<Queryable['query']>) => {
        queries += 1;
        return h.pool.query(...args);
      }) as Queryable['query'],
    };
    const service = createContactService({
      users: createUserRepository(counting),
      contacts: createContactRepository(counting),
    });
    const numbers = [
      ...registered.map((user) => user.phone),
      ...Array.from({ length: CONTACT_SYNC_MAX_NUMBERS - 20 }, () => unregisteredPhone()),
    ];
    const result = await service.sync(asCaller(me), { phone_numbers: numbers });
    assert.equal(queries, 2);
    assert.equal(result.registered_users.length, 20);
    assert.equal((await contactIdsOf(me.id)).length, 20);

    const viaHttp = await h.call(me, 'POST', SYNC, { phone_numbers: numbers });
    assert.equal(assertOk(viaHttp).registered_users.length, 20);
  });

  test('a list with nothing valid answers 200 with no matches and no query', async () => {
    const me = await h.makeUser();
    const data = assertOk(await h.call(me, 'POST', SYNC, { phone_numbers: ['abc', '12'] }));
    assert.deepEqual(data, { registered_users: [], invalid_numbers: ['abc', '12'] });
  });

  const badBodies: [string, unknown, string][] = [
    ['an empty list', { phone_numbers: [] }, 'body.phone_numbers'],
    [
      `more than ${CONTACT_SYNC_MAX_NUMBERS} numbers`,
      {
        phone_numbers: Array.from({ length: CONTACT_SYNC_MAX_NUMBERS + 1 }, () => '+4915100000000'),
      },
      'body.phone_numbers',
    ],
    ['a missing list', {}, 'body.phone_numbers'],
    ['a list of numbers, not strings', { phone_numbers: [4915100000000] }, 'body.phone_numbers.0'],
    ['an empty string', { phone_numbers: [''] }, 'body.phone_numbers.0'],
    ['a string over 32 characters', { phone_numbers: ['1'.repeat(33)] }, 'body.phone_numbers.0'],
    [
      'a bad country_code',
      { phone_numbers: ['+4915100000000'], country_code: 'DE' },
      'body.country_code',
    ],
    ['an unknown field', { phone_numbers: ['+4915100000000'], replace: true }, 'body.replace'],
  ];
  for (const [name, body, field] of badBodies) {
    test(`rejects ${name} with 400 naming ${field}`, async () => {
      const me = await h.makeUser();
      const res = await h.call(me, 'POST', SYNC, body);
      assertError(res, 400, 'VALIDATION_ERROR');
      assert.ok(fieldsOf(res).includes(field), JSON.stringify(res.body.error));
    });
  }

  test('the over-cap answer says what the cap is', async () => {
    const me = await h.makeUser();
    const res = await h.call(me, 'POST', SYNC, {
      phone_numbers: Array.from({ length: CONTACT_SYNC_MAX_NUMBERS + 1 }, () => '+4915100000000'),
    });
    assert.match(JSON.stringify(res.body.error?.details), /more than 5000 items/);
  });
});

describe('POST/DELETE /api/v1/users/:id/block', () => {
  const blockRows = async (blocker: string, blocked: string) =>
    (
      await h.pool.query(
        'SELECT count(*)::int AS n FROM blocks WHERE blocker_id = $1 AND blocked_id = $2',
        [blocker, blocked],
      )
    ).rows[0].n as number;

  test('block and unblock are idempotent, and each change is announced once', async () => {
    const me = await h.makeUser();
    const other = await h.makeUser();
    const url = `/api/v1/users/${other.id}/block`;
    const events = await captureEvents(h.nc, 'user.>');
    for (let i = 0; i < 2; i++) {
      assert.deepEqual(assertOk(await h.call(me, 'POST', url)), {
        user_id: other.id,
        blocked: true,
      });
    }
    assert.equal(await blockRows(me.id, other.id), 1);
    assert.equal(await h.services.blocks.isBlocked(me.id, other.id), true);
    assert.equal(await h.services.blocks.isBlocked(other.id, me.id), false);
    for (let i = 0; i < 2; i++) {
      assert.deepEqual(assertOk(await h.call(me, 'DELETE', url)), {
        user_id: other.id,
        blocked: false,
      });
    }
    assert.equal(await blockRows(me.id, other.id), 0);
    await events.waitFor('user.unblocked', (e) => e.blocker_id === me.id);
    await h.outbox.flush();
    await events.stop();
    const ours = events.events.filter((e) => e.payload.blocker_id === me.id);
    assert.deepEqual(
      ours.map((e) => [e.subject, e.payload.blocked_id]),
      [
        ['user.blocked', other.id],
        ['user.unblocked', other.id],
      ],
    );
  });

  test('blocking someone outside the address book does not make them a contact', async () => {
    const me = await h.makeUser();
    const other = await h.makeUser();
    assertOk(await h.call(me, 'POST', `/api/v1/users/${other.id}/block`));
    assertOk(await h.call(me, 'DELETE', `/api/v1/users/${other.id}/block`));
    assert.deepEqual(await contactIdsOf(me.id), []);
  });

  test('blocking yourself is 400', async () => {
    const me = await h.makeUser();
    for (const method of ['POST', 'DELETE'] as const) {
      const res = await h.call(me, method, `/api/v1/users/${me.id}/block`);
      assertError(res, 400, 'VALIDATION_ERROR');
      assert.match(res.body.error!.message, /yourself/);
    }
  });

  test('an unknown user is 404 and a malformed id 400', async () => {
    const me = await h.makeUser();
    for (const method of ['POST', 'DELETE'] as const) {
      assertError(
        await h.call(me, method, `/api/v1/users/${randomUUID()}/block`),
        404,
        'NOT_FOUND',
      );
      const bad = await h.call(me, method, '/api/v1/users/12345/block');
      assertError(bad, 400, 'VALIDATION_ERROR');
      assert.deepEqual(fieldsOf(bad), ['params.id']);
    }
  });
});

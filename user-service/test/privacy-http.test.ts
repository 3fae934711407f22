import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { TestUser } from '@wa/pkg/testing';
import { AUDIENCES, type Audience } from '../src/model/schemas.ts';
import {
  asCaller,
  assertError,
  assertOk,
  fieldsOf,
  startUserApp,
  type Harness,
} from './helpers.ts';

let h: Harness;
before(async () => {
  h = await startUserApp();
});
after(async () => {
  await h.close();
});

const DEFAULTS = {
  last_seen: 'everyone',
  profile_photo: 'everyone',
  about: 'everyone',
  read_receipts: true,
};

describe('GET/PUT /api/v1/users/me/privacy', () => {
  test('the first read stores and returns the defaults', async () => {
    const me = await h.makeUser();
    const count = async () =>
      (
        await h.pool.query('SELECT count(*)::int AS n FROM privacy_settings WHERE user_id = $1', [
          me.id,
        ])
      ).rows[0].n as number;
    assert.equal(await count(), 0);
    assert.deepEqual(assertOk(await h.call(me, 'GET', '/api/v1/users/me/privacy')), DEFAULTS);
    assert.equal(await count(), 1);
    assert.deepEqual(assertOk(await h.call(me, 'GET', '/api/v1/users/me/privacy')), DEFAULTS);
  });

  test('concurrent first reads end with one row', async () => {
    const me = await h.makeUser();
    const reads = await Promise.all(
      Array.from({ length: 5 }, () => h.call(me, 'GET', '/api/v1/users/me/privacy')),
    );
    for (const res of reads) assert.deepEqual(assertOk(res), DEFAULTS);
  });

  test('PUT changes only the fields sent, before or after the first read', async () => {
    const me = await h.makeUser();
    const first = assertOk(
      await h.call(me, 'PUT', '/api/v1/users/me/privacy', {
        last_seen: 'contacts',
        read_receipts: false,
      }),
    );
    assert.deepEqual(first, { ...DEFAULTS, last_seen: 'contacts', read_receipts: false });
    const second = assertOk(
      await h.call(me, 'PUT', '/api/v1/users/me/privacy', { profile_photo: 'nobody' }),
    );
    assert.deepEqual(second, {
      last_seen: 'contacts',
      profile_photo: 'nobody',
      about: 'everyone',
      read_receipts: false,
    });
    assert.deepEqual(assertOk(await h.call(me, 'GET', '/api/v1/users/me/privacy')), second);
  });

  const badBodies: [string, unknown, string][] = [
    ['an invalid last_seen', { last_seen: 'friends' }, 'body.last_seen'],
    ['an invalid profile_photo', { profile_photo: 'EVERYONE' }, 'body.profile_photo'],
    ['an invalid about', { about: '' }, 'body.about'],
    ['a non-boolean read_receipts', { read_receipts: 'false' }, 'body.read_receipts'],
    ['an unknown field', { last_seen: 'nobody', online: 'nobody' }, 'body.online'],
    ['an empty object', {}, 'body'],
  ];
  for (const [name, body, field] of badBodies) {
    test(`PUT rejects ${name} with 400 naming ${field}`, async () => {
      const me = await h.makeUser();
      const res = await h.call(me, 'PUT', '/api/v1/users/me/privacy', body);
      assertError(res, 400, 'VALIDATION_ERROR');
      assert.ok(fieldsOf(res).includes(field), JSON.stringify(res.body.error));
      assert.deepEqual(assertOk(await h.call(me, 'GET', '/api/v1/users/me/privacy')), DEFAULTS);
    });
  }

  test('a user changes only their own settings', async () => {
    const me = await h.makeUser();
    const other = await h.makeUser();
    await h.call(me, 'PUT', '/api/v1/users/me/privacy', { about: 'nobody' });
    assert.deepEqual(assertOk(await h.call(other, 'GET', '/api/v1/users/me/privacy')), DEFAULTS);
  });
});

describe('privacy matrix: what a viewer sees of an owner', () => {
  interface Cast {
    owner: TestUser;
    contact: TestUser;
    stranger: TestUser;
    blocked: TestUser;
  }

  /** The owner has a photo, an about text and a last seen; `contact` and `blocked` are in their contacts. */
  async function cast(): Promise<Cast> {
    const [owner, contact, stranger, blocked] = await Promise.all([
      h.makeUser({ display_name: 'Owner' }),
      h.makeUser(),
      h.makeUser(),
      h.makeUser(),
    ]);
    await h.pool.query(
      `UPDATE users SET avatar_url = 'https://cdn.example.com/o.jpg', status_text = 'Owner about',
         last_seen_at = '2026-01-02T03:04:05.000Z' WHERE id = $1`,
      [owner.id],
    );
    await h.services.contacts.sync(asCaller(owner), {
      phone_numbers: [contact.phone, blocked.phone],
    });
    assertOk(await h.call(owner, 'POST', `/api/v1/users/${blocked.id}/block`));
    return { owner, contact, stranger, blocked };
  }

  const viewers = ['owner', 'contact', 'stranger', 'blocked'] as const;
  const visible = (setting: Audience, viewer: (typeof viewers)[number]) =>
    viewer === 'owner' ||
    (viewer !== 'blocked' &&
      (setting === 'everyone' || (setting === 'contacts' && viewer === 'contact')));

  for (const setting of AUDIENCES) {
    test(`profile_photo and about = ${setting}`, async () => {
      const c = await cast();
      await h.call(c.owner, 'PUT', '/api/v1/users/me/privacy', {
        profile_photo: setting,
        about: setting,
      });
      for (const viewer of viewers) {
        const seen = assertOk(await h.call(c[viewer], 'GET', `/api/v1/users/${c.owner.id}`));
        const shown = visible(setting, viewer);
        assert.equal(seen.display_name, 'Owner', viewer);
        assert.equal(seen.avatar_url, shown ? 'https://cdn.example.com/o.jpg' : '', viewer);
        assert.equal(seen.status_text, shown ? 'Owner about' : '', viewer);
      }
    });

    test(`last_seen = ${setting}`, async () => {
      const c = await cast();
      await h.call(c.owner, 'PUT', '/api/v1/users/me/privacy', { last_seen: setting });
      await h.services.presence.setPresence(c.owner.id, 'matrix-instance', true);
      for (const viewer of viewers) {
        const seen = assertOk(
          await h.call(c[viewer], 'GET', `/api/v1/users/${c.owner.id}/presence`),
        );
        const shown = visible(setting, viewer);
        assert.deepEqual(
          seen,
          {
            user_id: c.owner.id,
            online: shown,
            last_seen: shown ? '2026-01-02T03:04:05.000Z' : null,
          },
          viewer,
        );
      }
    });
  }

  test('only the owner’s own contacts list counts: being their contact’s contact does not', async () => {
    const c = await cast();
    await h.call(c.owner, 'PUT', '/api/v1/users/me/privacy', { profile_photo: 'contacts' });
    // The stranger has the owner in *their* contacts; that does not make them the owner's contact.
    await h.services.contacts.sync(asCaller(c.stranger), { phone_numbers: [c.owner.phone] });
    const seen = assertOk(await h.call(c.stranger, 'GET', `/api/v1/users/${c.owner.id}`));
    assert.equal(seen.avatar_url, '');
  });

  test('unblocking restores what the setting allows', async () => {
    const c = await cast();
    await h.call(c.owner, 'PUT', '/api/v1/users/me/privacy', { about: 'contacts' });
    assert.equal(
      assertOk(await h.call(c.blocked, 'GET', `/api/v1/users/${c.owner.id}`)).status_text,
      '',
    );
    assertOk(await h.call(c.owner, 'DELETE', `/api/v1/users/${c.blocked.id}/block`));
    assert.equal(
      assertOk(await h.call(c.blocked, 'GET', `/api/v1/users/${c.owner.id}`)).status_text,
      'Owner about',
    );
  });
});

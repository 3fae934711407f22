import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import type { ChatDetail } from '../src/model/schemas.ts';
import {
  caller,
  createGroup,
  expectError,
  makeUsers,
  startChatApp,
  type ChatHarness,
} from './helpers.ts';

let h: ChatHarness;

before(async () => {
  h = await startChatApp();
});
after(async () => {
  await h?.close();
});

describe('POST /api/v1/chats (direct)', () => {
  test('creates the chat (201) and returns the same chat for the pair afterwards (200)', async () => {
    const [alice, bob] = await makeUsers(h, 2);
    const created = await caller(h, alice).post('/api/v1/chats', {
      type: 'direct',
      participant_id: bob.id,
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    assert.equal(created.body.data.type, 'direct');
    assert.equal(created.body.data.participant.id, bob.id);
    assert.equal(created.body.data.participant.display_name, 'User 1');
    assert.equal(created.body.data.name, null);
    assert.equal(created.body.data.participants.length, 2);

    const again = await caller(h, alice).post('/api/v1/chats', {
      type: 'direct',
      participant_id: bob.id,
    });
    assert.equal(again.status, 200);
    assert.equal(again.body.data.chat_id, created.body.data.chat_id);
    const fromBob = await caller(h, bob).post('/api/v1/chats', {
      type: 'direct',
      participant_id: alice.id.toUpperCase(),
    });
    assert.equal(fromBob.status, 200);
    assert.equal(fromBob.body.data.chat_id, created.body.data.chat_id);
    assert.equal(fromBob.body.data.participant.id, alice.id);
  });

  test('ten simultaneous requests from both sides end in one chat', async () => {
    const [alice, bob] = await makeUsers(h, 2);
    const results = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        i % 2 === 0
          ? caller(h, alice).post('/api/v1/chats', { type: 'direct', participant_id: bob.id })
          : caller(h, bob).post('/api/v1/chats', { type: 'direct', participant_id: alice.id }),
      ),
    );
    assert.deepEqual(
      results.map((r) => r.status).sort(),
      [200, 200, 200, 200, 200, 200, 200, 200, 200, 201],
    );
    assert.equal(new Set(results.map((r) => (r.body.data as ChatDetail).chat_id)).size, 1);
    const { rows } = await h.pool.query(
      'SELECT count(*)::int AS n FROM chat_participants WHERE chat_id = $1',
      [results[0].body.data.chat_id],
    );
    assert.equal(rows[0].n, 2);
  });

  test('refuses a chat with yourself (400) and with an unknown user (404)', async () => {
    const alice = await h.makeUser();
    const self = await caller(h, alice).post('/api/v1/chats', {
      type: 'direct',
      participant_id: alice.id,
    });
    expectError(self, 400, 'VALIDATION_ERROR');
    assert.match(self.body.error!.message, /yourself/);
    const unknown = await caller(h, alice).post('/api/v1/chats', {
      type: 'direct',
      participant_id: randomUUID(),
    });
    expectError(unknown, 404, 'NOT_FOUND');
  });

  test('refuses group fields on a direct chat and a missing participant_id', async () => {
    const [alice, bob] = await makeUsers(h, 2);
    const res = await caller(h, alice).post('/api/v1/chats', {
      type: 'direct',
      participant_id: bob.id,
      name: 'Nope',
    });
    expectError(res, 400, 'VALIDATION_ERROR');
    assert.deepEqual(
      res.body.error!.details!.map((d) => d.field),
      ['body.name'],
    );
    const missing = await caller(h, alice).post('/api/v1/chats', { type: 'direct' });
    expectError(missing, 400, 'VALIDATION_ERROR');
    assert.equal(missing.body.error!.details![0].field, 'body.participant_id');
  });
});

describe('POST /api/v1/chats (group)', () => {
  test('makes the creator admin and everyone else a member', async () => {
    const creator = await h.makeUser({ display_name: 'Alice' });
    const { chat, members } = await createGroup(h, creator, 2, {
      description: 'Weekend plans',
      avatar_url: 'https://cdn.example.com/g.png',
    });
    assert.equal(chat.type, 'group');
    assert.equal(chat.name, 'Family Group');
    assert.equal(chat.description, 'Weekend plans');
    assert.equal(chat.avatar_url, 'https://cdn.example.com/g.png');
    assert.equal(chat.created_by, creator.id);
    assert.equal(chat.participant, null);
    const roles = Object.fromEntries(chat.participants.map((p) => [p.id, p.role]));
    assert.deepEqual(roles, {
      [creator.id]: 'admin',
      [members[0].id]: 'member',
      [members[1].id]: 'member',
    });
    assert.equal(chat.participants.find((p) => p.id === creator.id)?.display_name, 'Alice');
  });

  test('accepts 255 others (256 members) and ignores the creator listed among them', async () => {
    const creator = await h.makeUser();
    const others = await makeUsers(h, 255);
    const res = await caller(h, creator).post('/api/v1/chats', {
      type: 'group',
      name: 'Big',
      participant_ids: [creator.id, ...others.slice(0, 254).map((u) => u.id)],
    });
    assert.equal(res.status, 201, JSON.stringify(res.body.error));
    assert.equal(res.body.data.participants.length, 255);
    const full = await caller(h, creator).post('/api/v1/chats', {
      type: 'group',
      name: 'Full',
      participant_ids: others.map((u) => u.id),
    });
    assert.equal(full.status, 201);
    assert.equal(full.body.data.participants.length, 256);
  });

  test('refuses bad group input with a 400 naming the field', async () => {
    const creator = await h.makeUser();
    const [a, b] = await makeUsers(h, 2);
    const ids = [a.id, b.id];
    const cases: [string, object, string][] = [
      ['empty name', { name: '', participant_ids: ids }, 'body.name'],
      ['blank name', { name: '   ', participant_ids: ids }, 'body.name'],
      ['name of 101 chars', { name: 'x'.repeat(101), participant_ids: ids }, 'body.name'],
      ['missing name', { participant_ids: ids }, 'body.name'],
      [
        'description of 513 chars',
        { name: 'G', description: 'd'.repeat(513), participant_ids: ids },
        'body.description',
      ],
      ['one other member', { name: 'G', participant_ids: [a.id] }, 'body.participant_ids'],
      [
        'only the creator and one other',
        { name: 'G', participant_ids: [a.id, creator.id] },
        'body.participant_ids',
      ],
      [
        '256 others',
        { name: 'G', participant_ids: Array.from({ length: 256 }, () => randomUUID()) },
        'body.participant_ids',
      ],
      ['duplicates', { name: 'G', participant_ids: [a.id, a.id, b.id] }, 'body.participant_ids'],
      ['a bad UUID', { name: 'G', participant_ids: [a.id, 'nope'] }, 'body.participant_ids.1'],
      [
        'a javascript: avatar',
        { name: 'G', participant_ids: ids, avatar_url: 'javascript:x' },
        'body.avatar_url',
      ],
      [
        'participant_id',
        { name: 'G', participant_ids: ids, participant_id: a.id },
        'body.participant_id',
      ],
      ['an unknown field', { name: 'G', participant_ids: ids, colour: 'red' }, 'body.colour'],
    ];
    for (const [label, body, field] of cases) {
      const res = await caller(h, creator).post('/api/v1/chats', { type: 'group', ...body });
      expectError(res, 400, 'VALIDATION_ERROR');
      const fields = (res.body.error!.details ?? []).map((d) => d.field);
      assert.ok(
        fields.some((f) => f === field),
        `${label}: ${JSON.stringify(res.body.error)}`,
      );
    }
  });

  test('refuses unknown members with 404 naming them', async () => {
    const creator = await h.makeUser();
    const known = await h.makeUser();
    const ghost = randomUUID();
    const res = await caller(h, creator).post('/api/v1/chats', {
      type: 'group',
      name: 'G',
      participant_ids: [known.id, ghost],
    });
    expectError(res, 404, 'NOT_FOUND');
    assert.match(JSON.stringify(res.body.error!.details), new RegExp(ghost));
  });

  test('refuses a bad type, malformed JSON and a missing identity', async () => {
    const creator = await h.makeUser();
    expectError(
      await caller(h, creator).post('/api/v1/chats', { type: 'channel' }),
      400,
      'VALIDATION_ERROR',
    );
    expectError(
      await caller(h, creator).raw('POST', '/api/v1/chats', '{"type": "direct",'),
      400,
      'VALIDATION_ERROR',
    );
    const anonymous = await h.app.inject({
      method: 'POST',
      url: '/api/v1/chats',
      payload: { type: 'direct', participant_id: randomUUID() },
    });
    assert.equal(anonymous.statusCode, 401);
  });
});

describe('health (addenda H)', () => {
  test('/health answers; /ready reports PostgreSQL only (the outbox holds events while NATS is down)', async () => {
    const health = await h.app.inject({ method: 'GET', url: '/health' });
    assert.equal(health.statusCode, 200);
    assert.deepEqual(health.json().data, { status: 'ok', service: 'chat-service' });
    const ready = await h.app.inject({ method: 'GET', url: '/ready' });
    assert.equal(ready.statusCode, 200, ready.body);
    assert.deepEqual(ready.json().data, { status: 'ready', checks: { postgres: 'ok' } });
  });
});

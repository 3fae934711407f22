import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { AppError, type ErrorCode } from '@wa/pkg/errors';
import {
  checkRemoval,
  checkRoleChange,
  diffGroupSettings,
  effectiveMute,
  parseCreateChat,
  planAddition,
  planMute,
  requireAdmin,
  requireGroup,
} from '../src/service/chat-rules.ts';

const me = randomUUID();
const ids = (n: number) => Array.from({ length: n }, () => randomUUID());

function fails(code: ErrorCode, run: () => unknown, message?: RegExp) {
  assert.throws(run, (error: unknown) => {
    assert.ok(error instanceof AppError, String(error));
    assert.equal(error.code, code);
    if (message) assert.match(error.message, message);
    return true;
  });
}

describe('parseCreateChat', () => {
  test('a direct chat names the other user', () => {
    const other = randomUUID();
    assert.deepEqual(parseCreateChat({ type: 'direct', participant_id: other }, me), {
      type: 'direct',
      otherUserId: other,
    });
  });

  test('a direct chat refuses yourself, a missing participant and group fields', () => {
    fails('VALIDATION_ERROR', () => parseCreateChat({ type: 'direct', participant_id: me }, me));
    fails('VALIDATION_ERROR', () => parseCreateChat({ type: 'direct' }, me));
    for (const extra of [
      { name: 'x' },
      { description: '' },
      { avatar_url: '' },
      { participant_ids: ids(2) },
    ])
      fails('VALIDATION_ERROR', () =>
        parseCreateChat({ type: 'direct', participant_id: randomUUID(), ...extra }, me),
      );
  });

  test('a group trims its name, defaults description and avatar, and drops the creator', () => {
    const [a, b] = ids(2);
    assert.deepEqual(
      parseCreateChat({ type: 'group', name: '  Team ', participant_ids: [a, me, b] }, me),
      { type: 'group', name: 'Team', description: '', avatarUrl: '', memberIds: [a, b] },
    );
  });

  test('a group needs a name, its participants and two others besides the creator', () => {
    fails('VALIDATION_ERROR', () =>
      parseCreateChat({ type: 'group', participant_ids: ids(2) }, me),
    );
    fails('VALIDATION_ERROR', () => parseCreateChat({ type: 'group', name: 'G' }, me));
    fails(
      'VALIDATION_ERROR',
      () => parseCreateChat({ type: 'group', name: 'G', participant_ids: [me, randomUUID()] }, me),
      /at least 3 members/,
    );
    fails('VALIDATION_ERROR', () =>
      parseCreateChat(
        { type: 'group', name: 'G', participant_ids: ids(2), participant_id: randomUUID() },
        me,
      ),
    );
  });
});

describe('mute', () => {
  const now = new Date('2025-06-01T12:00:00.000Z');

  test('effectiveMute ends a mute whose time has come', () => {
    assert.deepEqual(effectiveMute(false, null, now), { isMuted: false, muteUntil: null });
    assert.deepEqual(effectiveMute(true, null, now), { isMuted: true, muteUntil: null });
    const later = new Date('2025-06-01T13:00:00.000Z');
    assert.deepEqual(effectiveMute(true, later, now), { isMuted: true, muteUntil: later });
    assert.deepEqual(effectiveMute(true, now, now), { isMuted: false, muteUntil: null });
    assert.deepEqual(effectiveMute(false, later, now), { isMuted: false, muteUntil: null });
  });

  test('planMute accepts indefinite and future mutes and unmuting', () => {
    assert.deepEqual(planMute({ is_muted: true }, now), { isMuted: true, muteUntil: null });
    assert.deepEqual(planMute({ is_muted: true, mute_until: null }, now), {
      isMuted: true,
      muteUntil: null,
    });
    assert.deepEqual(planMute({ is_muted: true, mute_until: '2025-06-02T00:00:00Z' }, now), {
      isMuted: true,
      muteUntil: new Date('2025-06-02T00:00:00Z'),
    });
    assert.deepEqual(planMute({ is_muted: false, mute_until: null }, now), {
      isMuted: false,
      muteUntil: null,
    });
  });

  test('planMute refuses a past mute_until and mute_until when unmuting', () => {
    fails('VALIDATION_ERROR', () =>
      planMute({ is_muted: true, mute_until: '2025-06-01T12:00:00.000Z' }, now),
    );
    fails('VALIDATION_ERROR', () =>
      planMute({ is_muted: false, mute_until: '2030-01-01T00:00:00Z' }, now),
    );
  });
});

describe('group rules', () => {
  test('requireGroup refuses a direct chat with 409; requireAdmin refuses a member with 403', () => {
    fails('CONFLICT', () => requireGroup('direct', 'adding members'));
    assert.doesNotThrow(() => requireGroup('group', 'adding members'));
    fails('FORBIDDEN', () => requireAdmin('member', 'add members'));
    assert.doesNotThrow(() => requireAdmin('admin', 'add members'));
  });

  test('planAddition skips members and repeats, and never passes 256', () => {
    const current = ids(3);
    const [x, y] = ids(2);
    assert.deepEqual(planAddition(current, [x, current[0], x, y]), {
      add: [x, y],
      participantCount: 5,
    });
    assert.deepEqual(planAddition(current, [current[1]]), { add: [], participantCount: 3 });
    const full = ids(255);
    assert.equal(planAddition(full, ids(1)).participantCount, 256);
    fails('CONFLICT', () => planAddition(full, ids(2)), /256/);
    fails('CONFLICT', () => planAddition([...full, randomUUID()], ids(1)));
    // Already-members do not count against the limit.
    assert.equal(planAddition([...full, x], [x]).participantCount, 256);
  });

  test('checkRemoval: anyone leaves, admins remove others, the last admin stays', () => {
    const [a, b] = ids(2);
    const base = { callerId: a, targetId: b, adminCount: 1 };
    assert.deepEqual(checkRemoval({ ...base, callerRole: 'admin', targetRole: 'member' }), {
      leaving: false,
    });
    fails('FORBIDDEN', () => checkRemoval({ ...base, callerRole: 'member', targetRole: 'member' }));
    fails('FORBIDDEN', () => checkRemoval({ ...base, callerRole: 'member', targetRole: 'admin' }));
    assert.deepEqual(
      checkRemoval({ ...base, targetId: a, callerRole: 'member', targetRole: 'member' }),
      { leaving: true },
    );
    fails('CONFLICT', () =>
      checkRemoval({ ...base, targetId: a, callerRole: 'admin', targetRole: 'admin' }),
    );
    assert.deepEqual(
      checkRemoval({
        ...base,
        targetId: a,
        callerRole: 'admin',
        targetRole: 'admin',
        adminCount: 2,
      }),
      { leaving: true },
    );
    assert.deepEqual(
      checkRemoval({ ...base, callerRole: 'admin', targetRole: 'admin', adminCount: 2 }),
      { leaving: false },
    );
  });

  test('checkRoleChange: no-op for the same role, never demotes the last admin', () => {
    assert.equal(checkRoleChange('member', 'admin', 1), true);
    assert.equal(checkRoleChange('admin', 'admin', 1), false);
    assert.equal(checkRoleChange('member', 'member', 1), false);
    assert.equal(checkRoleChange('admin', 'member', 2), true);
    fails('CONFLICT', () => checkRoleChange('admin', 'member', 1), /last admin/);
  });

  test('diffGroupSettings keeps only real changes', () => {
    const current = { name: 'Team', description: '', avatar_url: '', is_admin_only: false };
    assert.deepEqual(diffGroupSettings(current, { name: ' Team ', is_admin_only: false }), {});
    assert.deepEqual(
      diffGroupSettings(current, { name: 'New', description: 'd', is_admin_only: true }),
      { name: 'New', description: 'd', is_admin_only: true },
    );
    assert.deepEqual(
      diffGroupSettings({ ...current, avatar_url: 'https://x/y.png' }, { avatar_url: '' }),
      { avatar_url: '' },
    );
  });
});

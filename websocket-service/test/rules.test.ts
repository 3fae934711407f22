import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  exceedsSendBuffer,
  isIdle,
  messageMarks,
  presenceAnnouncement,
  presenceTransition,
  rateDecision,
  replayContinues,
} from '../src/service/rules.ts';

describe('presenceTransition', () => {
  for (const [before, after, expected] of [
    [0, 1, 'online'],
    [1, 2, 'none'],
    [2, 1, 'none'],
    [1, 0, 'offline'],
    [0, 0, 'none'],
  ] as const) {
    test(`${before} → ${after} local connections is ${expected}`, () => {
      assert.equal(presenceTransition(before, after), expected);
    });
  }
});

describe('presenceAnnouncement', () => {
  test('online is always announced', () => {
    assert.deepEqual(presenceAnnouncement('online', { online: true, lastSeenMs: 0 }), {
      status: 'online',
      last_seen: null,
    });
  });
  test('offline is announced with last_seen when no instance holds the user any more', () => {
    assert.deepEqual(
      presenceAnnouncement('offline', { online: false, lastSeenMs: Date.UTC(2025, 0, 1) }),
      {
        status: 'offline',
        last_seen: '2025-01-01T00:00:00.000Z',
      },
    );
  });
  test('offline here but online on another instance is not announced', () => {
    assert.equal(presenceAnnouncement('offline', { online: true, lastSeenMs: 0 }), null);
  });
  test('nothing is announced without a transition', () => {
    assert.equal(presenceAnnouncement('none', { online: false, lastSeenMs: 5 }), null);
  });
});

describe('rateDecision', () => {
  test('allows up to the limit', () => {
    assert.deepEqual(rateDecision(30, 30, 4_000), { allowed: true, retryAfterSeconds: 0 });
  });
  test('refuses past the limit with the seconds left in the window', () => {
    assert.deepEqual(rateDecision(31, 30, 4_200), { allowed: false, retryAfterSeconds: 5 });
  });
  test('retry-after is at least one second', () => {
    assert.deepEqual(rateDecision(31, 30, -1), { allowed: false, retryAfterSeconds: 1 });
  });
});

describe('exceedsSendBuffer', () => {
  test('a frame that fits under the cap is queued', () =>
    assert.equal(exceedsSendBuffer(900, 100, 1_000), false));
  test('a frame that would pass the cap drops the socket', () =>
    assert.equal(exceedsSendBuffer(901, 100, 1_000), true));
});

describe('isIdle', () => {
  test('silent for exactly the timeout is still alive', () =>
    assert.equal(isIdle(0, 60_000, 60_000), false));
  test('silent for longer is idle', () => assert.equal(isIdle(0, 60_001, 60_000), true));
});

describe('replayContinues', () => {
  test('continues after a page with a cursor', () => assert.equal(replayContinues(100, 'c'), true));
  test('stops without a cursor', () => assert.equal(replayContinues(100, ''), false));
  test('stops after an empty page', () => assert.equal(replayContinues(0, 'c'), false));
});

describe('messageMarks', () => {
  test('each mark only when it applies', () => {
    const original = '0b6f8a52-8d0e-4c1b-9a55-3f1c2d4e5f60';
    assert.deepEqual(messageMarks(original, false), { reply_to_message_id: original });
    assert.deepEqual(messageMarks(null, true), { forwarded: true });
    assert.deepEqual(messageMarks(original, true), {
      reply_to_message_id: original,
      forwarded: true,
    });
    for (const none of [null, undefined, '']) assert.deepEqual(messageMarks(none, undefined), {});
  });
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  DEFAULT_POLICY,
  FRESH_LIVENESS,
  describeExit,
  formatDelay,
  judgeProbe,
  planRestart,
  type LivenessState,
  type ProbeOutcome,
} from '../supervisor/policy.ts';

const backoff = DEFAULT_POLICY.backoff;
const liveness = DEFAULT_POLICY.liveness;
const ok: ProbeOutcome = { ok: true };
const fail: ProbeOutcome = { ok: false, reason: 'HTTP 503' };

test('quick exits in a row double the delay from 0.5 s up to 30 s', () => {
  const delays: number[] = [];
  let streak = 0;
  for (let exit = 0; exit < 10; exit++) {
    const plan = planRestart(backoff, streak, 1_000);
    delays.push(plan.delayMs);
    streak = plan.crashStreak;
  }
  assert.deepEqual(
    delays,
    [500, 1_000, 2_000, 4_000, 8_000, 16_000, 30_000, 30_000, 30_000, 30_000],
  );
});

test('a run that lasted resetAfterMs starts the backoff over', () => {
  assert.deepEqual(planRestart(backoff, 6, backoff.resetAfterMs), { delayMs: 500, crashStreak: 1 });
  assert.deepEqual(planRestart(backoff, 6, backoff.resetAfterMs - 1), {
    delayMs: 30_000,
    crashStreak: 7,
  });
});

test('the delay stays at the cap however long the streak', () => {
  assert.equal(planRestart(backoff, 5_000, 0).delayMs, 30_000);
});

function run(outcomes: ProbeOutcome[], from: LivenessState = FRESH_LIVENESS) {
  let state = from;
  return outcomes.map((outcome) => {
    const judged = judgeProbe(liveness, state, outcome);
    state = judged.state;
    return judged.verdict;
  });
}

test('failures before the first healthy answer are start-up, never a kill', () => {
  assert.deepEqual(run([fail, fail, fail, fail, fail, ok]), [
    'starting',
    'starting',
    'starting',
    'starting',
    'starting',
    'became-healthy',
  ]);
});

test('three failures in a row after being healthy kill the service', () => {
  assert.deepEqual(run([ok, ok, fail, fail, fail]), [
    'became-healthy',
    'healthy',
    'failing',
    'failing',
    'dead',
  ]);
});

test('an answer between failures starts the count over', () => {
  assert.deepEqual(run([ok, fail, fail, ok, fail, fail, fail]), [
    'became-healthy',
    'failing',
    'failing',
    'recovered',
    'failing',
    'failing',
    'dead',
  ]);
});

test('log lines say delays in seconds and how a process ended', () => {
  assert.equal(formatDelay(500), '0.5 s');
  assert.equal(formatDelay(1_000), '1 s');
  assert.equal(formatDelay(30_000), '30 s');
  assert.equal(describeExit(null, 'SIGKILL'), 'signal SIGKILL');
  assert.equal(describeExit(1, null), 'code 1');
});

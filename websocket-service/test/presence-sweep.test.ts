import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { TestSocket, startUserLink, startWsTestStack, type WsTestStack } from './helpers.ts';

/*
 * A websocket-service instance that dies without reporting its users: once their presence lapses
 * (the user-service's TTL, 3 s here, with a 0.5 s heartbeat so live users never lapse), a
 * surviving instance's sweep announces them offline with their last seen. The doomed instance
 * reaches the user-service through a link of its own; cutting it is the crash: from then on no
 * refresh and no offline report of that instance arrives, as when its process is killed.
 */
const TTL_MS = 3_000;
const timings = {
  WS_HEARTBEAT_MS: '500',
  WS_PRESENCE_SWEEP_MS: '300',
  GRPC_CLIENT_TIMEOUT_MS: '500',
};
let stack: WsTestStack;
const sockets: TestSocket[] = [];

before(async () => {
  stack = await startWsTestStack({ presence: { presenceTtlMs: TTL_MS } });
});

after(async () => {
  for (const socket of sockets) socket.ws.terminate();
  await stack?.stop();
});

async function open(url: string): Promise<TestSocket> {
  const socket = await TestSocket.open(url);
  sockets.push(socket);
  await socket.request('ping', {});
  return socket;
}

test('users of a crashed instance are announced offline once their presence lapses', async (t) => {
  const [watcher, watched] = await Promise.all([stack.login(), stack.login()]);
  const survivor = await stack.startWs({ env: timings });
  const link = await startUserLink(stack);
  t.after(() => link.close());
  const doomed = await stack.startWs({ env: timings, userAddress: link.address });
  const watcherSocket = await open(survivor.url(watcher.token));
  assert.equal(
    (await watcherSocket.request('presence.subscribe', { user_ids: [watched.id] })).event,
    'ack',
  );
  await open(doomed.url(watched.token));
  await watcherSocket.waitFor(
    (f) => f.event === 'presence' && (f.data as { online: boolean }).online,
  );

  const killedAt = Date.now();
  await link.stop();
  await doomed.stop();
  const offline = await watcherSocket.waitFor(
    (f) =>
      f.event === 'presence' &&
      !(f.data as { online: boolean }).online &&
      (f.data as { last_seen: string | null }).last_seen !== null,
    TTL_MS + 10_000,
  );
  const lastSeen = Date.parse((offline.data as { last_seen: string }).last_seen);
  // The lapse is a TTL after the last refresh, which came at most a heartbeat (or, on a loaded
  // machine, a few) before the crash.
  assert.ok(
    lastSeen > killedAt + TTL_MS / 2 && lastSeen <= killedAt + TTL_MS + 1_000,
    String(lastSeen - killedAt),
  );
  // The user-service stored the same last seen it handed to the sweep.
  assert.equal(stack.users.isOnline(watched.id), false);
  assert.equal(stack.users.user(watched.id).lastSeenAt?.getTime(), lastSeen);
  // One lapse, one last seen: the bus delivers at least once, so a copy of the same frame may
  // arrive under load, never a second, different announcement. The user's presence changes are
  // fanned out in order, so once they are back online, any later announcement would be here.
  await open(survivor.url(watched.token));
  const online = await watcherSocket.waitFor(
    (f) =>
      f.event === 'presence' &&
      (f.data as { online: boolean }).online &&
      watcherSocket.frames.indexOf(f) > watcherSocket.frames.indexOf(offline),
    // The dead instance may still have held the event: redelivered after the 10 s ack wait.
    25_000,
  );
  const announced = watcherSocket.frames
    .slice(0, watcherSocket.frames.indexOf(online))
    .filter(
      (f) => f.event === 'presence' && (f.data as { last_seen: string | null }).last_seen !== null,
    )
    .map((f) => JSON.stringify(f.data));
  assert.deepEqual([...new Set(announced)], [JSON.stringify(offline.data)]);
});

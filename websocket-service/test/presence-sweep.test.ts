import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startStack, type Stack } from '@wa/pkg/testing';
import { TestSocket } from './helpers.ts';

/*
 * A websocket-service instance that dies without reporting its users: once their presence lapses
 * (the user-service's TTL, 10 s here, with a 1 s heartbeat so live users never lapse), a surviving
 * instance's sweep announces them offline with their last seen. The stack has a Redis of its own:
 * on a shared one, another stack's sweep could take the lapsed user, record the last seen in its
 * own database and announce it on the shared bus, and this stack's user-service would answer
 * `last_seen: null`.
 */
let stack: Stack;
const sockets: TestSocket[] = [];

before(async () => {
  stack = await startStack({
    services: ['user-service', 'chat-service', 'websocket-service'],
    env: {
      'user-service': { PRESENCE_TTL_SECONDS: '10' },
      'websocket-service': { WS_HEARTBEAT_MS: '1000', WS_PRESENCE_SWEEP_MS: '300' },
    },
  });
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

test('users of a crashed instance are announced offline once their presence lapses', async () => {
  const [watcher, watched] = await Promise.all([stack.login(), stack.login()]);
  const survivor = stack.websockets[0];
  const doomed = await stack.startWebsocket();
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
  doomed.service.process.kill('SIGKILL');
  const offline = await watcherSocket.waitFor(
    (f) =>
      f.event === 'presence' &&
      !(f.data as { online: boolean }).online &&
      (f.data as { last_seen: string | null }).last_seen !== null,
    25_000,
  );
  const lastSeen = Date.parse((offline.data as { last_seen: string }).last_seen);
  // The lapse is a TTL after the last refresh, which came at most a heartbeat (or, on a loaded
  // machine, a few) before the kill.
  assert.ok(
    lastSeen > killedAt + 5_000 && lastSeen <= killedAt + 11_000,
    String(lastSeen - killedAt),
  );
  const profile = await fetch(`${stack.gateway}/api/v1/users/${watched.id}/presence`, {
    headers: { authorization: `Bearer ${watcher.token}` },
  });
  const body = (await profile.json()) as { data: { online: boolean; last_seen: string } };
  assert.equal(body.data.online, false);
  assert.equal(Date.parse(body.data.last_seen), lastSeen);
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

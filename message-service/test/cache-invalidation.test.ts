import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { Code, ConnectError } from '@connectrpc/connect';
import { MessageService, createGrpcClient, type Client } from '@wa/pkg/grpc';
import { eventually, startRedisServer, using } from '@wa/pkg/testing';
import {
  startMessageApp,
  startNeighbours,
  type MessageHarness,
  type Neighbours,
} from './helpers.ts';

/*
 * Two message-service instances with warm caches (a 30 s TTL, far longer than these tests wait).
 * The user- and chat-service are fakes both instances share; a change made there renews its stamp
 * before it is acknowledged and is published on NATS after the commit, as the real services do.
 * A change must hold on every instance for the very next request, before any event arrives; the
 * events still drop entries when a change could not renew its stamp.
 */

let neighbours: Neighbours;
const instances: MessageHarness[] = [];
let clients: Client<typeof MessageService>[] = [];

before(async () => {
  neighbours = await startNeighbours();
  for (let i = 0; i < 2; i++) instances.push(await startMessageApp({ neighbours }));
  clients = instances.map((h) =>
    createGrpcClient(MessageService, { address: h.grpcAddress, timeoutMs: 5_000 }),
  );
});
after(async () => {
  for (const h of instances) await h.close();
  await neighbours?.close();
});

const send = (client: Client<typeof MessageService>, chatId: string, senderId: string) =>
  client.sendMessage({
    chatId,
    senderId,
    type: 'text',
    payload: new TextEncoder().encode(JSON.stringify({ body: 'hi' })),
    clientMsgId: randomUUID(),
  });

async function outcome(
  client: Client<typeof MessageService>,
  chatId: string,
  senderId: string,
): Promise<'sent' | Code> {
  try {
    await send(client, chatId, senderId);
    return 'sent';
  } catch (error) {
    return ConnectError.from(error).code;
  }
}

/** What every instance answers now, one send each. */
const atOnce = (chatId: string, senderId: string) =>
  Promise.all(clients.map((c) => outcome(c, chatId, senderId)));

/** What every instance answers, once all agree on `want` (throws what they answered at the deadline). */
const everyInstance = (chatId: string, senderId: string, want: 'sent' | Code) =>
  eventually(
    async () => {
      const answers = await atOnce(chatId, senderId);
      assert.deepEqual(
        answers,
        clients.map(() => want),
      );
      return answers;
    },
    { timeoutMs: 5_000, intervalMs: 50 },
  );

const refused = [Code.PermissionDenied, Code.PermissionDenied];

test('a block and an unblock hold on every instance for the very next send, before any event', async () => {
  const [alice, bob] = neighbours.makeUsers(2);
  const chat = neighbours.makeDirectChat(alice.id, bob.id);
  assert.deepEqual(await atOnce(chat.id, alice.id), ['sent', 'sent']);

  await instances[0].setBlocked(bob.id, alice.id, true, { announce: false });
  assert.deepEqual(await atOnce(chat.id, alice.id), refused);

  await instances[0].setBlocked(bob.id, alice.id, false, { announce: false });
  assert.deepEqual(await atOnce(chat.id, alice.id), ['sent', 'sent']);
});

test('a member removed from a group is refused by every instance on the very next send', async () => {
  const [admin, bob, carol] = neighbours.makeUsers(3);
  const group = neighbours.makeGroupChat({
    createdBy: admin.id,
    memberIds: [bob.id, carol.id],
  });
  assert.deepEqual(await atOnce(group.id, carol.id), ['sent', 'sent']);

  await instances[0].removeMember(group.id, carol.id, admin.id, { announce: false });
  assert.deepEqual(await atOnce(group.id, carol.id), refused);
});

test('without a renewed stamp, the events still drop the cached answers on every instance', async () => {
  const [alice, bob] = neighbours.makeUsers(2);
  const chat = neighbours.makeDirectChat(alice.id, bob.id);
  assert.deepEqual(await atOnce(chat.id, alice.id), ['sent', 'sent']);
  await instances[0].setBlocked(bob.id, alice.id, true, { renew: false });
  assert.deepEqual(await everyInstance(chat.id, alice.id, Code.PermissionDenied), refused);

  const [admin, carol] = neighbours.makeUsers(2);
  const group = neighbours.makeGroupChat({ createdBy: admin.id, memberIds: [bob.id, carol.id] });
  assert.deepEqual(await atOnce(group.id, carol.id), ['sent', 'sent']);
  await instances[0].removeMember(group.id, carol.id, admin.id, { renew: false });
  assert.deepEqual(await everyInstance(group.id, carol.id, Code.PermissionDenied), refused);
});

test('while Redis cannot answer, every send asks the chat- and user-service', async (t) => {
  const redis = using(t, await startRedisServer(), (server) => server.stop());
  const h = using(t, await startMessageApp({ neighbours, redisUrl: redis.url }));
  const client = createGrpcClient(MessageService, { address: h.grpcAddress, timeoutMs: 5_000 });
  const [alice, bob, carol] = neighbours.makeUsers(3);
  const chat = neighbours.makeDirectChat(alice.id, bob.id);
  const group = neighbours.makeGroupChat({ createdBy: alice.id, memberIds: [bob.id, carol.id] });
  assert.equal(await outcome(client, chat.id, alice.id), 'sent');
  assert.equal(await outcome(client, group.id, carol.id), 'sent');

  await redis.stop();
  // Changes whose renewal this instance cannot see, and whose events have not come.
  neighbours.users.block(bob.id, alice.id);
  neighbours.chats.removeParticipant(group.id, carol.id);
  assert.equal(await outcome(client, chat.id, alice.id), Code.PermissionDenied);
  assert.equal(await outcome(client, group.id, carol.id), Code.PermissionDenied);
  neighbours.users.unblock(bob.id, alice.id);
  assert.equal(await outcome(client, chat.id, alice.id), 'sent');
});

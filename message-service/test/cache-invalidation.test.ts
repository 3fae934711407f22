import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { Code, ConnectError } from '@connectrpc/connect';
import { MessageService, createGrpcClient, type Client } from '@wa/pkg/grpc';
import { eventually } from '@wa/pkg/testing';
import {
  startMessageApp,
  startNeighbours,
  type MessageHarness,
  type Neighbours,
} from './helpers.ts';

/*
 * Two message-service instances with warm caches (a 30 s TTL, far longer than these tests wait):
 * a block or a removal must be enforced by both at once, through the events every instance
 * watches. The user- and chat-service are fakes both instances share; a change made there is
 * published on NATS as the real service publishes it (through its outbox, after the commit).
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

/** What every instance answers, once all agree on `want` (throws what they answered at the deadline). */
const everyInstance = (chatId: string, senderId: string, want: 'sent' | Code) =>
  eventually(
    async () => {
      const answers = await Promise.all(clients.map((c) => outcome(c, chatId, senderId)));
      assert.deepEqual(
        answers,
        clients.map(() => want),
      );
      return answers;
    },
    { timeoutMs: 5_000, intervalMs: 50 },
  );

test('a block and an unblock are enforced by every instance at once', async () => {
  const [alice, bob] = neighbours.makeUsers(2);
  const chat = neighbours.makeDirectChat(alice.id, bob.id);
  assert.deepEqual(await everyInstance(chat.id, alice.id, 'sent'), ['sent', 'sent']);

  await instances[0].setBlocked(bob.id, alice.id, true);
  assert.deepEqual(await everyInstance(chat.id, alice.id, Code.PermissionDenied), [
    Code.PermissionDenied,
    Code.PermissionDenied,
  ]);

  await instances[0].setBlocked(bob.id, alice.id, false);
  assert.deepEqual(await everyInstance(chat.id, alice.id, 'sent'), ['sent', 'sent']);
});

test('a member removed from a group is refused by every instance at once', async () => {
  const [admin, bob, carol] = neighbours.makeUsers(3);
  const group = neighbours.makeGroupChat({
    createdBy: admin.id,
    memberIds: [bob.id, carol.id],
  });
  assert.deepEqual(await everyInstance(group.id, carol.id, 'sent'), ['sent', 'sent']);

  await instances[0].removeMember(group.id, carol.id, admin.id);
  assert.deepEqual(await everyInstance(group.id, carol.id, Code.PermissionDenied), [
    Code.PermissionDenied,
    Code.PermissionDenied,
  ]);
});

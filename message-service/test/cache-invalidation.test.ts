import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { Code, ConnectError } from '@connectrpc/connect';
import { MessageService, createGrpcClient, type Client } from '@wa/pkg/grpc';
import { eventually, makeDirectChat, makeGroupChat } from '@wa/pkg/testing';
import {
  makeUsers,
  startDependencies,
  startMessageApp,
  type Dependencies,
  type MessageHarness,
} from './helpers.ts';

/*
 * Two message-service instances with warm caches (a 30 s TTL, far longer than these tests wait):
 * a block or a removal made through the real user- and chat-service must be enforced by both
 * at once, through the events every instance watches.
 */

let deps: Dependencies;
const instances: MessageHarness[] = [];
let clients: Client<typeof MessageService>[] = [];

before(async () => {
  deps = await startDependencies();
  for (let i = 0; i < 2; i++) instances.push(await startMessageApp({ deps }));
  clients = instances.map((h) =>
    createGrpcClient(MessageService, { address: h.grpcAddress, timeoutMs: 5_000 }),
  );
});
after(async () => {
  for (const h of instances) await h.close();
  await deps?.stop();
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

async function asUser(userId: string, method: string, url: string) {
  const response = await fetch(url, { method, headers: { 'x-user-id': userId } });
  assert.equal(response.status, 200, await response.text());
}

test('a block and an unblock are enforced by every instance at once', async () => {
  const [alice, bob] = await makeUsers(instances[0].pool, 2);
  const chat = await makeDirectChat(instances[0].pool, alice.id, bob.id);
  assert.deepEqual(await everyInstance(chat.id, alice.id, 'sent'), ['sent', 'sent']);

  await asUser(bob.id, 'POST', `${deps.userHttp}/api/v1/users/${alice.id}/block`);
  assert.deepEqual(await everyInstance(chat.id, alice.id, Code.PermissionDenied), [
    Code.PermissionDenied,
    Code.PermissionDenied,
  ]);

  await asUser(bob.id, 'DELETE', `${deps.userHttp}/api/v1/users/${alice.id}/block`);
  assert.deepEqual(await everyInstance(chat.id, alice.id, 'sent'), ['sent', 'sent']);
});

test('a member removed from a group is refused by every instance at once', async () => {
  const [admin, bob, carol] = await makeUsers(instances[0].pool, 3);
  const group = await makeGroupChat(instances[0].pool, {
    createdBy: admin.id,
    memberIds: [bob.id, carol.id],
  });
  assert.deepEqual(await everyInstance(group.id, carol.id, 'sent'), ['sent', 'sent']);

  await asUser(
    admin.id,
    'DELETE',
    `${deps.chatHttp}/api/v1/chats/${group.id}/participants/${carol.id}`,
  );
  assert.deepEqual(await everyInstance(group.id, carol.id, Code.PermissionDenied), [
    Code.PermissionDenied,
    Code.PermissionDenied,
  ]);
});

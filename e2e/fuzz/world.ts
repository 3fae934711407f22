import { randomUUID } from 'node:crypto';
import type { Stack, StackSession } from '@wa/pkg/testing';
import { callJson, getJson } from './client.ts';

/**
 * What the fuzz pass aims at: a caller with a direct chat and a group, messages in both, and a
 * stranger to block. Ids of these records are drawn often, so fuzzed bodies reach the rules and
 * the stores rather than stopping at the 404 of an unknown id.
 */
export interface FuzzWorld {
  caller: StackSession;
  friend: StackSession;
  member: StackSession;
  stranger: StackSession;
  directChatId: string;
  groupChatId: string;
  /** The caller's and the friend's in the direct chat, the caller's in the group. */
  messageIds: string[];
  /** More of the caller's, for the routes that delete: the others keep messageIds to work on. */
  deletableIds: string[];
}

interface ChatData {
  chat_id: string;
}
interface SentData {
  message: { message_id: string };
}

export async function createWorld(stack: Stack): Promise<FuzzWorld> {
  const [caller, friend, member, stranger] = await Promise.all([
    stack.login(),
    stack.login(),
    stack.login(),
    stack.login(),
  ]);
  const g = stack.gateway;
  const direct = (await callJson(g, 'POST', '/api/v1/chats', caller.token, {
    type: 'direct',
    participant_id: friend.id,
  })) as ChatData;
  const group = (await callJson(g, 'POST', '/api/v1/chats', caller.token, {
    type: 'group',
    name: 'Fuzz',
    participant_ids: [friend.id, member.id],
  })) as ChatData;
  const sendSeed = async (session: StackSession, chatId: string) => {
    const sent = (await callJson(g, 'POST', `/api/v1/chats/${chatId}/messages`, session.token, {
      client_msg_id: randomUUID(),
      type: 'text',
      payload: { body: 'seed' },
    })) as SentData;
    return sent.message.message_id;
  };
  const messageIds = [
    await sendSeed(caller, direct.chat_id),
    await sendSeed(friend, direct.chat_id),
    await sendSeed(caller, group.chat_id),
  ];
  const deletableIds = [
    await sendSeed(caller, direct.chat_id),
    await sendSeed(caller, group.chat_id),
  ];
  return {
    caller,
    friend,
    member,
    stranger,
    directChatId: direct.chat_id,
    groupChatId: group.chat_id,
    messageIds,
    deletableIds,
  };
}

/** Which records a route may change: read before and after each rejected input. */
export type SnapshotKind = 'profile' | 'chats' | 'messages' | 'none';

/** Fields that change with other routes' accepted writes (a message sent updates a chat's activity). */
const withoutActivity = (chat: Record<string, unknown>) => {
  const copy = { ...chat };
  delete copy.last_message;
  delete copy.unread_count;
  delete copy.updated_at;
  return copy;
};

/** The caller's view of the records `kind` covers, as comparable JSON. */
export async function snapshot(
  origin: string,
  world: FuzzWorld,
  kind: SnapshotKind,
): Promise<string> {
  const token = world.caller.token;
  switch (kind) {
    case 'none':
      return '';
    case 'profile':
      return JSON.stringify(
        await Promise.all([
          getJson(origin, '/api/v1/users/me', token),
          getJson(origin, '/api/v1/users/me/privacy', token),
        ]),
      );
    case 'chats':
      return JSON.stringify(
        (
          await Promise.all(
            [world.directChatId, world.groupChatId].map((id) =>
              getJson(origin, `/api/v1/chats/${id}`, token),
            ),
          )
        ).map((chat) => withoutActivity(chat as Record<string, unknown>)),
      );
    case 'messages':
      return JSON.stringify(
        await Promise.all(
          [world.directChatId, world.groupChatId].map((id) =>
            getJson(origin, `/api/v1/chats/${id}/messages?limit=100`, token),
          ),
        ),
      );
  }
}

import { chatStamp, createStampedCache, type StampReader } from '@wa/pkg/cache';
import { createRemote, type ChatService, type Client } from '@wa/pkg/grpc';

export interface ChatMembers {
  type: string;
  userIds: string[];
}

/**
 * Chat members from the chat-service's GetParticipants, cached per instance under the chat's
 * stamp (pkg/src/cache/freshness.ts): each lookup reads the stamp first, so a member removed or
 * added is seen by the very next frame, on any instance; without Redis every lookup asks the
 * chat-service. Membership events still drop an entry early (user-channels.ts). Concurrent
 * lookups of one chat (a burst of frames for it) share one call.
 */
export function createParticipants(
  chats: Client<typeof ChatService>,
  stamps: StampReader,
  ttlMs = 30_000,
  maxEntries = 10_000,
) {
  const remote = createRemote<typeof ChatService>('chat-service', chats);
  const cache = createStampedCache<string, ChatMembers>({ ttlMs, maxEntries });
  async function load(chatId: string): Promise<ChatMembers> {
    const answer = await remote.call((client) => client.getParticipants({ chatId }));
    return { type: answer.type, userIds: answer.participants.map(({ userId }) => userId) };
  }
  return {
    async of(chatId: string): Promise<ChatMembers> {
      const read = await stamps.read([chatStamp(chatId)]);
      return cache.getOrLoad(chatId, read?.[0], load);
    },
    invalidate(chatId: string): void {
      cache.delete(chatId);
    },
  };
}

export type Participants = ReturnType<typeof createParticipants>;

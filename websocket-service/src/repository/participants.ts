import { createTtlCache } from '@wa/pkg/cache';
import { createRemote, type ChatService, type Client } from '@wa/pkg/grpc';

export interface ChatMembers {
  type: string;
  userIds: string[];
}

/**
 * Chat members from the chat-service's GetParticipants, cached briefly per instance; membership
 * events invalidate an entry on every instance (user-channels.ts), the TTL bounds any miss.
 * Concurrent lookups of one chat (a burst of frames for it) share one call.
 */
export function createParticipants(
  chats: Client<typeof ChatService>,
  ttlMs = 30_000,
  maxEntries = 10_000,
) {
  const remote = createRemote<typeof ChatService>('chat-service', chats);
  const cache = createTtlCache<string, ChatMembers>({ ttlMs, maxEntries });
  async function load(chatId: string): Promise<ChatMembers> {
    const answer = await remote.call((client) => client.getParticipants({ chatId }));
    return { type: answer.type, userIds: answer.participants.map(({ userId }) => userId) };
  }
  return {
    of: (chatId: string): Promise<ChatMembers> => cache.getOrLoad(chatId, load),
    invalidate(chatId: string): void {
      cache.delete(chatId);
    },
  };
}

export type Participants = ReturnType<typeof createParticipants>;

import type { ChatService } from '@wa/pkg/grpc';
import { fromGrpcError, type Client } from '@wa/pkg/grpc';

export interface ChatMembers {
  type: string;
  userIds: string[];
}

interface Entry {
  members: ChatMembers;
  expiresAt: number;
}

/**
 * Chat members from the chat-service's GetParticipants, cached briefly per instance; membership
 * events invalidate an entry on every instance (user-channels.ts), the TTL bounds any miss.
 */
export function createParticipants(
  chats: Client<typeof ChatService>,
  ttlMs = 30_000,
  maxEntries = 10_000,
) {
  const cache = new Map<string, Entry>();
  return {
    async of(chatId: string): Promise<ChatMembers> {
      const hit = cache.get(chatId);
      if (hit && hit.expiresAt > Date.now()) return hit.members;
      let response;
      try {
        response = await chats.getParticipants({ chatId });
      } catch (error) {
        throw fromGrpcError(error, 'chat-service');
      }
      const members = {
        type: response.type,
        userIds: response.participants.map((participant) => participant.userId.toLowerCase()),
      };
      if (cache.size >= maxEntries) cache.delete(cache.keys().next().value!);
      cache.set(chatId, { members, expiresAt: Date.now() + ttlMs });
      return members;
    },
    invalidate(chatId: string): void {
      cache.delete(chatId);
    },
  };
}

export type Participants = ReturnType<typeof createParticipants>;

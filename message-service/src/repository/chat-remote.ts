import { isAppError } from '@wa/pkg/errors';
import { createRemote, type ChatService, type Client } from '@wa/pkg/grpc';

export interface Participant {
  userId: string;
  role: 'admin' | 'member';
  muted: boolean;
}

/** A chat's kind, posting rule and members, as the chat-service owns them (addenda D). */
export interface ChatRoster {
  chatId: string;
  type: 'direct' | 'group';
  isAdminOnly: boolean;
  participants: Participant[];
}

/** The chat-service, spoken in domain types: no protobuf messages leave this file. */
export function createChatRemote(client: Client<typeof ChatService>) {
  const remote = createRemote('chat-service', client);
  return {
    /** The chat's roster, or null when there is no such chat. */
    async participants(chatId: string): Promise<ChatRoster | null> {
      try {
        const answer = await remote.call((chats) => chats.getParticipants({ chatId }));
        return {
          chatId,
          type: answer.type === 'group' ? 'group' : 'direct',
          isAdminOnly: answer.isAdminOnly,
          participants: answer.participants.map((p) => ({
            userId: p.userId,
            role: p.role === 'admin' ? 'admin' : 'member',
            muted: p.isMuted,
          })),
        };
      } catch (error) {
        if (isAppError(error) && error.code === 'NOT_FOUND') return null;
        throw error;
      }
    },
  };
}

export type ChatRemote = ReturnType<typeof createChatRemote>;

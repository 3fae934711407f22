import { isAppError } from '@wa/pkg/errors';
import { createRemote, type ChatService, type Client } from '@wa/pkg/grpc';

/** The chat-service, spoken in domain types: no protobuf messages leave this file. */
export function createChatRemote(client: Client<typeof ChatService>) {
  const remote = createRemote('chat-service', client);
  return {
    /** Whether `userId` is a participant of `chatId` now (false when there is no such chat). */
    async isMember(chatId: string, userId: string): Promise<boolean> {
      try {
        const answer = await remote.call((chats) => chats.getParticipants({ chatId }));
        return answer.participants.some((participant) => participant.userId === userId);
      } catch (error) {
        if (isAppError(error) && error.code === 'NOT_FOUND') return false;
        throw error;
      }
    },
  };
}

export type ChatRemote = ReturnType<typeof createChatRemote>;

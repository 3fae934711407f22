import { AppError } from '../errors/index.ts';
import type { ChatService } from '../grpc/index.ts';
import type { FakeImpl } from './grpc-fake.ts';

export interface FakeParticipant {
  userId: string;
  role: 'admin' | 'member';
  isMuted?: boolean;
  /** Unix millis; 0 when muted indefinitely or not muted. */
  muteUntil?: number;
}

export interface FakeChat {
  chatId: string;
  type: 'direct' | 'group';
  isAdminOnly?: boolean;
  participants: FakeParticipant[];
}

/**
 * An in-memory chat-service GetParticipants the test seeds. Unknown chats answer NOT_FOUND, as
 * the chat-service does; the test changes membership with `set`/`remove` and sees callers that
 * cache it keep the old answer until they are told (an event) to drop it.
 */
export function createChatDirectory() {
  const chats = new Map<string, FakeChat>();
  const implementation: FakeImpl<typeof ChatService> = {
    getParticipants(request) {
      const chat = chats.get(request.chatId.toLowerCase());
      if (!chat) throw new AppError('NOT_FOUND', 'Chat not found');
      return {
        chatId: chat.chatId,
        type: chat.type,
        isAdminOnly: chat.isAdminOnly ?? false,
        participants: chat.participants.map((p) => ({
          userId: p.userId,
          role: p.role,
          isMuted: p.isMuted ?? false,
          muteUntil: BigInt(p.muteUntil ?? 0),
        })),
      };
    },
  };
  return {
    implementation,
    /** Adds or replaces a chat. */
    set(chat: FakeChat): FakeChat {
      const stored = { ...chat, chatId: chat.chatId.toLowerCase() };
      chats.set(stored.chatId, stored);
      return stored;
    },
    /** A direct chat between two users, or a group whose first member is its admin. */
    add(chatId: string, type: FakeChat['type'], memberIds: readonly string[]): FakeChat {
      return this.set({
        chatId,
        type,
        participants: memberIds.map((userId, i) => ({
          userId,
          role: type === 'group' && i === 0 ? 'admin' : 'member',
        })),
      });
    },
    removeParticipant(chatId: string, userId: string) {
      const chat = chats.get(chatId.toLowerCase());
      if (chat) chat.participants = chat.participants.filter((p) => p.userId !== userId);
    },
    chat: (chatId: string) => chats.get(chatId.toLowerCase()),
  };
}

export type ChatDirectory = ReturnType<typeof createChatDirectory>;

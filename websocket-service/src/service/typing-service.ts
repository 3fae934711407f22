import { forbidden } from '@wa/pkg/errors';
import { encodeServerFrame } from '@wa/pkg/ws';
import type { ChatParticipantsDirectory } from '@wa/pkg/grpc';
import type { RealtimeStore } from '../repository/realtime-store.ts';
import type { UserChannels } from '../repository/user-channels.ts';

export interface TypingDeps {
  participants: Pick<ChatParticipantsDirectory, 'of'>;
  store: Pick<RealtimeStore, 'setTyping'>;
  channels: Pick<UserChannels, 'publish'>;
}

/** `typing.start` / `typing.stop`: members only; the other members' devices get a `typing` frame. */
export function createTypingService({ participants, store, channels }: TypingDeps) {
  return {
    async setTyping(userId: string, chatId: string, isTyping: boolean): Promise<void> {
      const { userIds } = await participants.of(chatId);
      if (!userIds.includes(userId)) throw forbidden('Not a member of this chat');
      await store.setTyping(chatId, userId, isTyping);
      const others = userIds.filter((id) => id !== userId);
      await channels.publish(
        others,
        encodeServerFrame('typing', { chat_id: chatId, user_id: userId, is_typing: isTyping }),
      );
    },
  };
}

export type TypingService = ReturnType<typeof createTypingService>;

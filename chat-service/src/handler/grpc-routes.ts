import { validationError } from '@wa/pkg/errors';
import { ChatService as ChatRpc, type ConnectRouter } from '@wa/pkg/grpc';
import { isUuid } from '@wa/pkg/http';
import type { ChatService } from '../service/chat-service.ts';

/** gRPC `GetParticipants` (addenda D): members with role and current mute state. */
export function chatGrpcRoutes(chats: ChatService) {
  return (router: ConnectRouter) => {
    router.service(ChatRpc, {
      async getParticipants(request) {
        if (!isUuid(request.chatId)) throw validationError('chat_id must be a UUID');
        const { chat, members } = await chats.participantsOf(request.chatId);
        return {
          chatId: chat.id,
          type: chat.type,
          isAdminOnly: chat.is_admin_only,
          participants: members.map((member) => ({
            userId: member.user_id,
            role: member.role,
            isMuted: member.mute.isMuted,
            muteUntil: BigInt(member.mute.muteUntil?.getTime() ?? 0),
          })),
        };
      },
    });
  };
}

import { ChatService as ChatRpc, type GrpcRouter } from '@wa/pkg/grpc';
import { requireUuid } from '@wa/pkg/http';
import type { ChatService } from '../service/chat-service.ts';

/** gRPC `GetParticipants` (addenda D): members with role and current mute state. */
export function chatGrpcRoutes(chats: ChatService) {
  return (router: GrpcRouter) => {
    router.service(ChatRpc, {
      async getParticipants(request) {
        const chatId = requireUuid(request.chatId, 'chat_id');
        const { chat, members } = await chats.participantsOf(chatId);
        return {
          chatId: chat.id,
          type: chat.type,
          isAdminOnly: chat.is_admin_only,
          name: chat.name ?? '',
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

import type { Http } from './http.ts';
import type {
  ChatDetail,
  ChatSummary,
  MediaType,
  MediaView,
  MessagePage,
  MyProfile,
  PublicProfile,
  RegisteredUser,
  Role,
  VerifiedLogin,
} from './types.ts';

const json = (method: string, body?: unknown) => ({ method, body });

/** Every REST call the console makes, one function each (PRD §6, addenda E, G, I). */
export function createApi(http: Http) {
  const { request } = http;
  return {
    requestOtp: (phone: string) =>
      request<{ expires_in_seconds: number }>('/api/v1/auth/request-otp', {
        ...json('POST', { phone }),
        auth: false,
      }),
    verifyOtp: (phone: string, otp: string) =>
      request<VerifiedLogin>('/api/v1/auth/verify-otp', {
        ...json('POST', { phone, otp }),
        auth: false,
      }),
    logout: (refreshToken: string) =>
      request<unknown>('/api/v1/auth/logout', json('POST', { refresh_token: refreshToken })),

    me: () => request<MyProfile>('/api/v1/users/me'),
    updateMe: (changes: Partial<Pick<MyProfile, 'display_name' | 'status_text' | 'avatar_url'>>) =>
      request<MyProfile>('/api/v1/users/me', json('PATCH', changes)),
    user: (id: string) => request<PublicProfile>(`/api/v1/users/${id}`),
    findByPhone: (phones: string[]) =>
      request<{ registered_users: RegisteredUser[]; invalid_numbers: string[] }>(
        '/api/v1/users/contacts/sync',
        json('POST', { phone_numbers: phones }),
      ),

    chats: () => request<{ chats: ChatSummary[] }>('/api/v1/chats?limit=100'),
    chat: (id: string) => request<ChatDetail>(`/api/v1/chats/${id}`),
    createDirect: (userId: string) =>
      request<ChatDetail>(
        '/api/v1/chats',
        json('POST', { type: 'direct', participant_id: userId }),
      ),
    createGroup: (name: string, userIds: string[]) =>
      request<ChatDetail>(
        '/api/v1/chats',
        json('POST', { type: 'group', name, participant_ids: userIds }),
      ),
    updateGroup: (
      id: string,
      changes: { name?: string; description?: string; is_admin_only?: boolean },
    ) => request<ChatDetail>(`/api/v1/chats/${id}`, json('PATCH', changes)),
    addMembers: (id: string, userIds: string[]) =>
      request<unknown>(`/api/v1/chats/${id}/participants`, json('POST', { user_ids: userIds })),
    removeMember: (id: string, userId: string) =>
      request<unknown>(`/api/v1/chats/${id}/participants/${userId}`, { method: 'DELETE' }),
    setRole: (id: string, userId: string, role: Role) =>
      request<unknown>(`/api/v1/chats/${id}/participants/${userId}/role`, json('PATCH', { role })),
    mute: (id: string, isMuted: boolean) =>
      request<{ is_muted: boolean }>(
        `/api/v1/chats/${id}/mute`,
        json('PATCH', { is_muted: isMuted }),
      ),

    history: (chatId: string, cursor?: string) =>
      request<MessagePage>(
        `/api/v1/chats/${chatId}/messages?limit=50${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
      ),
    markRead: (chatId: string, upTo: string) =>
      request<unknown>(
        `/api/v1/chats/${chatId}/messages/read`,
        json('POST', { up_to_message_id: upTo }),
      ),
    deleteMessage: (messageId: string, scope: 'me' | 'everyone') =>
      request<unknown>(`/api/v1/messages/${messageId}?for=${scope}`, { method: 'DELETE' }),
    forward: (messageId: string, chatIds: string[]) =>
      request<unknown>(
        `/api/v1/messages/${messageId}/forward`,
        json('POST', { target_chat_ids: chatIds }),
      ),

    upload: (file: File, type: MediaType) => {
      const form = new FormData();
      form.append('type', type);
      form.append('file', file, file.name);
      return request<MediaView>('/api/v1/media/upload', { method: 'POST', form });
    },
    media: (id: string) => request<MediaView>(`/api/v1/media/${id}`),
  };
}

export type Api = ReturnType<typeof createApi>;

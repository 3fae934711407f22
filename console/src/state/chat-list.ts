import type { ChatSummary } from '../api/types.ts';
import type { AppState, MessageView } from './model.ts';
import { previewOf } from './messages.ts';

/** Pure updates of the chat list and its names. */

export function chatTitle(chat: ChatSummary | undefined): string {
  if (!chat) return '';
  if (chat.type === 'group') return chat.name || 'Group';
  return chat.participant?.display_name || 'Unnamed user';
}

/** Newest activity first. */
export function sortedChats(chats: Record<string, ChatSummary>): ChatSummary[] {
  return Object.values(chats).sort((a, b) => (a.updated_at < b.updated_at ? 1 : -1));
}

export function withChats(state: AppState, list: ChatSummary[]): AppState {
  const chats: Record<string, ChatSummary> = {};
  const names = { ...state.names };
  for (const chat of list) {
    chats[chat.chat_id] = chat;
    if (chat.participant?.display_name) names[chat.participant.id] = chat.participant.display_name;
  }
  return { ...state, chats, names, chatsLoaded: true };
}

/** A message shown in the list's preview; `unread` when it came from someone else, unseen. */
export function withLastMessage(state: AppState, message: MessageView, unread: boolean): AppState {
  const chat = state.chats[message.chat_id];
  if (!chat) return state;
  if (chat.last_message && chat.last_message.timestamp > message.created_at) return state;
  const updated: ChatSummary = {
    ...chat,
    last_message: {
      message_id: message.message_id ?? message.key,
      sender_id: message.sender_id,
      type: message.type,
      preview: previewOf(message.type, message.payload, message.is_deleted),
      timestamp: message.created_at,
    },
    unread_count: chat.unread_count + (unread ? 1 : 0),
    updated_at: message.created_at > chat.updated_at ? message.created_at : chat.updated_at,
  };
  return { ...state, chats: { ...state.chats, [chat.chat_id]: updated } };
}

export function withChatChange(
  state: AppState,
  chatId: string,
  change: Partial<ChatSummary>,
): AppState {
  const chat = state.chats[chatId];
  if (!chat) return state;
  return { ...state, chats: { ...state.chats, [chatId]: { ...chat, ...change } } };
}

export function withMessages(
  state: AppState,
  chatId: string,
  change: (items: MessageView[]) => MessageView[],
): AppState {
  const current = state.messages[chatId];
  if (!current) return state;
  const items = change(current.items);
  if (items === current.items) return state;
  return { ...state, messages: { ...state.messages, [chatId]: { ...current, items } } };
}

import type {
  ChatDetail,
  ChatSummary,
  DeliveryStatus,
  MessagePayload,
  MyProfile,
  Presence,
} from '../api/types.ts';
import type { ConnectionState } from '../ws/realtime.ts';

/** What a message bubble shows; `pending` until `message.sent`, `failed` when refused. */
export type ShownStatus = 'pending' | 'failed' | DeliveryStatus;

export interface MessageView {
  /** The server's id once known, else `local:<client_msg_id>`. */
  key: string;
  message_id: string | null;
  client_msg_id: string | null;
  chat_id: string;
  sender_id: string;
  type: string;
  payload: MessagePayload;
  reply_to_message_id: string | null;
  forwarded: boolean;
  is_deleted: boolean;
  created_at: string;
  status: ShownStatus;
  /** Per recipient, from `message.status` (a group's message is read when every member read it). */
  receipts: Record<string, DeliveryStatus>;
}

export interface ChatMessages {
  items: MessageView[];
  hasMore: boolean;
  cursor: string | null;
}

export interface AppState {
  me: MyProfile | null;
  connection: ConnectionState;
  retryAt: number | null;
  chats: Record<string, ChatSummary>;
  chatsLoaded: boolean;
  details: Record<string, ChatDetail>;
  messages: Record<string, ChatMessages>;
  activeChatId: string | null;
  /** chat → user → when their typing indicator lapses (ms). */
  typing: Record<string, Record<string, number>>;
  presence: Record<string, Presence>;
  /** Names learnt from chats and events, for group senders. */
  names: Record<string, string>;
  /** A short message shown at the bottom (errors, confirmations). */
  notice: string | null;
}

export const initialState: AppState = {
  me: null,
  connection: 'connecting',
  retryAt: null,
  chats: {},
  chatsLoaded: false,
  details: {},
  messages: {},
  activeChatId: null,
  typing: {},
  presence: {},
  names: {},
  notice: null,
};

/** The public REST API's shapes (PRD §6 with the contract addenda), as a client sees them. */

export interface Envelope<T> {
  success: boolean;
  data: T | null;
  error: { code: string; message: string; details?: unknown } | null;
  meta: { request_id: string; timestamp: string };
}

export interface Tokens {
  access_token: string;
  refresh_token: string;
  expires_in: number;
}

export interface VerifiedLogin extends Tokens {
  user: { id: string; phone: string; display_name: string; is_new_user: boolean };
}

export interface MyProfile {
  id: string;
  phone: string;
  display_name: string;
  avatar_url: string;
  status_text: string;
  created_at: string;
}

export interface PublicProfile {
  id: string;
  phone: string;
  display_name: string;
  avatar_url: string;
  status_text: string;
}

export interface RegisteredUser {
  phone: string;
  user_id: string;
  display_name: string;
  avatar_url: string;
}

export interface ChatProfile {
  id: string;
  display_name: string;
  avatar_url: string;
}

export type Role = 'admin' | 'member';

export interface Participant extends ChatProfile {
  role: Role;
  joined_at: string;
}

export interface LastMessage {
  message_id: string;
  sender_id: string;
  type: string;
  preview: string;
  timestamp: string;
}

export interface ChatSummary {
  chat_id: string;
  type: 'direct' | 'group';
  name: string | null;
  avatar_url: string | null;
  participant: ChatProfile | null;
  last_message: LastMessage | null;
  unread_count: number;
  is_muted: boolean;
  mute_until: string | null;
  updated_at: string;
}

export interface ChatDetail extends ChatSummary {
  description: string | null;
  is_admin_only: boolean;
  created_by: string | null;
  participants: Participant[];
  created_at: string;
}

export type MessageType = 'text' | 'image' | 'video' | 'audio' | 'document';
export type DeliveryStatus = 'sent' | 'delivered' | 'read';

export interface MessagePayload {
  body?: string;
  media_id?: string;
  caption?: string;
  filename?: string;
  duration_ms?: number;
  mime_type?: string;
  size_bytes?: number;
  width?: number;
  height?: number;
}

export interface StoredMessage {
  message_id: string;
  chat_id: string;
  sender_id: string;
  client_msg_id?: string;
  type: string;
  payload: MessagePayload;
  reply_to_message_id: string | null;
  forwarded: boolean;
  status: DeliveryStatus;
  is_deleted: boolean;
  created_at: string;
}

export interface MessagePage {
  messages: StoredMessage[];
  next_cursor: string | null;
  has_more: boolean;
}

export type MediaType = 'image' | 'video' | 'audio' | 'document';

export interface MediaView {
  media_id: string;
  type: MediaType;
  mime_type: string;
  size_bytes: number;
  width: number | null;
  height: number | null;
  duration_ms: number | null;
  original_filename: string;
  url: string;
  thumbnail_url: string | null;
  urls_expire_at: string;
}

export interface Presence {
  user_id: string;
  online: boolean;
  last_seen: string | null;
}

import type { Role } from './schemas.ts';

export type ChatType = 'direct' | 'group';

/** A chat with its group metadata (null on a direct chat) and its last message, as stored. */
export interface ChatRow {
  id: string;
  type: ChatType;
  name: string | null;
  description: string | null;
  avatar_url: string | null;
  is_admin_only: boolean;
  created_by: string | null;
  direct_user_low: string | null;
  direct_user_high: string | null;
  last_message_id: string | null;
  last_message_sender_id: string | null;
  last_message_type: string | null;
  last_message_preview: string | null;
  last_message_at: Date | null;
  created_at: Date;
  updated_at: Date;
}

/** One member of a chat, with the member's own view of it (mute, unread, activity). */
export interface MemberRow {
  user_id: string;
  role: Role;
  is_muted: boolean;
  mute_until: Date | null;
  joined_at: Date;
  unread_count: number;
  last_activity_at: Date;
}

/** One row of a user's chat list: everything the list shows but profiles. */
export interface ChatListRow {
  chat_id: string;
  type: ChatType;
  name: string | null;
  avatar_url: string | null;
  other_user_id: string | null;
  last_message_id: string | null;
  last_message_sender_id: string | null;
  last_message_type: string | null;
  last_message_preview: string | null;
  last_message_at: Date | null;
  unread_count: number;
  is_muted: boolean;
  mute_until: Date | null;
  last_activity_at: Date;
  /** last_activity_at to the microsecond, for the cursor. */
  activity_key: string;
}

export interface ChatListPosition {
  activityKey: string;
  chatId: string;
}

import type { ChatListRow, ChatRow, MemberRow } from '../model/chat.ts';
import type { ChatDetail, ChatSummary, LastMessage, Profile } from '../model/schemas.ts';
import { effectiveMute } from './chat-rules.ts';

/** Maps stored rows to the API's shapes (PRD §6.3); pure. */

const iso = (date: Date): string => date.toISOString();

function lastMessage(row: {
  last_message_id: string | null;
  last_message_sender_id: string | null;
  last_message_type: string | null;
  last_message_preview: string | null;
  last_message_at: Date | null;
}): LastMessage | null {
  if (!row.last_message_id || !row.last_message_sender_id || !row.last_message_at) return null;
  return {
    message_id: row.last_message_id,
    sender_id: row.last_message_sender_id,
    type: row.last_message_type ?? 'text',
    preview: row.last_message_preview ?? '',
    timestamp: iso(row.last_message_at),
  };
}

const emptyProfile = (id: string): Profile => ({ id, display_name: '', avatar_url: '' });

/** The other member of a direct chat. */
export function otherMember(chat: ChatRow, callerId: string): string | null {
  if (chat.type !== 'direct') return null;
  return chat.direct_user_low === callerId ? chat.direct_user_high : chat.direct_user_low;
}

export function toSummary(
  row: ChatListRow,
  profiles: Map<string, Profile>,
  now: Date,
): ChatSummary {
  const mute = effectiveMute(row.is_muted, row.mute_until, now);
  return {
    chat_id: row.chat_id,
    type: row.type,
    name: row.type === 'group' ? row.name : null,
    avatar_url: row.type === 'group' ? row.avatar_url : null,
    participant: row.other_user_id
      ? (profiles.get(row.other_user_id) ?? emptyProfile(row.other_user_id))
      : null,
    last_message: lastMessage(row),
    unread_count: row.unread_count,
    is_muted: mute.isMuted,
    mute_until: mute.muteUntil ? iso(mute.muteUntil) : null,
    updated_at: iso(row.last_activity_at),
  };
}

export function toDetail(
  chat: ChatRow,
  members: readonly MemberRow[],
  caller: MemberRow,
  profiles: Map<string, Profile>,
  now: Date,
): ChatDetail {
  const mute = effectiveMute(caller.is_muted, caller.mute_until, now);
  const other = otherMember(chat, caller.user_id);
  const isGroup = chat.type === 'group';
  return {
    chat_id: chat.id,
    type: chat.type,
    name: isGroup ? chat.name : null,
    description: isGroup ? chat.description : null,
    avatar_url: isGroup ? chat.avatar_url : null,
    is_admin_only: isGroup && chat.is_admin_only,
    created_by: chat.created_by,
    participant: other ? (profiles.get(other) ?? emptyProfile(other)) : null,
    participants: members.map((member) => ({
      ...(profiles.get(member.user_id) ?? emptyProfile(member.user_id)),
      role: member.role,
      joined_at: iso(member.joined_at),
    })),
    last_message: lastMessage(chat),
    unread_count: caller.unread_count,
    is_muted: mute.isMuted,
    mute_until: mute.muteUntil ? iso(mute.muteUntil) : null,
    created_at: iso(chat.created_at),
    updated_at: iso(caller.last_activity_at),
  };
}

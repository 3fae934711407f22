import type { EventPayload, MessageType } from '@wa/pkg/bus';

/** PRD §8's body for each kind of media message. */
const MEDIA_BODIES: Partial<Record<MessageType, string>> = {
  image: '📷 Photo',
  video: '📹 Video',
  audio: '🎵 Audio',
  document: '📄 Document',
};

/** Addenda J: text is cut to 100 characters (whole graphemes: an emoji is never split). */
export const PREVIEW_CHARACTERS = 100;

const graphemes = new Intl.Segmenter(undefined, { granularity: 'grapheme' });

export function truncatePreview(text: string, limit = PREVIEW_CHARACTERS): string {
  const parts: string[] = [];
  for (const { segment } of graphemes.segment(text)) {
    if (parts.length === limit) {
      parts[limit - 1] = '…';
      return parts.join('');
    }
    parts.push(segment);
  }
  return text;
}

/** The body of a push for a message (PRD §8), or undefined for what is never pushed (system). */
export function messageBody(type: MessageType, payload: { body?: string }): string | undefined {
  if (type === 'system') return undefined;
  if (type === 'text') return truncatePreview(payload.body ?? '');
  return MEDIA_BODIES[type];
}

/** What a push says about one message; kept in a group window until it closes. */
export interface MessageSummary {
  message_id: string;
  chat_id: string;
  chat_type: string;
  sender_id: string;
  type: MessageType;
  body: string;
  /** Unix ms of the message's `created_at`. */
  at: number;
}

export function summarise(
  event: EventPayload<'msg.new'>,
  chatType: string,
): MessageSummary | undefined {
  const body = messageBody(event.type, event.payload);
  if (body === undefined) return undefined;
  return {
    message_id: event.message_id,
    chat_id: event.chat_id,
    chat_type: chatType,
    sender_id: event.sender_id,
    type: event.type,
    body,
    at: Date.parse(event.timestamp),
  };
}

export interface SenderView {
  name: string;
  avatarUrl: string;
}

/**
 * FCM `data` for a new message (PRD §3.6 and addenda J): every value a string. The message's
 * type travels as `msg_type`: FCM HTTP v1 reserves the data key `message_type` (with `from` and
 * the `google.` / `gcm.notification.` prefixes) and refuses a message that uses it.
 */
export function messageData(
  message: MessageSummary,
  sender: SenderView,
  messageCount?: number,
): Record<string, string> {
  const data: Record<string, string> = {
    type: 'new_message',
    chat_id: message.chat_id,
    chat_type: message.chat_type,
    message_id: message.message_id,
    sender_id: message.sender_id,
    sender_name: sender.name,
    sender_avatar: sender.avatarUrl,
    message_preview: message.body,
    msg_type: message.type,
    timestamp: String(message.at),
    title: sender.name,
    body: message.body,
  };
  if (messageCount !== undefined) data.message_count = String(messageCount);
  return data;
}

/** FCM `data` for `group.member.added`, sent to the added user (addenda J). */
export function groupAddedData(
  event: EventPayload<'group.member.added'>,
  groupName: string,
  admin: SenderView,
): Record<string, string> {
  return {
    type: 'group_added',
    chat_id: event.chat_id,
    chat_type: 'group',
    sender_id: event.added_by,
    sender_name: admin.name,
    sender_avatar: admin.avatarUrl,
    timestamp: String(Date.parse(event.timestamp)),
    title: groupName,
    body: `You were added by ${admin.name}`,
  };
}

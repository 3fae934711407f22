import type { MessageDoc } from '../model/message.ts';
import { statusForViewer } from '../model/status-rules.ts';

/** A message as REST clients see it (PRD §6.4): status relative to the viewer (addenda E). */
export function toApiMessage(doc: MessageDoc, viewerId: string) {
  return {
    message_id: doc.message_id,
    chat_id: doc.chat_id,
    sender_id: doc.sender_id,
    client_msg_id: doc.sender_id === viewerId ? doc.client_msg_id : undefined,
    type: doc.type,
    payload: doc.payload,
    reply_to_message_id: doc.reply_to_message_id,
    forwarded: doc.forwarded,
    forwarded_from: doc.forwarded_from,
    status: statusForViewer(doc, viewerId),
    is_deleted: doc.is_deleted,
    is_starred: doc.is_starred_by.includes(viewerId),
    created_at: doc.created_at.toISOString(),
  };
}

export type ApiMessage = ReturnType<typeof toApiMessage>;

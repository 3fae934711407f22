import { eventMeta, type OutboxEvent } from '@wa/pkg/bus';
import type { MessageDoc } from '../model/message.ts';
import { statusesBelow } from '../model/status-rules.ts';
import type { MessageRef, StatusChange } from '../repository/message-store.ts';

/** The message-service's events; an adapter records each with its change (message-store.ts). */
export type MessageEvent = OutboxEvent<'msg.new' | 'msg.status.updated' | 'msg.deleted'>;

/** The `msg.new` of a stored message; `recipient_ids` are the keys of its status map. */
export function msgNewEvent(doc: MessageDoc): OutboxEvent<'msg.new'> {
  return {
    event_id: doc.event_id,
    subject: 'msg.new',
    created_at: doc.created_at,
    payload: {
      event_id: doc.event_id,
      timestamp: doc.created_at.toISOString(),
      message_id: doc.message_id,
      chat_id: doc.chat_id,
      sender_id: doc.sender_id,
      type: doc.type,
      payload: doc.payload,
      recipient_ids: Object.keys(doc.status),
      ...(doc.reply_to_message_id ? { reply_to_message_id: doc.reply_to_message_id } : {}),
      ...(doc.forwarded ? { forwarded: true as const } : {}),
    },
  };
}

export function msgStatusEvent(
  message: Pick<MessageDoc, 'message_id' | 'chat_id' | 'sender_id' | 'created_at'>,
  userId: string,
  status: 'delivered' | 'read',
  at: Date,
  receiptHidden: boolean,
): OutboxEvent<'msg.status.updated'> {
  const meta = eventMeta(at);
  return {
    event_id: meta.event_id,
    subject: 'msg.status.updated',
    created_at: at,
    payload: {
      ...meta,
      message_id: message.message_id,
      chat_id: message.chat_id,
      sender_id: message.sender_id,
      user_id: userId,
      status,
      message_timestamp: message.created_at.toISOString(),
      ...(receiptHidden ? { receipt_hidden: true } : {}),
    },
  };
}

/** Deleted for everyone by its sender: the recipients are told, as they were of the message. */
export function msgDeletedEvent(
  message: Pick<MessageDoc, 'message_id' | 'chat_id' | 'status'>,
  at: Date,
): OutboxEvent<'msg.deleted'> {
  const meta = eventMeta(at);
  return {
    event_id: meta.event_id,
    subject: 'msg.deleted',
    created_at: at,
    payload: {
      ...meta,
      message_id: message.message_id,
      chat_id: message.chat_id,
      recipient_ids: Object.keys(message.status),
    },
  };
}

/** `userId`'s status on `message` moving forward to `target`, with the event that announces it. */
export function statusChange(
  message: MessageRef & Pick<MessageDoc, 'sender_id' | 'created_at'>,
  userId: string,
  target: 'delivered' | 'read',
  at: Date,
  receiptHidden = false,
): StatusChange {
  return {
    message,
    userId,
    target,
    from: statusesBelow(target),
    at,
    event: msgStatusEvent(message, userId, target, at, receiptHidden),
  };
}

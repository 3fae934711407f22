import type { DeliveryStatus, MessagePayload, Role } from '../api/types.ts';

/** Server → client frames (docs/websocket-protocol.md), the ones the console acts on. */
export interface ServerFrames {
  'message.new': {
    message_id: string;
    chat_id: string;
    sender_id: string;
    type: string;
    payload: MessagePayload;
    timestamp: string;
    reply_to_message_id?: string | null;
    forwarded?: boolean;
  };
  'message.sent': {
    message_id: string;
    client_msg_id: string;
    timestamp: string;
    duplicate: boolean;
  };
  'message.status': {
    message_id: string;
    chat_id: string;
    user_id: string;
    status: DeliveryStatus;
    timestamp: string;
  };
  'message.deleted': { message_id: string; chat_id: string };
  typing: { chat_id: string; user_id: string; is_typing: boolean };
  presence: { user_id: string; online: boolean; last_seen: string | null };
  'chat.created': {
    chat_id: string;
    type: 'direct' | 'group';
    name: string;
    participants: { user_id: string; role: Role }[];
  };
  'chat.updated': { chat_id: string; changes: Record<string, unknown> };
  'group.member.added': {
    chat_id: string;
    user_id: string;
    added_by: string;
    display_name: string;
  };
  'group.member.removed': { chat_id: string; user_id: string; removed_by: string };
  ack: Record<string, never>;
  pong: Record<string, never>;
  error: { code: number; message: string };
}

export type ServerEvent = keyof ServerFrames;

export interface ServerFrame<E extends ServerEvent = ServerEvent> {
  event: E;
  data: ServerFrames[E];
  req_id?: string;
  timestamp: string;
}

export interface SendData {
  chat_id: string;
  client_msg_id: string;
  type: string;
  payload: MessagePayload;
  reply_to_message_id?: string;
}

/** Client → server frames. */
export interface ClientFrames {
  'message.send': SendData;
  'message.delivered': { message_ids: string[] };
  'message.read': { chat_id: string; up_to_message_id: string };
  'message.delete': { message_id: string; for: 'me' | 'everyone' };
  'typing.start': { chat_id: string };
  'typing.stop': { chat_id: string };
  'presence.subscribe': { user_ids: string[] };
  ping: Record<string, never>;
}

export type ClientEvent = keyof ClientFrames;

/** WS error codes a send may be retried after (PRD §7.6): rate limited, service unavailable. */
export const RETRYABLE_CODES: ReadonlySet<number> = new Set([4029, 5000, 5003]);

import { randomUUID } from 'node:crypto';
import type { OutboxRelay } from '@wa/pkg/bus';
import { conflict, notFound, validationError } from '@wa/pkg/errors';
import type { Logger } from '@wa/pkg/log';
import {
  LIMITS,
  newMessageDoc,
  type MessageDoc,
  type NewMessageFields,
  type MessagePayload,
  type MessageType,
} from '../model/message.ts';
import type { MediaRemote } from '../repository/media-remote.ts';
import type { MessageStore } from '../repository/message-store.ts';
import { recipientsOf, type ChatMembers, type Membership } from './membership.ts';
import type { MessageRefs } from './message-refs.ts';
import { msgNewEvent } from './outbox-events.ts';
import { isMediaType, isMessageType, validatePayload, withUpload } from './payload-rules.ts';

export interface SendServiceDeps {
  messages: MessageStore;
  /** Told of each message stored, for the receipts that follow (message-refs.ts). */
  refs: Pick<MessageRefs, 'remember'>;
  membership: Membership;
  /** Asked about the upload each media message names; a forwarded copy keeps its metadata. */
  media: Pick<MediaRemote, 'upload'>;
  relay: Pick<OutboxRelay, 'notify'>;
  log: Logger;
  now?: () => Date;
}

export interface SendInput {
  chatId: string;
  senderId: string;
  type: string;
  payload: unknown;
  clientMsgId: string;
  replyToMessageId?: string | null;
}

/** A group notice (system-messages.ts): the actor is the sender, the caller names recipients. */
export interface SystemInput {
  chatId: string;
  senderId: string;
  /** Derived from the chat event, so a redelivered event finds the message it already wrote. */
  clientMsgId: string;
  body: string;
  recipientIds: readonly string[];
  at: Date;
}

export interface SendOutcome {
  message: MessageDoc;
  duplicate: boolean;
}

function checkType(type: string): MessageType {
  if (!isMessageType(type) || type === 'system')
    throw validationError('type must be one of text, image, video, audio, document', [
      { field: 'type', message: 'unsupported message type' },
    ]);
  return type;
}

function checkClientMsgId(clientMsgId: string): void {
  if (clientMsgId.length < 1 || clientMsgId.length > LIMITS.clientMsgIdMax)
    throw validationError(`client_msg_id must be 1-${LIMITS.clientMsgIdMax} characters`, [
      { field: 'client_msg_id', message: 'required, at most 128 characters' },
    ]);
}

/**
 * A `client_msg_id` names one send of its sender: reused for another chat it is a client bug, and
 * answering with the other chat's message would hide that (and show that chat to this one).
 */
function sameChat(stored: MessageDoc, chatId: string): MessageDoc {
  if (stored.chat_id !== chatId)
    throw conflict('client_msg_id was already used for a message in another chat');
  return stored;
}

/** Sending and forwarding: membership and posting rules, idempotency, the outbox flag. */
export function createSendService({
  messages,
  refs,
  membership,
  media,
  relay,
  log,
  now = () => new Date(),
}: SendServiceDeps) {
  const newMessage = (
    chatId: string,
    recipients: readonly string[],
    fields: NewMessageFields,
    at: Date = now(),
  ): MessageDoc => newMessageDoc(chatId, recipients, fields, at);

  /** Inserts, or on a concurrent duplicate returns the message that won the unique index. */
  async function store(doc: MessageDoc): Promise<SendOutcome> {
    const event = msgNewEvent(doc);
    if ((await messages.insert(doc, event)) === 'inserted') {
      relay.notify(event);
      refs.remember(doc);
      return { message: doc, duplicate: false };
    }
    const existing = await messages.findByClientId(doc.sender_id, doc.client_msg_id);
    if (!existing) throw new Error('duplicate client_msg_id but no message found');
    return { message: sameChat(existing, doc.chat_id), duplicate: true };
  }

  async function checkReply(
    chatId: string,
    replyTo: string | null | undefined,
  ): Promise<string | null> {
    if (!replyTo) return null;
    const quoted = await messages.findById(replyTo);
    if (!quoted || quoted.chat_id !== chatId)
      throw validationError('reply_to_message_id must be a message of this chat', [
        { field: 'reply_to_message_id', message: 'not a message of this chat' },
      ]);
    return quoted.message_id;
  }

  /** A media payload with its upload's metadata; a text message asks the media-service nothing. */
  async function withMedia(
    type: MessageType,
    payload: MessagePayload,
    senderId: string,
  ): Promise<MessagePayload> {
    if (!isMediaType(type) || payload.media_id === undefined) return payload;
    return withUpload(type, payload, senderId, await media.upload(payload.media_id));
  }

  return {
    async send(input: SendInput): Promise<SendOutcome> {
      const type = checkType(input.type);
      const claimed = validatePayload(type, input.payload);
      checkClientMsgId(input.clientMsgId);
      // A retry is caught by the unique index on insert, so the first send costs no lookup. A retry
      // refused by rules that changed since (or while the media-service is down) still gets the
      // message it stored.
      let members: ChatMembers;
      let payload: MessagePayload;
      try {
        members = await membership.requireCanPost(input.chatId, input.senderId);
        payload = await withMedia(type, claimed, input.senderId);
      } catch (error) {
        // Only a retry into the same chat: another chat's message says nothing about this one.
        const stored = await messages.findByClientId(input.senderId, input.clientMsgId);
        if (stored?.chat_id === input.chatId) return { message: stored, duplicate: true };
        throw error;
      }
      const replyTo = await checkReply(input.chatId, input.replyToMessageId);
      const outcome = await store(
        newMessage(members.chatId, recipientsOf(members, input.senderId), {
          sender_id: input.senderId,
          client_msg_id: input.clientMsgId,
          type,
          payload,
          reply_to_message_id: replyTo,
        }),
      );
      if (!outcome.duplicate)
        log.debug(
          { message_id: outcome.message.message_id, chat_id: input.chatId },
          'message stored',
        );
      return outcome;
    },

    /** One new message per target chat; the caller must see the source and may post to every target. */
    async forward(messageId: string, userId: string, targetChatIds: string[]) {
      const source = await messages.findById(messageId);
      if (
        !source ||
        source.deleted_for.includes(userId) ||
        !(await membership.isMember(source.chat_id, userId))
      )
        throw notFound('Message not found');
      if (source.is_deleted) throw validationError('A deleted message cannot be forwarded');
      // A copy would be a group notice in the forwarder's name, in a chat it does not describe.
      if (source.type === 'system') throw validationError('A system message cannot be forwarded');
      const targets = [...new Set(targetChatIds)];
      const members = await Promise.all(targets.map((id) => membership.requireCanPost(id, userId)));
      const copies: { chat_id: string; message_id: string }[] = [];
      for (const target of members) {
        const { message } = await store(
          newMessage(target.chatId, recipientsOf(target, userId), {
            sender_id: userId,
            client_msg_id: `forward:${randomUUID()}`,
            type: source.type,
            payload: source.payload,
            forwarded: true,
            forwarded_from: { chat_id: source.chat_id, message_id: source.message_id },
          }),
        );
        copies.push({ chat_id: message.chat_id, message_id: message.message_id });
      }
      return copies;
    },

    /**
     * Writes a `system` message without membership or posting checks (a member who left is the
     * sender of "Bob left"; admin-only groups get notices too); idempotent on `clientMsgId`.
     */
    async system(input: SystemInput): Promise<SendOutcome> {
      const payload = validatePayload('system', { body: input.body });
      checkClientMsgId(input.clientMsgId);
      const existing = await messages.findByClientId(input.senderId, input.clientMsgId);
      if (existing) return { message: existing, duplicate: true };
      const recipients = [...new Set(input.recipientIds)].filter((id) => id !== input.senderId);
      return store(
        newMessage(
          input.chatId,
          recipients,
          { sender_id: input.senderId, client_msg_id: input.clientMsgId, type: 'system', payload },
          input.at,
        ),
      );
    },
  };
}

export type SendService = ReturnType<typeof createSendService>;

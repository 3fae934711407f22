import type { MessagePayload, MessageType } from '@wa/pkg/bus';
import type { AppError } from '@wa/pkg/errors';
import { createRemote, fromItemRefusal, type Client, type MessageService } from '@wa/pkg/grpc';

export interface OutgoingMessage {
  chatId: string;
  senderId: string;
  type: string;
  payload: unknown;
  clientMsgId: string;
  replyToMessageId?: string;
}

export interface SentMessage {
  messageId: string;
  createdAt: Date;
  duplicate: boolean;
}

export interface UndeliveredMessage {
  messageId: string;
  chatId: string;
  senderId: string;
  type: MessageType;
  payload: MessagePayload;
  createdAt: Date;
  replyToMessageId?: string;
  forwarded: boolean;
}

/** One user's acknowledgement of messages delivered to them. */
export interface DeliveryReceipt {
  userId: string;
  messageIds: readonly string[];
}

/** One user's cumulative read of a chat, up to and including a message. */
export interface ChatRead {
  userId: string;
  chatId: string;
  upToMessageId: string;
}

/** One page of a user's backlog; `next` is absent on the last page. */
export interface UndeliveredPage {
  messages: UndeliveredMessage[];
  next?: string;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** A stored payload that is not JSON is shown empty rather than failing the whole replay. */
function decodePayload(bytes: Uint8Array): MessagePayload {
  try {
    return JSON.parse(decoder.decode(bytes)) as MessagePayload;
  } catch {
    return {};
  }
}

/** The message-service, spoken in domain types: protobuf messages and `''` stay in this file. */
/** A message as the message-service takes it: the payload JSON-encoded once, here. */
export function encodeOutgoing(message: OutgoingMessage) {
  return {
    chatId: message.chatId,
    senderId: message.senderId,
    type: message.type,
    payload: encoder.encode(JSON.stringify(message.payload)),
    clientMsgId: message.clientMsgId,
    replyToMessageId: message.replyToMessageId ?? '',
  };
}

export type EncodedMessage = ReturnType<typeof encodeOutgoing>;

const sentMessage = (sent: { messageId: string; timestamp: bigint; duplicate: boolean }) => ({
  messageId: sent.messageId,
  createdAt: new Date(Number(sent.timestamp)),
  duplicate: sent.duplicate,
});

export function createMessageRemote(client: Client<typeof MessageService>) {
  const remote = createRemote<typeof MessageService>('message-service', client);
  return {
    /**
     * Several users' messages in one call; resolves with each one's outcome in order: the message
     * stored, or the AppError it was refused with (nothing of it stored).
     */
    async sendMany(sends: readonly EncodedMessage[]): Promise<(SentMessage | AppError)[]> {
      const answer = await remote.call((rpc) => rpc.sendMessages({ sends: [...sends] }));
      return answer.results.map((result) =>
        result.errorCode === '' && result.sent
          ? sentMessage(result.sent)
          : fromItemRefusal(result.errorCode, result.error, result.retryAfterSeconds),
      );
    },

    /**
     * Several users' delivery receipts and reads in one call (the message-service leaves out an
     * ack that a read of the same message by the same user in the call makes redundant); resolves
     * with each receipt's and each read's refusal, in order (undefined: applied).
     */
    async updateReceipts(
      delivered: readonly DeliveryReceipt[],
      reads: readonly ChatRead[],
    ): Promise<{ delivered: (AppError | undefined)[]; reads: (AppError | undefined)[] }> {
      const answer = await remote.call((rpc) =>
        rpc.updateReceipts({
          delivered: delivered.map(({ userId, messageIds }) => ({
            userId,
            messageIds: [...messageIds],
          })),
          reads: [...reads],
        }),
      );
      const refusal = (result: { errorCode: string; error: string }) =>
        result.errorCode === '' ? undefined : fromItemRefusal(result.errorCode, result.error);
      return { delivered: answer.delivered.map(refusal), reads: answer.reads.map(refusal) };
    },

    async remove(userId: string, messageId: string, forEveryone: boolean): Promise<void> {
      await remote.call((rpc) => rpc.deleteMessage({ userId, messageId, forEveryone }));
    },

    async undelivered(userId: string, after: string | undefined, limit: number) {
      const page = await remote.call((rpc) =>
        rpc.listUndelivered({ userId, after: after ?? '', limit }),
      );
      const result: UndeliveredPage = {
        messages: page.messages.map((m) => ({
          messageId: m.messageId,
          chatId: m.chatId,
          senderId: m.senderId,
          type: m.type as MessageType,
          payload: decodePayload(m.payload),
          createdAt: new Date(Number(m.timestamp)),
          ...(m.replyToMessageId ? { replyToMessageId: m.replyToMessageId } : {}),
          forwarded: m.forwarded,
        })),
      };
      if (page.next !== '') result.next = page.next;
      return result;
    },
  };
}

export type MessageRemote = ReturnType<typeof createMessageRemote>;

import { rateLimited, type AppError } from '@wa/pkg/errors';
import { MESSAGE_CALL_LIMITS } from '@wa/pkg/grpc';
import type { Logger } from '@wa/pkg/log';
import type { ClientEventData, ServerEventData } from '@wa/pkg/ws';
import {
  encodeOutgoing,
  type EncodedMessage,
  type MessageRemote,
  type SentMessage,
} from '../repository/message-remote.ts';
import type { RealtimeStore } from '../repository/realtime-store.ts';
import { createCallGroup } from './call-group.ts';
import { createReceiptCalls } from './receipt-calls.ts';
import { rateDecision } from './rules.ts';

export interface MessagingDeps {
  messages: Pick<MessageRemote, 'sendMany' | 'updateReceipts' | 'remove'>;
  store: Pick<RealtimeStore, 'countSend'>;
  sendLimit: { limit: number; windowSeconds: number };
  /** How long a lone receipt waits for others to share its call (call-group.ts). */
  receiptBatchWaitMs?: number;
  log: Logger;
}

/**
 * How many of the oldest waiting sends the next SendMessages call carries: within the call's count
 * and payload bytes, and at least one (a send larger than the byte budget goes alone).
 */
export function sendsThatFit(
  waiting: readonly EncodedMessage[],
  limits: { count: number; bytes: number } = {
    count: MESSAGE_CALL_LIMITS.sendsPerCall,
    bytes: MESSAGE_CALL_LIMITS.sendPayloadBytesPerCall,
  },
): number {
  let bytes = 0;
  let count = 0;
  for (const send of waiting) {
    bytes += send.payload.byteLength;
    if (count === limits.count || (count > 0 && bytes > limits.bytes)) break;
    count += 1;
  }
  return count;
}

/** The message frames of PRD §7.3 as message-service RPCs (PRD §2.2), each shared by the frames of every socket. */
export function createMessagingService({
  messages,
  store,
  sendLimit,
  receiptBatchWaitMs = 0,
  log,
}: MessagingDeps) {
  /** Fails open like the gateway's limiter: losing Redis must not stop people sending. */
  async function sendLimitRefusal(userId: string): Promise<AppError | undefined> {
    let counted;
    try {
      counted = await store.countSend(userId, sendLimit.windowSeconds);
    } catch (error) {
      log.warn({ err: error, user_id: userId }, 'send limit unavailable; allowing the send');
      return undefined;
    }
    const decision = rateDecision(counted.count, sendLimit.limit, counted.ttlMs);
    if (decision.allowed) return undefined;
    return rateLimited(
      decision.retryAfterSeconds,
      `At most ${sendLimit.limit} messages per ${sendLimit.windowSeconds} s`,
    );
  }

  /**
   * Sends go at once when no call is in flight (waiting for company would delay every
   * message.sent). The sends a call carries are counted against their senders' limits together,
   * in one write to Redis, and only those allowed are sent; a failed call fails those alone.
   */
  const sendMessage = createCallGroup<EncodedMessage, SentMessage>({
    take: (waiting) => sendsThatFit(waiting),
    async call(sends) {
      const refusals = await Promise.all(sends.map((send) => sendLimitRefusal(send.senderId)));
      const allowed = sends.filter((_, i) => refusals[i] === undefined);
      let answers: (SentMessage | AppError)[] = [];
      try {
        if (allowed.length > 0) answers = await messages.sendMany(allowed);
      } catch (error) {
        const failure = error instanceof Error ? error : new Error(String(error));
        return sends.map((_, i) => refusals[i] ?? failure);
      }
      let next = 0;
      return sends.map((_, i) => refusals[i] ?? answers[next++]);
    },
  });
  // Every open chat acknowledges and reads each message it receives: both share calls.
  const receipts = createReceiptCalls({ messages, lingerMs: receiptBatchWaitMs });

  return {
    async send(
      userId: string,
      data: ClientEventData<'message.send'>,
    ): Promise<ServerEventData<'message.sent'>> {
      const sent = await sendMessage(
        encodeOutgoing({
          chatId: data.chat_id,
          senderId: userId,
          type: data.type,
          payload: data.payload,
          clientMsgId: data.client_msg_id,
          replyToMessageId: data.reply_to_message_id,
        }),
      );
      return {
        message_id: sent.messageId,
        client_msg_id: data.client_msg_id,
        timestamp: sent.createdAt.toISOString(),
        duplicate: sent.duplicate,
      };
    },

    /** Shares an UpdateReceipts call with the receipts arriving meanwhile (receipt-calls.ts). */
    async delivered(userId: string, messageIds: readonly string[]): Promise<void> {
      await receipts.delivered(userId, messageIds);
    },

    async read(userId: string, data: ClientEventData<'message.read'>): Promise<void> {
      await receipts.read({ userId, chatId: data.chat_id, upToMessageId: data.up_to_message_id });
    },

    async remove(userId: string, data: ClientEventData<'message.delete'>): Promise<void> {
      await messages.remove(userId, data.message_id, data.for === 'everyone');
    },
  };
}

export type MessagingService = ReturnType<typeof createMessagingService>;

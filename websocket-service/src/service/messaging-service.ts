import { rateLimited } from '@wa/pkg/errors';
import { MESSAGE_CALL_LIMITS } from '@wa/pkg/grpc';
import type { Logger } from '@wa/pkg/log';
import type { ClientEventData, ServerEventData } from '@wa/pkg/ws';
import type { ChatRead, MessageRemote } from '../repository/message-remote.ts';
import type { RealtimeStore } from '../repository/realtime-store.ts';
import { createCallGroup } from './call-group.ts';
import { createDeliveryAcks } from './delivery-acks.ts';
import { rateDecision } from './rules.ts';

export interface MessagingDeps {
  messages: Pick<MessageRemote, 'send' | 'deliveredMany' | 'markReads' | 'remove'>;
  store: Pick<RealtimeStore, 'countSend'>;
  sendLimit: { limit: number; windowSeconds: number };
  /** How long a lone receipt waits for others to share its call (call-group.ts). */
  receiptBatchWaitMs?: number;
  log: Logger;
}

/** The message frames of PRD §7.3, each one message-service RPC (PRD §2.2); receipts and reads share them. */
export function createMessagingService({
  messages,
  store,
  sendLimit,
  receiptBatchWaitMs = 0,
  log,
}: MessagingDeps) {
  const acks = createDeliveryAcks({ messages, lingerMs: receiptBatchWaitMs });
  // Every open chat reads each message it receives: reads share calls as receipts do.
  const markRead = createCallGroup<ChatRead>({
    take: (waiting) => Math.min(waiting.length, MESSAGE_CALL_LIMITS.readsPerCall),
    call: (reads) => messages.markReads(reads),
    lingerMs: receiptBatchWaitMs,
  });

  /** Fails open like the gateway's limiter: losing Redis must not stop people sending. */
  async function checkSendLimit(userId: string): Promise<void> {
    let counted;
    try {
      counted = await store.countSend(userId, sendLimit.windowSeconds);
    } catch (error) {
      log.warn({ err: error, user_id: userId }, 'send limit unavailable; allowing the send');
      return;
    }
    const decision = rateDecision(counted.count, sendLimit.limit, counted.ttlMs);
    if (!decision.allowed)
      throw rateLimited(
        decision.retryAfterSeconds,
        `At most ${sendLimit.limit} messages per ${sendLimit.windowSeconds} s`,
      );
  }

  return {
    async send(
      userId: string,
      data: ClientEventData<'message.send'>,
    ): Promise<ServerEventData<'message.sent'>> {
      await checkSendLimit(userId);
      const sent = await messages.send({
        chatId: data.chat_id,
        senderId: userId,
        type: data.type,
        payload: data.payload,
        clientMsgId: data.client_msg_id,
        replyToMessageId: data.reply_to_message_id,
      });
      return {
        message_id: sent.messageId,
        client_msg_id: data.client_msg_id,
        timestamp: sent.createdAt.toISOString(),
        duplicate: sent.duplicate,
      };
    },

    /** Shares an UpdateMessageStatuses call with the acks arriving meanwhile (delivery-acks.ts). */
    async delivered(userId: string, messageIds: readonly string[]): Promise<void> {
      await acks.delivered(userId, messageIds);
    },

    async read(userId: string, data: ClientEventData<'message.read'>): Promise<void> {
      await markRead({ userId, chatId: data.chat_id, upToMessageId: data.up_to_message_id });
    },

    async remove(userId: string, data: ClientEventData<'message.delete'>): Promise<void> {
      await messages.remove(userId, data.message_id, data.for === 'everyone');
    },
  };
}

export type MessagingService = ReturnType<typeof createMessagingService>;

import { ERROR_CODES, validationError } from '@wa/pkg/errors';
import {
  MESSAGE_CALL_LIMITS,
  MessageService as MessageRpc,
  toItemRefusal,
  type GrpcRouter,
  type SendMessageRequest,
} from '@wa/pkg/grpc';
import { requireUuid } from '@wa/pkg/http';
import type { Logger } from '@wa/pkg/log';
import type { MessageDoc } from '../model/message.ts';
import type { HistoryService } from '../service/history-service.ts';
import { parsePayloadJson } from '../service/payload-rules.ts';
import type {
  ReceiptOutcome,
  ReceiptService,
  ReceiptStatus,
  StatusReceipt,
} from '../service/receipt-service.ts';
import type { SendService } from '../service/send-service.ts';

export interface MessageGrpcDeps {
  send: SendService;
  history: HistoryService;
  receipts: ReceiptService;
  log: Logger;
}

const {
  idsPerReceipt: MAX_STATUS_BATCH,
  idsPerCall: MAX_STATUSES_CALL,
  readsPerCall: MAX_READS_CALL,
  sendsPerCall: MAX_SENDS_CALL,
} = MESSAGE_CALL_LIMITS;

function receiptStatus(value: string): ReceiptStatus {
  if (value === 'delivered' || value === 'read') return value;
  throw validationError('status must be delivered or read', [
    { field: 'status', message: 'must be delivered or read' },
  ]);
}

function statusReceipt(receipt: {
  userId: string;
  status: string;
  messageIds: string[];
}): StatusReceipt {
  if (receipt.messageIds.length === 0 || receipt.messageIds.length > MAX_STATUS_BATCH)
    throw validationError(`message_ids takes 1-${MAX_STATUS_BATCH} ids`);
  return {
    userId: requireUuid(receipt.userId, 'user_id'),
    status: receiptStatus(receipt.status),
    messageIds: receipt.messageIds.map((id) => requireUuid(id, 'message_id')),
  };
}

const encoder = new TextEncoder();

const toStoredMessage = (doc: MessageDoc) => ({
  messageId: doc.message_id,
  chatId: doc.chat_id,
  senderId: doc.sender_id,
  type: doc.type,
  payload: encoder.encode(JSON.stringify(doc.payload)),
  timestamp: BigInt(doc.created_at.getTime()),
  replyToMessageId: doc.reply_to_message_id ?? '',
  forwarded: doc.forwarded,
  clientMsgId: doc.client_msg_id,
});

/** One item of a batch request, checked: its value, or why it was refused. */
type Checked<T> = { value: T } | { refusal: unknown };

function checked<T>(check: () => T): Checked<T> {
  try {
    return { value: check() };
  } catch (error) {
    return { refusal: error };
  }
}

const valid = <T>(items: Checked<T>[]): T[] =>
  items.flatMap((item) => ('value' in item ? [item.value] : []));

/** proto/message/message.proto: thin translations to the services; errors use the shared table. */
export function messageGrpcRoutes({ send, history, receipts, log }: MessageGrpcDeps) {
  async function sendOne(request: SendMessageRequest) {
    const { message, duplicate } = await send.send({
      chatId: requireUuid(request.chatId, 'chat_id'),
      senderId: requireUuid(request.senderId, 'sender_id'),
      type: request.type,
      payload: parsePayloadJson(request.payload),
      clientMsgId: request.clientMsgId,
      replyToMessageId:
        request.replyToMessageId === ''
          ? null
          : requireUuid(request.replyToMessageId, 'reply_to_message_id'),
    });
    return {
      messageId: message.message_id,
      timestamp: BigInt(message.created_at.getTime()),
      duplicate,
    };
  }

  /**
   * One item of a batch call, answered on its own whatever happens to it: its result, or its
   * refusal (a fault too, logged here, its message never sent); its neighbours are applied.
   */
  async function itemOutcome<T>(work: () => Promise<T>, context: Record<string, string>) {
    try {
      return { ...(await work()), errorCode: '', error: '', retryAfterSeconds: 0 };
    } catch (error) {
      const refusal = toItemRefusal(error);
      if (ERROR_CODES[refusal.errorCode].http >= 500)
        log.error({ err: error, ...context }, 'an item of a batch call failed');
      return refusal;
    }
  }

  /** Each checked item's answer: its outcome (the valid ones', in order) or its refusal. */
  function answers<T>(items: Checked<T>[], outcomes: ReceiptOutcome[], what: string) {
    let next = 0;
    return items.map((item) => {
      const outcome: ReceiptOutcome = 'value' in item ? outcomes[next++] : { error: item.refusal };
      if (!('error' in outcome)) return { updated: outcome.updated, errorCode: '', error: '' };
      const { errorCode, error } = toItemRefusal(outcome.error);
      if (ERROR_CODES[errorCode].http >= 500)
        log.error({ err: outcome.error, receipt: what }, 'a receipt of a batch call failed');
      return { updated: 0, errorCode, error };
    });
  }

  return (router: GrpcRouter) => {
    router.service(MessageRpc, {
      sendMessage: sendOne,

      async sendMessages(request) {
        if (request.sends.length > MAX_SENDS_CALL)
          throw validationError(`sends takes at most ${MAX_SENDS_CALL} messages`);
        // All at once: the store inserts sends that arrive together in one statement.
        const results = await Promise.all(
          request.sends.map((one) =>
            itemOutcome(async () => ({ sent: await sendOne(one) }), { chat_id: one.chatId }),
          ),
        );
        return { results };
      },

      async updateMessageStatus(request) {
        const ids = request.messageIds.length > 0 ? request.messageIds : [request.messageId];
        if (ids.length > MAX_STATUS_BATCH)
          throw validationError(`message_ids takes at most ${MAX_STATUS_BATCH} ids`);
        const { updated } = await receipts.updateStatus(
          ids.map((id) => requireUuid(id, 'message_id')),
          requireUuid(request.userId, 'user_id'),
          receiptStatus(request.status),
        );
        return { success: true, updated };
      },

      async updateMessageStatuses(request) {
        const total = request.receipts.reduce((sum, r) => sum + r.messageIds.length, 0);
        if (total > MAX_STATUSES_CALL)
          throw validationError(`receipts take at most ${MAX_STATUSES_CALL} ids in all`);
        // Each receipt is validated alone: a bad one is refused without failing its neighbours.
        const checked = request.receipts.map((receipt) => {
          try {
            return { receipt: statusReceipt(receipt) };
          } catch (error) {
            return { error: error instanceof Error ? error.message : 'invalid receipt' };
          }
        });
        const valid = checked.flatMap((c) => (c.receipt ? [c.receipt] : []));
        const updated = await receipts.updateStatuses(valid);
        let next = 0;
        return {
          results: checked.map((c) =>
            c.receipt ? { updated: updated[next++], error: '' } : { updated: 0, error: c.error },
          ),
        };
      },

      async markRead(request) {
        return receipts.markRead(
          requireUuid(request.chatId, 'chat_id'),
          requireUuid(request.userId, 'user_id'),
          requireUuid(request.upToMessageId, 'up_to_message_id'),
        );
      },

      async markReads(request) {
        if (request.reads.length > MAX_READS_CALL)
          throw validationError(`reads takes at most ${MAX_READS_CALL} reads`);
        // All at once: the store writes reads that arrive together in one statement.
        const results = await Promise.all(
          request.reads.map((read) =>
            itemOutcome(
              async () =>
                receipts.markRead(
                  requireUuid(read.chatId, 'chat_id'),
                  requireUuid(read.userId, 'user_id'),
                  requireUuid(read.upToMessageId, 'up_to_message_id'),
                ),
              { chat_id: read.chatId },
            ),
          ),
        );
        return { results };
      },

      async updateReceipts(request) {
        const total = request.delivered.reduce((sum, r) => sum + r.messageIds.length, 0);
        if (total > MAX_STATUSES_CALL)
          throw validationError(`delivered takes at most ${MAX_STATUSES_CALL} ids in all`);
        if (request.reads.length > MAX_READS_CALL)
          throw validationError(`reads takes at most ${MAX_READS_CALL} reads`);
        // Each receipt and read is checked alone: a bad one is refused without failing the others.
        const acks = request.delivered.map((receipt) =>
          checked(() => statusReceipt({ ...receipt, status: 'delivered' })),
        );
        const reads = request.reads.map((read) =>
          checked(() => ({
            chatId: requireUuid(read.chatId, 'chat_id'),
            userId: requireUuid(read.userId, 'user_id'),
            upToMessageId: requireUuid(read.upToMessageId, 'up_to_message_id'),
          })),
        );
        const outcomes = await receipts.updateReceipts(valid(acks), valid(reads));
        return {
          delivered: answers(acks, outcomes.delivered, 'delivered'),
          reads: answers(reads, outcomes.reads, 'read'),
        };
      },

      async deleteMessage(request) {
        await history.delete(
          requireUuid(request.messageId, 'message_id'),
          requireUuid(request.userId, 'user_id'),
          request.forEveryone,
        );
        return { success: true };
      },

      async listUndelivered(request) {
        const page = await receipts.listUndelivered(
          requireUuid(request.userId, 'user_id'),
          request.after,
          request.limit,
        );
        return { messages: page.messages.map(toStoredMessage), next: page.next };
      },
    });
  };
}

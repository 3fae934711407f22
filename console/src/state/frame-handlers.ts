import type { DeliveryStatus } from '../api/types.ts';
import {
  RETRYABLE_CODES,
  type SendData,
  type ServerFrame,
  type ServerFrames,
} from '../ws/frames.ts';
import type { Outbox } from '../ws/outbox.ts';
import { withChatChange, withLastMessage, withMessages } from './chat-list.ts';
import { applyDeleted, applyReceipt, applySent, fromNew, mergeMessages } from './messages.ts';
import type { AppState, MessageView } from './model.ts';
import type { Receipts } from './receipts.ts';
import type { Store } from './store.ts';
import type { Typing } from './typing.ts';

interface FrameDeps {
  store: Store<AppState>;
  me: () => string | undefined;
  outbox: () => Outbox | undefined;
  receipts: Receipts;
  typing: Typing;
  /** Sends again later (rate limited or a service was unavailable). */
  resend: (item: SendData) => void;
  reloadChats: () => void;
  reloadDetail: (chatId: string) => void;
  /** Fetches the chat's newest history page again (debounced). */
  refreshHistory: (chatId: string) => void;
  notice: (text: string) => void;
}

/** Applies each server frame to the state (docs/websocket-protocol.md, "Server events"). */
export function createFrameHandler(deps: FrameDeps) {
  const { store, me, receipts } = deps;
  // Frames that may arrive before the message they are about (protocol: "Order").
  const earlyDeletes = new Set<string>();
  const earlyReceipts = new Map<string, ServerFrames['message.status'][]>();

  const recipientCount = (chatId: string) => {
    const detail = store.get().details[chatId];
    return detail ? detail.participants.length - 1 : 1;
  };

  function applyEarlyDeletes(items: MessageView[]): MessageView[] {
    let next = items;
    for (const id of earlyDeletes) {
      const applied = applyDeleted(next, id);
      if (applied !== next) earlyDeletes.delete(id);
      next = applied;
    }
    return next;
  }

  function deleted(items: MessageView[], messageId: string): MessageView[] {
    const next = applyDeleted(items, messageId);
    if (next === items) earlyDeletes.add(messageId);
    return next;
  }

  function receipt(items: MessageView[], data: ServerFrames['message.status']) {
    const status: DeliveryStatus = data.status;
    const next = applyReceipt(
      items,
      data.message_id,
      data.user_id,
      status,
      recipientCount(data.chat_id),
    );
    if (next === items && !items.some((m) => m.message_id === data.message_id)) {
      earlyReceipts.set(data.message_id, [...(earlyReceipts.get(data.message_id) ?? []), data]);
    }
    return next;
  }

  function messageNew(data: ServerFrames['message.new']) {
    const state = store.get();
    if (!state.chats[data.chat_id]) deps.reloadChats();
    const message = fromNew(data);
    const shown = receipts.onScreen(data.chat_id);
    const seen = state.messages[data.chat_id]?.items.some((m) => m.message_id === data.message_id);
    store.update((s) => {
      const withMessage = withMessages(s, data.chat_id, (items) =>
        applyEarlyDeletes(mergeMessages(items, [message])),
      );
      return seen ? withMessage : withLastMessage(withMessage, message, !shown);
    });
    deps.typing.received(data.chat_id, data.sender_id, false);
    receipts.acknowledge(data.message_id);
    if (shown) receipts.markRead(data.chat_id);
  }

  function messageSent(data: ServerFrames['message.sent']) {
    const item = deps
      .outbox()
      ?.list()
      .find((i) => i.client_msg_id === data.client_msg_id);
    deps.outbox()?.remove(data.client_msg_id);
    const chatId = item?.chat_id ?? findChatOf(data.client_msg_id);
    if (!chatId) return;
    const early = earlyReceipts.get(data.message_id) ?? [];
    earlyReceipts.delete(data.message_id);
    store.update((s) =>
      withMessages(s, chatId, (items) =>
        early.reduce(
          receipt,
          applySent(items, data.client_msg_id, data.message_id, data.timestamp),
        ),
      ),
    );
  }

  function findChatOf(clientMsgId: string): string | undefined {
    for (const [chatId, { items }] of Object.entries(store.get().messages)) {
      if (items.some((m) => m.client_msg_id === clientMsgId)) return chatId;
    }
    return undefined;
  }

  function sendFailed(clientMsgId: string, error: ServerFrames['error']) {
    const item = deps
      .outbox()
      ?.list()
      .find((i) => i.client_msg_id === clientMsgId);
    if (!item) return;
    if (RETRYABLE_CODES.has(error.code)) return deps.resend(item);
    deps.outbox()?.remove(clientMsgId);
    deps.notice(`Not sent: ${error.message}`);
    store.update((s) =>
      withMessages(s, item.chat_id, (items) =>
        items.map((m) => (m.client_msg_id === clientMsgId ? { ...m, status: 'failed' } : m)),
      ),
    );
  }

  function handle(frame: ServerFrame) {
    switch (frame.event) {
      case 'message.new':
        return messageNew(frame.data as ServerFrames['message.new']);
      case 'message.sent':
        return messageSent(frame.data as ServerFrames['message.sent']);
      case 'message.status': {
        const data = frame.data as ServerFrames['message.status'];
        return store.update((s) => withMessages(s, data.chat_id, (items) => receipt(items, data)));
      }
      case 'message.deleted': {
        const data = frame.data as ServerFrames['message.deleted'];
        if (!store.get().messages[data.chat_id]) earlyDeletes.add(data.message_id);
        store.update((s) => {
          const next = withMessages(s, data.chat_id, (items) => deleted(items, data.message_id));
          const last = next.chats[data.chat_id]?.last_message;
          return last?.message_id === data.message_id
            ? withChatChange(next, data.chat_id, {
                last_message: { ...last, preview: 'This message was deleted' },
              })
            : next;
        });
        return;
      }
      case 'typing': {
        const data = frame.data as ServerFrames['typing'];
        if (data.user_id !== me()) deps.typing.received(data.chat_id, data.user_id, data.is_typing);
        return;
      }
      case 'presence': {
        const data = frame.data as ServerFrames['presence'];
        return store.update((s) => ({ ...s, presence: { ...s.presence, [data.user_id]: data } }));
      }
      case 'chat.created':
        return deps.reloadChats();
      case 'chat.updated':
      case 'group.member.added':
      case 'group.member.removed': {
        const data = frame.data as { chat_id: string; user_id?: string; display_name?: string };
        if (data.user_id && data.display_name) {
          const { user_id: id, display_name: name } = data;
          store.update((s) => ({ ...s, names: { ...s.names, [id]: name } }));
        }
        deps.reloadChats();
        if (store.get().details[data.chat_id]) deps.reloadDetail(data.chat_id);
        // The change's system message ("Ada added Bob") reaches its author only through history.
        if (store.get().messages[data.chat_id]) deps.refreshHistory(data.chat_id);
        return;
      }
      case 'error': {
        const error = frame.data as ServerFrames['error'];
        if (frame.req_id?.startsWith('send:')) return sendFailed(frame.req_id.slice(5), error);
        return;
      }
      case 'ack':
      case 'pong':
        return;
    }
  }

  return { handle, applyEarlyDeletes, deleted };
}

import type { Api } from '../api/endpoints.ts';
import type { Realtime } from '../ws/realtime.ts';
import { withChatChange } from './chat-list.ts';
import type { AppState } from './model.ts';
import type { Store } from './store.ts';

interface ReceiptDeps {
  store: Store<AppState>;
  api: Api;
  realtime: Realtime;
  me: () => string | undefined;
}

/**
 * What this device tells senders: `message.delivered` for every message it receives (batched),
 * `message.read` up to the newest message from others once the chat is on screen.
 */
export function createReceipts({ store, api, realtime, me }: ReceiptDeps) {
  const delivered: string[] = [];
  let flushTimer: ReturnType<typeof setTimeout> | undefined;
  const readUpTo = new Map<string, string>();

  function flush() {
    flushTimer = undefined;
    const ids = delivered.splice(0, 500);
    // Unsent acknowledgements are not lost: the server replays those messages on the next connect.
    if (ids.length > 0) realtime.send('message.delivered', { message_ids: ids });
    if (delivered.length > 0) flushTimer = setTimeout(flush, 0);
  }

  function acknowledge(messageId: string) {
    delivered.push(messageId);
    flushTimer ??= setTimeout(flush, 50);
  }

  const onScreen = (chatId: string) =>
    store.get().activeChatId === chatId && document.visibilityState === 'visible';

  function markRead(chatId: string) {
    if (!onScreen(chatId)) return;
    const items = store.get().messages[chatId]?.items ?? [];
    const newest = items.findLast((m) => m.sender_id !== me() && m.message_id);
    store.update((s) => withChatChange(s, chatId, { unread_count: 0 }));
    if (!newest?.message_id || readUpTo.get(chatId) === newest.message_id) return;
    readUpTo.set(chatId, newest.message_id);
    const data = { chat_id: chatId, up_to_message_id: newest.message_id };
    if (!realtime.send('message.read', data)) {
      void api.markRead(chatId, newest.message_id).catch(() => readUpTo.delete(chatId));
    }
  }

  document.addEventListener('visibilitychange', () => {
    const active = store.get().activeChatId;
    if (active) markRead(active);
  });

  return { acknowledge, markRead, onScreen };
}

export type Receipts = ReturnType<typeof createReceipts>;

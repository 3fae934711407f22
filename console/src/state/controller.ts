import { createApi } from '../api/endpoints.ts';
import { ApiError, createHttp } from '../api/http.ts';
import type { MediaType, MessagePayload, Tokens } from '../api/types.ts';
import type { SendData } from '../ws/frames.ts';
import { createOutbox, type Outbox } from '../ws/outbox.ts';
import { createRealtime } from '../ws/realtime.ts';
import { newId } from '../util/ids.ts';
import { withChats, withLastMessage, withMessages } from './chat-list.ts';
import { createFrameHandler } from './frame-handlers.ts';
import { createMediaCache } from './media-cache.ts';
import { fromStored, mergeMessages } from './messages.ts';
import { initialState, type AppState, type MessageView } from './model.ts';
import { createReceipts } from './receipts.ts';
import { loadSession, saveSession, type Session } from './session.ts';
import { createStore } from './store.ts';
import { createTyping } from './typing.ts';

const wsUrl = (token: string) =>
  `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/ws?token=${encodeURIComponent(token)}`;

const pendingView = (item: SendData, senderId: string): MessageView => ({
  key: `local:${item.client_msg_id}`,
  message_id: null,
  client_msg_id: item.client_msg_id,
  chat_id: item.chat_id,
  sender_id: senderId,
  type: item.type,
  payload: item.payload,
  reply_to_message_id: item.reply_to_message_id ?? null,
  forwarded: false,
  is_deleted: false,
  created_at: new Date().toISOString(),
  status: 'pending',
  receipts: {},
});

/**
 * The console's one client of the public API: REST for history and actions, `/ws` for everything
 * live. Components read `store` and call the actions; nothing else talks to the server.
 */
export function createController() {
  const store = createStore<AppState>(initialState);
  const sessionStore = createStore<Session | null>(loadSession());
  const session = () => sessionStore.get();
  let outbox: Outbox | undefined;

  const http = createHttp({
    accessToken: () => session()?.accessToken,
    refreshToken: () => session()?.refreshToken,
    saveTokens: (tokens: Tokens) => {
      const current = session();
      if (!current) return;
      setSession({
        ...current,
        accessToken: tokens.access_token,
        refreshToken: tokens.refresh_token,
      });
    },
    expired: () => signOut(false),
  });
  const api = createApi(http);
  const media = createMediaCache(api);

  const realtime = createRealtime({
    url: wsUrl,
    token: () => session()?.accessToken,
    refresh: http.refresh,
    onFrame: (frame) => frames.handle(frame),
    // Presence is only known while connected: what was shown is stale once the socket drops.
    onState: (connection, retryAt) =>
      store.update((s) => ({
        ...s,
        connection,
        retryAt: retryAt ?? null,
        presence: connection === 'open' ? s.presence : {},
      })),
    onOpen: () => {
      resendAll();
      presenceSubscribed.clear();
      void loadChats().then(() => {
        // Statuses that changed while away are not replayed; the open chat's history has them.
        const active = store.get().activeChatId;
        store.update((s) => ({ ...s, messages: active ? pick(s.messages, active) : {} }));
        if (active) void loadHistory(active).then(() => receipts.markRead(active));
      });
    },
  });

  const receipts = createReceipts({ store, api, realtime, me: () => session()?.userId });
  const typing = createTyping({ store, realtime });
  const presenceSubscribed = new Set<string>();

  const frames = createFrameHandler({
    store,
    me: () => session()?.userId,
    outbox: () => outbox,
    receipts,
    typing,
    resend: (item) => setTimeout(() => outbox?.has(item.client_msg_id) && transmit(item), 3_000),
    reloadChats: () => void loadChats(),
    reloadDetail: (chatId) => void loadDetail(chatId),
    refreshHistory,
    notice,
  });

  function pick<T>(record: Record<string, T>, key: string): Record<string, T> {
    return key in record ? { [key]: record[key] } : {};
  }

  function setSession(next: Session | null) {
    saveSession(next);
    sessionStore.update(() => next);
  }

  function notice(text: string | null) {
    store.update((s) => ({ ...s, notice: text }));
  }

  function failed(error: unknown): never {
    notice(error instanceof Error ? error.message : String(error));
    throw error;
  }

  // ── Session ───────────────────────────────────────────────────────────────────────────────

  async function start() {
    const current = session();
    if (!current) return;
    outbox = createOutbox(`wa-console-outbox-${current.userId}`);
    realtime.start();
    try {
      const me = await api.me();
      store.update((s) => ({ ...s, me, names: { ...s.names, [me.id]: me.display_name } }));
    } catch (error) {
      if (!(error instanceof ApiError && error.status === 401))
        notice('Could not load your profile');
    }
    await loadChats();
  }

  async function verifyOtp(phone: string, otp: string) {
    const login = await api.verifyOtp(phone, otp);
    setSession({
      userId: login.user.id,
      phone: login.user.phone,
      accessToken: login.access_token,
      refreshToken: login.refresh_token,
    });
    void start();
    return login.user;
  }

  function signOut(tellServer = true) {
    const current = session();
    if (tellServer && current) void api.logout(current.refreshToken).catch(() => undefined);
    realtime.stop();
    setSession(null);
    store.update(() => initialState);
  }

  // ── Chats ─────────────────────────────────────────────────────────────────────────────────

  async function loadChats() {
    try {
      const { chats } = await api.chats();
      store.update((s) => withChats(s, chats));
      subscribePresence();
    } catch (error) {
      if (error instanceof ApiError && error.code !== 'NETWORK') notice(error.message);
    }
  }

  function subscribePresence() {
    const peers = Object.values(store.get().chats)
      .map((chat) => chat.participant?.id)
      .filter((id): id is string => !!id && !presenceSubscribed.has(id));
    if (peers.length === 0) return;
    if (realtime.send('presence.subscribe', { user_ids: peers })) {
      for (const id of peers) presenceSubscribed.add(id);
    }
  }

  async function loadDetail(chatId: string) {
    try {
      const detail = await api.chat(chatId);
      store.update((s) => {
        const names = { ...s.names };
        for (const p of detail.participants) if (p.display_name) names[p.id] = p.display_name;
        return { ...s, names, details: { ...s.details, [chatId]: detail } };
      });
    } catch (error) {
      if (error instanceof ApiError && error.status === 404) return;
    }
  }

  async function loadHistory(chatId: string, older = false) {
    const known = store.get().messages[chatId];
    const page = await api.history(chatId, older ? (known?.cursor ?? undefined) : undefined);
    const me = session()?.userId ?? '';
    const pending = (outbox?.list() ?? [])
      .filter((item) => item.chat_id === chatId)
      .map((item) => pendingView(item, me));
    store.update((s) => {
      const current = s.messages[chatId];
      const items = mergeMessages(current?.items ?? [], [
        ...page.messages.map(fromStored),
        ...pending,
      ]);
      const keepCursor = current && !older;
      return {
        ...s,
        messages: {
          ...s.messages,
          [chatId]: {
            items: frames.applyEarlyDeletes(items),
            hasMore: keepCursor ? current.hasMore : page.has_more,
            cursor: keepCursor ? current.cursor : page.next_cursor,
          },
        },
      };
    });
  }

  const refreshTimers = new Map<string, ReturnType<typeof setTimeout>>();
  function refreshHistory(chatId: string) {
    clearTimeout(refreshTimers.get(chatId));
    refreshTimers.set(
      chatId,
      setTimeout(() => {
        refreshTimers.delete(chatId);
        void loadHistory(chatId).catch(() => undefined);
      }, 250),
    );
  }

  async function openChat(chatId: string | null) {
    store.update((s) => ({ ...s, activeChatId: chatId }));
    const path = chatId ? `/console/chats/${chatId}` : '/console/';
    if (location.pathname !== path) history.pushState(null, '', path);
    if (!chatId) return;
    void loadDetail(chatId);
    if (!store.get().messages[chatId]) {
      try {
        await loadHistory(chatId);
      } catch (error) {
        failed(error);
      }
    }
    receipts.markRead(chatId);
  }

  // ── Sending ───────────────────────────────────────────────────────────────────────────────

  function transmit(item: SendData) {
    realtime.send('message.send', item, `send:${item.client_msg_id}`);
  }

  function resendAll() {
    for (const item of outbox?.list() ?? []) transmit(item);
  }

  function send(chatId: string, type: string, payload: MessagePayload, replyTo?: string | null) {
    if (!outbox) return;
    const item: SendData = {
      chat_id: chatId,
      client_msg_id: newId(),
      type,
      payload,
      ...(replyTo ? { reply_to_message_id: replyTo } : {}),
    };
    outbox.add(item);
    const view = pendingView(item, session()?.userId ?? '');
    store.update((s) =>
      withLastMessage(
        withMessages(s, chatId, (items) => mergeMessages(items, [view])),
        view,
        false,
      ),
    );
    typing.stop(chatId);
    transmit(item);
  }

  async function sendFile(chatId: string, file: File, caption: string, replyTo?: string | null) {
    const type: MediaType = file.type.startsWith('image/')
      ? 'image'
      : file.type.startsWith('video/')
        ? 'video'
        : file.type.startsWith('audio/')
          ? 'audio'
          : 'document';
    const uploaded = await api.upload(file, type).catch(failed);
    // PRD §3.5: images and videos take a caption, documents a file name, audio neither.
    const payload: MessagePayload = { media_id: uploaded.media_id };
    if (type === 'document') payload.filename = file.name;
    if ((type === 'image' || type === 'video') && caption) payload.caption = caption;
    send(chatId, type, payload, replyTo);
    if (caption && (type === 'document' || type === 'audio'))
      send(chatId, 'text', { body: caption });
  }

  async function deleteMessage(message: MessageView, scope: 'me' | 'everyone') {
    if (!message.message_id) return;
    const messageId = message.message_id;
    try {
      if (realtime.isOpen()) {
        await realtime.request('message.delete', { message_id: messageId, for: scope });
      } else {
        await api.deleteMessage(messageId, scope);
      }
    } catch (error) {
      failed(error);
    }
    store.update((s) =>
      withMessages(s, message.chat_id, (items) =>
        scope === 'me'
          ? items.filter((m) => m.message_id !== messageId)
          : frames.deleted(items, messageId),
      ),
    );
  }

  async function forward(message: MessageView, chatIds: string[]) {
    if (!message.message_id || chatIds.length === 0) return;
    await api.forward(message.message_id, chatIds).catch(failed);
    for (const chatId of chatIds) {
      if (store.get().messages[chatId]) void loadHistory(chatId);
    }
    await loadChats();
    notice(`Forwarded to ${chatIds.length} chat${chatIds.length > 1 ? 's' : ''}`);
  }

  window.addEventListener('popstate', () => {
    const match = /^\/console\/chats\/([0-9a-f-]{36})/.exec(location.pathname);
    void openChat(match?.[1] ?? null);
  });

  return {
    store,
    sessionStore,
    api,
    media,
    realtime,
    start,
    requestOtp: (phone: string) => api.requestOtp(phone),
    verifyOtp,
    signOut,
    loadChats,
    loadDetail,
    loadHistory,
    openChat,
    send,
    sendFile,
    deleteMessage,
    forward,
    typing,
    receipts,
    notice,
    failed,
  };
}

export type Controller = ReturnType<typeof createController>;

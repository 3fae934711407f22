import type { Realtime } from '../ws/realtime.ts';
import type { AppState } from './model.ts';
import type { Store } from './store.ts';

/** Protocol: the indicator's key lives 5 s; `typing.start` again every few seconds while typing. */
const SHOWN_FOR_MS = 5_000;
const REPEAT_EVERY_MS = 3_000;
const IDLE_STOP_MS = 4_000;

interface TypingDeps {
  store: Store<AppState>;
  realtime: Realtime;
}

/** Both directions of typing: what this user types, and who types in each chat. */
export function createTyping({ store, realtime }: TypingDeps) {
  const lastStart = new Map<string, number>();
  const idleTimers = new Map<string, ReturnType<typeof setTimeout>>();

  function stop(chatId: string) {
    clearTimeout(idleTimers.get(chatId));
    idleTimers.delete(chatId);
    if (!lastStart.has(chatId)) return;
    lastStart.delete(chatId);
    realtime.send('typing.stop', { chat_id: chatId });
  }

  /** Called on every keystroke in the composer. */
  function keystroke(chatId: string) {
    const now = Date.now();
    if (now - (lastStart.get(chatId) ?? 0) > REPEAT_EVERY_MS) {
      if (realtime.send('typing.start', { chat_id: chatId })) lastStart.set(chatId, now);
    }
    clearTimeout(idleTimers.get(chatId));
    idleTimers.set(
      chatId,
      setTimeout(() => stop(chatId), IDLE_STOP_MS),
    );
  }

  function received(chatId: string, userId: string, isTyping: boolean) {
    store.update((s) => {
      const chat = { ...s.typing[chatId] };
      if (isTyping) chat[userId] = Date.now() + SHOWN_FOR_MS;
      else if (userId in chat) delete chat[userId];
      else return s;
      return { ...s, typing: { ...s.typing, [chatId]: chat } };
    });
  }

  // Hide indicators that were not refreshed in time.
  setInterval(() => {
    const now = Date.now();
    const { typing } = store.get();
    const lapsed = Object.entries(typing).some(([, users]) =>
      Object.values(users).some((until) => until <= now),
    );
    if (!lapsed) return;
    store.update((s) => {
      const next: AppState['typing'] = {};
      for (const [chatId, users] of Object.entries(s.typing)) {
        next[chatId] = Object.fromEntries(Object.entries(users).filter(([, until]) => until > now));
      }
      return { ...s, typing: next };
    });
  }, 500);

  return { keystroke, stop, received };
}

export type Typing = ReturnType<typeof createTyping>;

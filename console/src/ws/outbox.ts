import type { SendData } from './frames.ts';

/**
 * Sends not yet answered by `message.sent`, oldest first, kept in localStorage so a reload or a
 * dropped socket resends them with the same `client_msg_id` (the server stores each once).
 */
export function createOutbox(storageKey: string) {
  let items: SendData[] = load();

  function load(): SendData[] {
    try {
      const raw = localStorage.getItem(storageKey);
      return raw ? (JSON.parse(raw) as SendData[]) : [];
    } catch {
      return [];
    }
  }

  function save() {
    try {
      localStorage.setItem(storageKey, JSON.stringify(items));
    } catch {
      // Storage full or disabled: the outbox still works for this page's life.
    }
  }

  return {
    list: (): readonly SendData[] => items,
    add(item: SendData) {
      items = [...items.filter((i) => i.client_msg_id !== item.client_msg_id), item];
      save();
    },
    remove(clientMsgId: string) {
      const next = items.filter((i) => i.client_msg_id !== clientMsgId);
      if (next.length === items.length) return;
      items = next;
      save();
    },
    has: (clientMsgId: string) => items.some((i) => i.client_msg_id === clientMsgId),
  };
}

export type Outbox = ReturnType<typeof createOutbox>;

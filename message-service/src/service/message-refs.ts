import { createTtlCache } from '@wa/pkg/cache';
import type { MessageDoc } from '../model/message.ts';
import type { MessageStore } from '../repository/message-store.ts';

/** What never changes about a stored message: enough to apply and announce a receipt. */
export type KnownMessage = Pick<
  MessageDoc,
  'message_id' | 'chat_id' | 'sender_id' | 'created_at'
> & {
  recipients: ReadonlySet<string>;
};

const known = (doc: MessageDoc): KnownMessage => ({
  message_id: doc.message_id,
  chat_id: doc.chat_id,
  sender_id: doc.sender_id,
  created_at: doc.created_at,
  recipients: new Set(Object.keys(doc.status)),
});

/**
 * Receipts arrive for messages sent moments earlier, mostly through the instance that stored them.
 * A message's chat, sender, time and recipients never change, so a bounded cache of recent ones
 * (no TTL: nothing to go stale) answers most receipts without reading the message back; a miss
 * reads it.
 */
export function createMessageRefs(messages: Pick<MessageStore, 'findById'>, maxEntries = 50_000) {
  const refs = createTtlCache<string, KnownMessage>({ maxEntries, ttlMs: Infinity });

  function remember(doc: MessageDoc): KnownMessage {
    const ref = known(doc);
    refs.set(doc.message_id, ref);
    return ref;
  }

  return {
    remember,
    async get(messageId: string): Promise<KnownMessage | null> {
      const hit = refs.get(messageId);
      if (hit) return hit;
      const doc = await messages.findById(messageId);
      return doc ? remember(doc) : null;
    },
  };
}

export type MessageRefs = ReturnType<typeof createMessageRefs>;

import type { Collection, Db, Filter } from '@wa/pkg/db';
import type { MessageDoc } from '../../model/message.ts';
import type { Capabilities } from './capabilities.ts';
import {
  assemble,
  DELIVERIES,
  DELIVERY_FIELDS,
  MESSAGE_FIELDS,
  MESSAGES,
  STARS,
  type DeliveryDoc,
  type DeliveryState,
  type StarDoc,
  type StoredMessage,
} from './documents.ts';

/** Lookups by id where the server cannot serve `$in` from an index: this many at once. */
const LOOKUPS_IN_FLIGHT = 8;

async function inParallel<T, R>(items: T[], limit: number, work: (item: T) => Promise<R>) {
  const results: R[] = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await work(items[i]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

/**
 * Reads of several messages at once, assembled into MessageDocs: a page costs a constant number of
 * commands (the page, its deliveries, the viewer's stars) where `$in` is indexed, else one indexed
 * lookup per message for the deliveries (see capabilities.ts).
 */
export function createMessageLookups(db: Db, capabilities: Capabilities) {
  const messages: Collection<StoredMessage> = db.collection<StoredMessage>(MESSAGES);
  const deliveries: Collection<DeliveryDoc> = db.collection<DeliveryDoc>(DELIVERIES);
  const stars: Collection<StarDoc> = db.collection<StarDoc>(STARS);

  /** Documents whose `message_id` is one of `ids`, in no particular order. */
  async function byMessageIds<T extends { message_id: string }, R>(
    collection: Collection<T>,
    ids: string[],
    options: { projection: Record<string, 0 | 1>; batchSize?: number },
  ): Promise<R[]> {
    const unique = [...new Set(ids)];
    if (!unique.length) return [];
    const find = (filter: Filter<T>) => collection.find(filter, options).toArray() as Promise<R[]>;
    if (unique.length === 1) return find({ message_id: unique[0] } as Filter<T>);
    if (capabilities.indexedIn) return find({ message_id: { $in: unique } } as Filter<T>);
    const parts = await inParallel(unique, LOOKUPS_IN_FLIGHT, (id) =>
      find({ message_id: id } as Filter<T>),
    );
    return parts.flat();
  }

  async function deliveriesOf(ids: string[]): Promise<Map<string, DeliveryState[]>> {
    const found = await byMessageIds<DeliveryDoc, DeliveryState>(deliveries, ids, DELIVERY_FIELDS);
    const byMessage = new Map<string, DeliveryState[]>();
    for (const entry of found) {
      const list = byMessage.get(entry.message_id);
      if (list) list.push(entry);
      else byMessage.set(entry.message_id, [entry]);
    }
    return byMessage;
  }

  /** Which of `ids` the viewer starred: one query by the viewer's stars, whatever the server. */
  async function starredAmong(ids: string[], viewer: string): Promise<Set<string>> {
    if (!ids.length) return new Set();
    const found = await stars
      .find(
        { user_id: viewer, message_id: { $in: ids } },
        { projection: { _id: 0, message_id: 1 } },
      )
      .toArray();
    return new Set(found.map((star) => star.message_id));
  }

  /** Every delivery state and every star of one message. */
  const recipientsOf = (messageId: string) =>
    Promise.all([
      deliveries.find({ message_id: messageId }, DELIVERY_FIELDS).toArray() as Promise<
        DeliveryState[]
      >,
      stars
        .find({ message_id: messageId }, { projection: { _id: 0, user_id: 1 } })
        .toArray()
        .then((found) => found.map((star) => star.user_id).sort()),
    ]);

  /** A message read already, completed with every recipient and star. */
  async function whole(message: StoredMessage): Promise<MessageDoc> {
    const [states, starredBy] = await recipientsOf(message.message_id);
    return assemble(message, states, starredBy);
  }

  return {
    /** `page` completed for `viewer`: full status maps, the viewer's own star and deletion. */
    async complete(page: StoredMessage[], viewer: string): Promise<MessageDoc[]> {
      const ids = page.map((message) => message.message_id);
      const [states, starred] = await Promise.all([deliveriesOf(ids), starredAmong(ids, viewer)]);
      return page.map((message) =>
        assemble(
          message,
          states.get(message.message_id) ?? [],
          starred.has(message.message_id) ? [viewer] : [],
          viewer,
        ),
      );
    },

    /** One message, complete: every recipient, everyone who starred or deleted it. */
    async one(filter: Filter<StoredMessage>, messageId?: string): Promise<MessageDoc | null> {
      if (messageId) {
        // The id is known: the three reads go out together.
        const [message, [states, starredBy]] = await Promise.all([
          messages.findOne(filter, MESSAGE_FIELDS),
          recipientsOf(messageId),
        ]);
        return message ? assemble(message, states, starredBy) : null;
      }
      const message = await messages.findOne(filter, MESSAGE_FIELDS);
      return message ? whole(message) : null;
    },

    whole,

    /** Messages by id, in the order of `ids`; ids without a message are left out. */
    async messagesById(ids: string[]): Promise<StoredMessage[]> {
      const found = await byMessageIds<StoredMessage, StoredMessage>(messages, ids, MESSAGE_FIELDS);
      const byId = new Map(found.map((message) => [message.message_id, message]));
      return ids.flatMap((id) => byId.get(id) ?? []);
    },
  };
}

export type MessageLookups = ReturnType<typeof createMessageLookups>;

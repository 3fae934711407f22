import {
  STAMPED_CACHE_TTL_MS,
  createStampedCache,
  userStamp,
  type StampReader,
  type StampedCacheSettings,
} from '@wa/pkg/cache';
import { notFound, validationError } from '@wa/pkg/errors';
import type { Logger } from '@wa/pkg/log';
import type { MessageKey } from '../model/message.ts';
import { LIMITS } from '../model/message.ts';
import type { OutboxRelay } from '@wa/pkg/bus';
import type { MessageStore, StatusChange } from '../repository/message-store.ts';
import type { UserRemote } from '../repository/user-remote.ts';
import { decodeCursor, encodeCursor } from './cursor.ts';
import type { Membership } from './membership.ts';
import type { KnownMessage, MessageRefs } from './message-refs.ts';
import { msgStatusEvent, statusChange } from './outbox-events.ts';

export type ReceiptStatus = 'delivered' | 'read';

/** One user's acknowledgement that messages reached one of their devices. */
export interface DeliveryReceipt {
  userId: string;
  messageIds: readonly string[];
}

/** One user's receipt for some messages. */
export interface StatusReceipt {
  userId: string;
  status: ReceiptStatus;
  messageIds: readonly string[];
}

/** One user's cumulative read of a chat, up to and including a message. */
export interface ReadRequest {
  chatId: string;
  userId: string;
  upToMessageId: string;
}

/** What `updateReceipts` answers for each receipt and each read: how many moved, or its refusal. */
export type ReceiptOutcome = { updated: number } | { error: unknown };

/** Whether a user sends read receipts (privacy setting `read_receipts`, addenda E). */
export type ReadReceiptsLookup = (userId: string) => Promise<boolean>;

/**
 * The reader's setting from user-service `GetReadReceipts`, cached under the user's stamp: the
 * user-service renews it before acknowledging a privacy change, so the very next read applies the
 * change while an unchanged setting costs no call (an open chat reads every message). Fails safe:
 * when the user-service cannot answer (or does not know the user) the read is hidden, since a read
 * shown against the reader's wish cannot be taken back, while a hidden one only leaves the sender
 * at "delivered". That answer is not cached.
 */
export function readReceiptsFromUserService(
  users: Pick<UserRemote, 'readReceipts'>,
  stamps: StampReader,
  log: Logger,
  cache: StampedCacheSettings = { ttlMs: STAMPED_CACHE_TTL_MS, maxEntries: 10_000 },
): ReadReceiptsLookup {
  const settings = createStampedCache<string, boolean>(cache);
  return async (userId) => {
    try {
      const stamp = (await stamps.read([userStamp(userId)]))?.[0];
      return await settings.getOrLoad(userId, stamp, (id) => users.readReceipts(id));
    } catch (error) {
      log.warn({ err: error, user_id: userId }, 'read receipts setting unavailable, read hidden');
      return false;
    }
  };
}

export interface ReceiptServiceDeps {
  messages: MessageStore;
  /** Given each event whose change applied (the store recorded it with the change). */
  relay: Pick<OutboxRelay, 'notify'>;
  refs: Pick<MessageRefs, 'get'>;
  membership: Membership;
  readReceipts: ReadReceiptsLookup;
  now?: () => Date;
}

/** Delivery and read receipts, and the replay list of undelivered messages. */
export function createReceiptService(deps: ReceiptServiceDeps) {
  const { messages, refs, membership, relay, readReceipts, now = () => new Date() } = deps;

  /**
   * Moves each receipt's user's status on its messages forward; one `msg.status.updated` per
   * status that actually moved, and how many moved per receipt. Messages a user is not a
   * recipient of are ignored. All the receipts go to the store in one call (one statement in the
   * usual case), so an instance's acks of many users cost one write.
   */
  async function updateStatuses(receipts: readonly StatusReceipt[]): Promise<number[]> {
    const at = now();
    const perReceipt = await Promise.all(
      receipts.map(async ({ userId, status, messageIds }) => {
        const hidden = status === 'read' && !(await readReceipts(userId));
        const known = await Promise.all([...new Set(messageIds)].map((id) => refs.get(id)));
        return known
          .filter((message): message is KnownMessage => !!message?.recipients.has(userId))
          .map((message) => statusChange(message, userId, status, at, hidden));
      }),
    );
    const moved = await messages.advanceStatus(perReceipt.flat());
    const events: StatusChange['event'][] = [];
    let next = 0;
    const updated = perReceipt.map((changes) => {
      let count = 0;
      for (const change of changes)
        if (moved[next++]) {
          events.push(change.event);
          count += 1;
        }
      return count;
    });
    if (events.length) relay.notify(...events);
    return updated;
  }

  /** A read checked and resolved, its event made: what `writeRead` writes. */
  async function checkRead({ chatId, userId, upToMessageId }: ReadRequest) {
    await membership.requireMember(chatId, userId);
    // Reads follow their message closely: usually known without a store read.
    const upTo = await refs.get(upToMessageId);
    if (!upTo || upTo.chat_id !== chatId) throw notFound('Message not found in this chat');
    const hidden = !(await readReceipts(userId));
    const at = now();
    // One cumulative event: "read up to here" (the chat-service recounts unread from it), about
    // the newest message from someone else, recorded with the update.
    const anchor =
      upTo.sender_id === userId
        ? ((await messages.latestFromOthers(chatId, userId, upTo)) ?? upTo)
        : upTo;
    const event = msgStatusEvent(anchor, userId, 'read', at, hidden);
    return { chatId, userId, upTo, hidden, at, event };
  }

  async function writeRead(read: Awaited<ReturnType<typeof checkRead>>) {
    const { chatId, userId, upTo, hidden, at, event } = read;
    const updated = await messages.markReadUpTo(chatId, userId, upTo, hidden, at, event);
    if (updated > 0) relay.notify(event);
    return { updated };
  }

  /**
   * The delivery receipts and reads of many users together (an open chat acknowledges and reads
   * each message it receives). A read its sender may see also acknowledges the message it names
   * (the read statement takes it off the reader's backlog), so the same reader's ack of that
   * message is left out: one status write and one `read` event instead of a `delivered` and then
   * a `read`; an ack left out fails with its read. Acks and reads are written side by side, but
   * a hidden read waits for the acks: one that overtook an ack would leave the sender without
   * `delivered`. Each receipt and each read settles on its own.
   */
  async function updateReceipts(
    delivered: readonly DeliveryReceipt[],
    reads: readonly ReadRequest[],
  ): Promise<{ delivered: ReceiptOutcome[]; reads: ReceiptOutcome[] }> {
    const checked = await Promise.allSettled(reads.map(checkRead));
    const covering = new Map<string, number>();
    checked.forEach((read, i) => {
      if (read.status === 'fulfilled' && !read.value.hidden)
        covering.set(`${read.value.userId}/${read.value.upTo.message_id}`, i);
    });
    const acks = delivered.map(({ userId, messageIds }) => ({
      userId,
      status: 'delivered' as const,
      messageIds: messageIds.filter((id) => !covering.has(`${userId}/${id}`)),
      readsStoodInFor: messageIds.flatMap((id) => covering.get(`${userId}/${id}`) ?? []),
    }));
    const acksWritten = updateStatuses(acks.filter((ack) => ack.messageIds.length > 0));
    acksWritten.catch(() => undefined); // awaited below; meanwhile its failure is not unhandled
    const readOutcomes = await Promise.all(
      checked.map(async (read): Promise<ReceiptOutcome> => {
        if (read.status === 'rejected') return { error: read.reason as unknown };
        if (read.value.hidden) await acksWritten.catch(() => undefined);
        return writeRead(read.value).catch((error: unknown) => ({ error }));
      }),
    );
    const moved = await acksWritten;
    let next = 0;
    const ackOutcomes = acks.map((ack): ReceiptOutcome => {
      const updated = ack.messageIds.length > 0 ? moved[next++] : 0;
      const failedRead = ack.readsStoodInFor.map((i) => readOutcomes[i]).find((o) => 'error' in o);
      return failedRead ?? { updated };
    });
    return { delivered: ackOutcomes, reads: readOutcomes };
  }

  return {
    updateStatuses,

    /** One user's receipt for several messages (REST and `UpdateMessageStatus`). */
    async updateStatus(messageIds: string[], userId: string, status: ReceiptStatus) {
      const [updated] = await updateStatuses([{ userId, status, messageIds }]);
      return { updated };
    },

    /** Everything in the chat up to and including `upToMessageId` is read by `userId` (PRD §6.4). */
    async markRead(chatId: string, userId: string, upToMessageId: string) {
      return writeRead(await checkRead({ chatId, userId, upToMessageId }));
    },

    updateReceipts,

    async listUndelivered(userId: string, after: string, limit: number) {
      if (!Number.isInteger(limit) || limit < 1 || limit > LIMITS.undeliveredMax)
        throw validationError(`limit must be 1-${LIMITS.undeliveredMax}`);
      const key: MessageKey | undefined = after ? decodeCursor(after, 'after') : undefined;
      const page = await messages.undelivered(userId, key, limit + 1);
      const more = page.length > limit;
      const items = more ? page.slice(0, limit) : page;
      const last = items.at(-1);
      return { messages: items, next: more && last ? encodeCursor(last) : '' };
    },
  };
}

export type ReceiptService = ReturnType<typeof createReceiptService>;

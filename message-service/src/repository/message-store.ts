import type { ConfirmEvents, OutboxEvent, OutboxStore } from '@wa/pkg/bus';
import type { StoreKind, WriteBatchOptions } from '@wa/pkg/db';
import type { WorkTracker } from '@wa/pkg/health';
import type { Logger } from '@wa/pkg/log';
import type { DeliveryStatus, MessageDoc, MessageKey, MessagePayload } from '../model/message.ts';

/*
 * Addenda K: the message-service stores through this interface; the URL scheme of
 * MESSAGE_STORE_URL picks the adapter (open-message-store.ts). Every adapter passes the contract
 * suite in test/store-contract.ts. Documents go in and out as MessageDoc, whatever the layout.
 *
 * Events: every change that announces itself takes its event, and the adapter records the event
 * with the change: in the same transaction where the store has them (PostgreSQL), else stored
 * first and removed again when the change did not apply (MongoDB, with `confirm` for the sweep).
 * Either way an applied change always has its event in the outbox, and a change that did not
 * apply leaves none behind. The caller hands an applied change's event to the relay.
 */

/** The message an update is about; its chat lets an adapter serialise one chat's writes. */
export type MessageRef = Pick<MessageDoc, 'message_id' | 'chat_id'>;

/** One recipient's status moving forward on one message. */
export interface StatusChange {
  message: MessageRef;
  userId: string;
  target: 'delivered' | 'read';
  /** The statuses it may move from (lower than `target`): a status never moves back. */
  from: DeliveryStatus[];
  at: Date;
  /** Its `msg.status.updated`, recorded if and only if the status moved. */
  event: OutboxEvent<'msg.status.updated'>;
}

export interface MessageStore {
  /** Which adapter this is (logs, benchmarks). */
  readonly kind: StoreKind;
  /** The relay's view of the outbox the events are recorded in. */
  readonly outbox: OutboxStore;
  /**
   * For the relay's sweep: whether the changes of events found in the outbox happened. Only an
   * adapter that stores events before their change needs it.
   */
  readonly confirm?: ConfirmEvents;

  /**
   * Stores a new message with its `msg.new`; 'duplicate' when the sender already has a message
   * with its `client_msg_id` (then nothing is written). Concurrent inserts may be batched; a
   * document the store refuses fails only its own insert.
   */
  insert(doc: MessageDoc, event: OutboxEvent<'msg.new'>): Promise<'inserted' | 'duplicate'>;

  findById(messageId: string): Promise<MessageDoc | null>;
  findByClientId(senderId: string, clientMsgId: string): Promise<MessageDoc | null>;

  /**
   * A chat's messages that `viewerId` has not deleted for themselves, newest first, strictly
   * before `before` in (created_at, message_id) order. Returned documents may name only the
   * viewer in `deleted_for` and `is_starred_by`; `status` is complete.
   */
  history(
    chatId: string,
    viewerId: string,
    before: MessageKey | undefined,
    limit: number,
  ): Promise<MessageDoc[]>;

  /**
   * Messages of the chat, not deleted for everyone nor for the viewer, whose text (body or
   * caption) holds every one of `terms` as a whole word, case-insensitively; newest first.
   * `terms` are words (letters, digits, underscore), never patterns.
   */
  search(chatId: string, viewerId: string, terms: string[], limit: number): Promise<MessageDoc[]>;

  /** Messages `userId` starred and did not delete for themselves, newest first (keyset as history). */
  starred(userId: string, before: MessageKey | undefined, limit: number): Promise<MessageDoc[]>;

  /** Messages addressed to `userId` that none of their devices acknowledged, oldest first. */
  undelivered(userId: string, after: MessageKey | undefined, limit: number): Promise<MessageDoc[]>;

  /**
   * Applies each change whose recipient is at one of its `from` statuses, recording its event;
   * resolves, in order, whether each moved. Either way the named recipient is no longer owed the
   * message (they named it, so a device of theirs has it).
   */
  advanceStatus(changes: StatusChange[]): Promise<boolean[]>;

  /**
   * Marks every message of the chat created at or before `upTo` that `userId` has at sent or
   * delivered as read (with `receipt_hidden` when the reader hides receipts), and `upTo` itself
   * as no longer owed. Records `event` when at least one moved; resolves with how many moved.
   */
  markReadUpTo(
    chatId: string,
    userId: string,
    upTo: MessageKey,
    receiptHidden: boolean,
    at: Date,
    event: OutboxEvent<'msg.status.updated'>,
  ): Promise<number>;

  /** The newest message not from `userId` created at or before `upTo` (a read receipt's anchor). */
  latestFromOthers(chatId: string, userId: string, upTo: MessageKey): Promise<MessageDoc | null>;

  /** Deletes for `userId` only (idempotent). */
  hideFor(message: MessageRef, userId: string): Promise<void>;

  /** Deletes for everyone, replacing the payload; false (and no event) when it already was. */
  deleteForEveryone(
    message: MessageRef,
    payload: MessagePayload,
    at: Date,
    event: OutboxEvent<'msg.deleted'>,
  ): Promise<boolean>;

  /** Stars or unstars for `userId` (idempotent). */
  setStar(message: MessageRef, userId: string, starred: boolean): Promise<void>;

  /** Whether the store answers (readiness). */
  ping(): Promise<boolean>;
  close(): Promise<void>;
}

/** The reads of a store (each adapter builds them in a file of their own). */
export type MessageReads = Pick<
  MessageStore,
  | 'findById'
  | 'findByClientId'
  | 'history'
  | 'search'
  | 'starred'
  | 'undelivered'
  | 'latestFromOthers'
>;

/** What an adapter may use to report its progress and problems. */
export interface MessageStoreContext {
  log: Logger;
  /** The liveness watchdog's tracker for store work (pkg/health). */
  progress?: WorkTracker;
  /**
   * How long a lone batched write waits for others; default 0. Inserts on both adapters, read marks
   * on PostgreSQL (the MongoDB adapter writes each read mark on its own).
   */
  batchWaitMs?: number;
}

/** How an adapter's batched writes report progress and wait for company. */
export const writeBatching = (context: MessageStoreContext): WriteBatchOptions => ({
  progress: context.progress,
  lingerMs: context.batchWaitMs,
});

/** Opens the adapter a store URL names (`postgres://`, `postgresql://` or `mongodb://`). */
export type OpenMessageStore = (
  url: string,
  context: MessageStoreContext & { poolMax?: number },
) => Promise<MessageStore>;

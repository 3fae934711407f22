import type { Db } from '@wa/pkg/db';
import {
  createMongoOutboxStore,
  eventMeta,
  type ConfirmEvents,
  type MongoOutboxStore,
  type OutboxEvent,
  type OutboxRelay,
} from '@wa/pkg/bus';
import type { MessageDoc } from '../model/message.ts';
import type { MessageRepository } from '../repository/message-repository.ts';
import { changeApplied, messageIdOf } from '../model/event-rules.ts';

/*
 * The message-service's events and how they are recorded. FerretDB has no multi-document
 * transactions, so each event is stored before its change is applied (outbox-first): a crash
 * after the change leaves the event for the relay's sweep, which asks `confirmStoredEvents`
 * whether the change really happened before publishing it.
 */

export const OUTBOX_COLLECTION = 'message_event_outbox';

/** The service's outbox store: its collection, and one lease every instance competes for. */
export const createMessageOutbox = (db: Db): MongoOutboxStore =>
  createMongoOutboxStore({
    db,
    collection: OUTBOX_COLLECTION,
    leaseCollection: 'message_relay_lease',
    leaseName: 'message-service-relay',
  });

export type MessageEvent = OutboxEvent<'msg.new' | 'msg.status.updated' | 'msg.deleted'>;

/** The `msg.new` of a stored message; `recipient_ids` are the keys of its status map. */
export function msgNewEvent(doc: MessageDoc): OutboxEvent<'msg.new'> {
  return {
    event_id: doc.event_id,
    subject: 'msg.new',
    created_at: doc.created_at,
    payload: {
      event_id: doc.event_id,
      timestamp: doc.created_at.toISOString(),
      message_id: doc.message_id,
      chat_id: doc.chat_id,
      sender_id: doc.sender_id,
      type: doc.type,
      payload: doc.payload,
      recipient_ids: Object.keys(doc.status),
    },
  };
}

export function msgStatusEvent(
  message: Pick<MessageDoc, 'message_id' | 'chat_id' | 'sender_id' | 'created_at'>,
  userId: string,
  status: 'delivered' | 'read',
  at: Date,
  receiptHidden: boolean,
): OutboxEvent<'msg.status.updated'> {
  const meta = eventMeta(at);
  return {
    event_id: meta.event_id,
    subject: 'msg.status.updated',
    created_at: at,
    payload: {
      ...meta,
      message_id: message.message_id,
      chat_id: message.chat_id,
      sender_id: message.sender_id,
      user_id: userId,
      status,
      message_timestamp: message.created_at.toISOString(),
      ...(receiptHidden ? { receipt_hidden: true } : {}),
    },
  };
}

/** Deleted for everyone by its sender: the recipients are told, as they were of the message. */
export function msgDeletedEvent(
  message: Pick<MessageDoc, 'message_id' | 'chat_id' | 'status'>,
  at: Date,
): OutboxEvent<'msg.deleted'> {
  const meta = eventMeta(at);
  return {
    event_id: meta.event_id,
    subject: 'msg.deleted',
    created_at: at,
    payload: {
      ...meta,
      message_id: message.message_id,
      chat_id: message.chat_id,
      recipient_ids: Object.keys(message.status),
    },
  };
}

/** The relay's check of events a stopped instance left behind. */
export function confirmStoredEvents(messages: Pick<MessageRepository, 'findById'>): ConfirmEvents {
  return (events) =>
    Promise.all(
      events.map(async (event) => {
        const messageId = messageIdOf(event);
        return messageId ? changeApplied(event, await messages.findById(messageId)) : false;
      }),
    );
}

export interface EventRecorder {
  outbox: Pick<MongoOutboxStore, 'enqueue'>;
  relay: Pick<OutboxRelay, 'notify' | 'discard'>;
}

/**
 * Stores `event`, then applies its change; the event goes to the relay's queue when the change
 * took effect and is discarded when it did not (e.g. a retried receipt). Should `apply` fail, the
 * stored event is left to the sweep, which publishes it only if the change happened after all.
 */
export async function recordChange<T>(
  { outbox, relay }: EventRecorder,
  event: MessageEvent,
  apply: () => Promise<T>,
  applied: (result: T) => boolean,
): Promise<T> {
  await outbox.enqueue(event);
  const result = await apply();
  if (applied(result)) relay.notify(event);
  else relay.discard(event);
  return result;
}

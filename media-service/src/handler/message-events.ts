import {
  consumeEvents,
  type EventConsumer,
  type NatsConnection,
  type ReceivedEvent,
} from '@wa/pkg/bus';
import type { ServiceProbes } from '@wa/pkg/health';
import type { Logger } from '@wa/pkg/log';
import type { MediaStore } from '../repository/media-store.ts';

export interface MessageEventSettings {
  nc: NatsConnection;
  durable: string;
  store: Pick<MediaStore, 'addReference'>;
  log: Logger;
  inactiveThresholdMs?: number;
  maxDeliver?: number;
  probes?: ServiceProbes;
}

/** Records the chat of every message that carries a media id; idempotent, so any order is fine. */
export function handleMessageEvent(store: Pick<MediaStore, 'addReference'>) {
  return async (event: ReceivedEvent<'msg.new'>): Promise<void> => {
    const mediaId = event.payload.payload.media_id;
    if (!mediaId) return;
    await store.addReference(mediaId, event.payload.chat_id, new Date(event.payload.timestamp));
  };
}

/**
 * Addenda I: the media-service learns which chats reference an upload from `msg.new`, through
 * one durable consumer shared by its instances. Text messages are most of the stream and cost
 * only their ack (sent together).
 */
export function consumeMessageEvents(settings: MessageEventSettings): Promise<EventConsumer> {
  return consumeEvents<'msg.new'>({
    nc: settings.nc,
    durable: settings.durable,
    subjects: ['msg.new'],
    handle: handleMessageEvent(settings.store),
    log: settings.log,
    inactiveThresholdMs: settings.inactiveThresholdMs,
    maxDeliver: settings.maxDeliver,
    probes: settings.probes,
    concurrency: 64,
    maxMessages: 256,
    orderKey: (event) => event.payload.message_id,
    ackDelayMs: 20,
  });
}

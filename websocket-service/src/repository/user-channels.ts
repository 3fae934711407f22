import type { Redis } from '@wa/pkg/db';
import type { Logger } from '@wa/pkg/log';

/** PRD §5.3: one pub/sub channel per user carries the frames for all of that user's devices. */
export const userChannel = (userId: string): string => `user:channel:${userId}`;
const CHANNEL_PREFIX = 'user:channel:';
/** Tells every instance to forget a chat's cached participants. */
export const CHAT_INVALIDATION_CHANNEL = 'ws:chat-invalidated';

export interface UserChannelsDeps {
  /** Commands (PUBLISH). */
  redis: Redis;
  /** A separate connection in subscriber mode. */
  subscriber: Redis;
  log: Logger;
  /** A frame as Redis delivered it: UTF-8 JSON bytes, written to sockets without decoding. */
  onFrame: (userId: string, frame: Buffer) => void;
  onChatInvalidated: (chatId: string) => void;
  /** The users held here, whose channels must be subscribed whenever the subscriber reconnects. */
  heldUserIds: () => string[];
  /** Called once those channels are confirmed after a reconnection. */
  onResubscribed: () => void;
}

/** Channels per SUBSCRIBE command when renewing them all. */
const RESUBSCRIBE_CHUNK = 1_000;

async function inChunks(channels: string[], command: (chunk: string[]) => Promise<unknown>) {
  for (let start = 0; start < channels.length; start += RESUBSCRIBE_CHUNK)
    await command(channels.slice(start, start + RESUBSCRIBE_CHUNK));
}

/**
 * Cross-instance fan-out over Redis pub/sub: an instance SUBSCRIBEs to the channel of each user it
 * holds (so it receives only its users' frames), and any instance PUBLISHes to a user's channel.
 */
export function createUserChannels({
  redis,
  subscriber,
  log,
  onFrame,
  onChatInvalidated,
  heldUserIds,
  onResubscribed,
}: UserChannelsDeps) {
  const leftWhileAway = new Set<string>();
  // Frames stay bytes from Redis to the socket: no UTF-8 decoding here and encoding again in ws.
  subscriber.on('messageBuffer', (channelBytes: Buffer, message: Buffer) => {
    const channel = channelBytes.toString();
    if (channel.startsWith(CHANNEL_PREFIX)) onFrame(channel.slice(CHANNEL_PREFIX.length), message);
    else if (channel === CHAT_INVALIDATION_CHANNEL) onChatInvalidated(message.toString());
  });

  /*
   * ioredis renews the subscriptions it had on reconnecting, but not those that failed while
   * Redis was away (a user who connected meanwhile). Every held user's channel is subscribed
   * again; Redis answers in order, so once these are confirmed ioredis' own renewals are too.
   */
  async function resubscribe(): Promise<void> {
    const held = heldUserIds();
    const channels = [CHAT_INVALIDATION_CHANNEL, ...held.map(userChannel)];
    await inChunks(channels, (chunk) => subscriber.subscribe(...chunk));
    // ioredis also renewed the channels of users who left while their UNSUBSCRIBE could not go.
    const stillHeld = new Set(held);
    const stale = [...leftWhileAway].filter((userId) => !stillHeld.has(userId));
    await inChunks(stale.map(userChannel), (chunk) => subscriber.unsubscribe(...chunk));
    for (const userId of stale) leftWhileAway.delete(userId);
    log.info({ channels: channels.length, dropped: stale.length }, 'redis channels renewed');
    onResubscribed();
  }

  let connectedOnce = subscriber.status === 'ready';
  subscriber.on('ready', () => {
    if (!connectedOnce) {
      connectedOnce = true;
      return;
    }
    // A later failure is followed by another reconnection, hence another attempt.
    resubscribe().catch((error: unknown) =>
      log.warn({ err: error }, 'renewing redis channels failed'),
    );
  });

  return {
    async start(): Promise<void> {
      await subscriber.subscribe(CHAT_INVALIDATION_CHANNEL);
    },

    /** Resolves once Redis confirmed the subscription, so nothing published afterwards is missed. */
    async subscribe(userId: string): Promise<void> {
      leftWhileAway.delete(userId);
      await subscriber.subscribe(userChannel(userId));
    },

    async unsubscribe(userId: string): Promise<void> {
      await subscriber.unsubscribe(userChannel(userId)).catch((error: unknown) => {
        leftWhileAway.add(userId);
        log.warn({ err: error, user_id: userId }, 'redis unsubscribe failed');
      });
    },

    /**
     * One frame to many users; rejects when Redis did not take them all. Publishes asked for in
     * one turn of the event loop (the events of one NATS read) go to Redis in one write: the
     * client pipelines them (pkg/src/db/redis.ts).
     */
    async publish(userIds: readonly string[], frame: string): Promise<void> {
      await Promise.all(userIds.map((userId) => redis.publish(userChannel(userId), frame)));
    },

    async invalidateChat(chatId: string): Promise<void> {
      await redis.publish(CHAT_INVALIDATION_CHANNEL, chatId);
    },
  };
}

export type UserChannels = ReturnType<typeof createUserChannels>;

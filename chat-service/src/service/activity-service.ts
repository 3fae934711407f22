import type { EventPayload } from '@wa/pkg/bus';
import { createWriteBatch, type PgPool } from '@wa/pkg/db';
import type { WorkTracker } from '@wa/pkg/health';
import type { Logger } from '@wa/pkg/log';
import {
  readKey,
  type ChatRead,
  type MessageActivityRepository,
  type NewMessage,
} from '../repository/message-activity-repository.ts';
import { DELETED_PREVIEW, messagePreview } from './message-preview.ts';

export interface ActivityServiceDeps {
  pool: PgPool;
  activity: MessageActivityRepository;
  log: Logger;
  /** The message log's writes are reported into the service's watchdog (liveness). */
  progress?: WorkTracker;
  /** How long a msg.new waits for others to share its statement (default 0: at once). */
  batchWaitMs?: number;
}

export type ActivityOutcome = 'applied' | 'ignored';

/**
 * Keeps the chat list's last message and unread counts in step with the message-service's
 * events. Each handler is idempotent and tolerates any arrival order: a redelivered msg.new is
 * recognised by its message id in `chat_message_log`, the last message only moves forward in
 * time, and a read is a watermark that only moves forward too.
 */
/**
 * Runs the functions it is given one after another. A read recounts the unread messages its
 * statement's snapshot sees; a msg.new committed while that statement runs would be missed by the
 * recount and not counted by its own statement either (the read had not moved yet), so reads and
 * msg.new statements of this instance never overlap. Events arrive in any order; only overlap hurts.
 */
function createSerialGate() {
  let tail: Promise<unknown> = Promise.resolve();
  return <T>(work: () => Promise<T>): Promise<T> => {
    const run = tail.then(work, work);
    tail = run.catch(() => undefined);
    return run;
  };
}

export function createActivityService({
  pool,
  activity,
  log,
  progress,
  batchWaitMs = 0,
}: ActivityServiceDeps) {
  const oneAtATime = createSerialGate();
  // Concurrent msg.new events (the consumer hands several at once) share one statement, which is
  // all or nothing: after a failure each is recorded again on its own. A statement costs about a
  // millisecond of PostgreSQL's CPU however few rows it writes, so a lone event waits a little
  // for others (a chat list a few ms late is not seen; the client has the message.new frame).
  const record = createWriteBatch(
    async (batch: NewMessage[]) => {
      const logged = await oneAtATime(() => activity.record(pool, batch));
      return batch.map((message) => logged.has(message.messageId));
    },
    { progress, lingerMs: batchWaitMs },
  );
  // Reads share statements the same way: every open chat reads each message it receives.
  const markRead = createWriteBatch(
    async (batch: ChatRead[]) => {
      const moved = await oneAtATime(() => activity.markRead(pool, batch));
      return batch.map((read) => moved.has(readKey(read)));
    },
    { progress, lingerMs: batchWaitMs },
  );

  return {
    async messageCreated(event: EventPayload<'msg.new'>): Promise<ActivityOutcome> {
      const applied = await record({
        messageId: event.message_id,
        chatId: event.chat_id,
        senderId: event.sender_id,
        type: event.type,
        preview: messagePreview(event.type, event.payload),
        createdAt: new Date(event.timestamp),
        recipientIds: event.recipient_ids,
      });
      if (!applied)
        log.debug({ message_id: event.message_id, chat_id: event.chat_id }, 'msg.new skipped');
      return applied ? 'applied' : 'ignored';
    },

    /** Only `read` matters here: everything up to that message is read (PRD §7.3). */
    async statusUpdated(event: EventPayload<'msg.status.updated'>): Promise<ActivityOutcome> {
      if (event.status !== 'read' || event.user_id === event.sender_id) return 'ignored';
      const moved = await markRead({
        chatId: event.chat_id,
        userId: event.user_id,
        readUpTo: new Date(event.message_timestamp),
      });
      return moved ? 'applied' : 'ignored';
    },

    /**
     * Trims `chat_message_log` of rows every member has read, in batches, keeping the last
     * `keepMs` (redeliveries of recent msg.new must still be recognised). Returns rows deleted.
     */
    async pruneLog(keepMs = 3_600_000, batch = 5_000): Promise<number> {
      const before = new Date(Date.now() - keepMs);
      let deleted = 0;
      for (;;) {
        const count = await activity.prune(pool, before, batch);
        deleted += count;
        if (count < batch) break;
      }
      if (deleted) log.info({ deleted }, 'chat_message_log pruned');
      return deleted;
    },

    async messageDeleted(event: EventPayload<'msg.deleted'>): Promise<ActivityOutcome> {
      await activity.blankPreview(pool, event.chat_id, event.message_id, DELETED_PREVIEW);
      return 'applied';
    },
  };
}

export type ActivityService = ReturnType<typeof createActivityService>;

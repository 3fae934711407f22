import type { EventPayload } from '@wa/pkg/bus';
import { isMutedAt, type ChatParticipantsDirectory } from '@wa/pkg/grpc';
import type { Logger } from '@wa/pkg/log';
import type { DeviceTokens } from '../repository/device-tokens.ts';
import type { ClaimedWindow, PushWindows } from '../repository/push-windows.ts';
import type { UserRemote } from '../repository/user-remote.ts';
import type { PushDelivery } from './push-delivery.ts';
import type { PushMetrics } from './push-metrics.ts';
import { groupAddedData, messageData, summarise, type MessageSummary } from './push-content.ts';

export interface PushServiceSettings {
  participants: Pick<ChatParticipantsDirectory, 'of' | 'invalidate'>;
  users: Pick<UserRemote, 'isOnline' | 'profile'>;
  tokens: Pick<DeviceTokens, 'ofUser'>;
  windows: PushWindows;
  delivery: PushDelivery;
  metrics: PushMetrics;
  log: Logger;
  groupWindowMs: number;
  /** Windows claimed per flush, and how long a claim is held before another instance may retry. */
  flushBatch?: number;
  leaseMs?: number;
  now?: () => number;
}

/** A window whose push could not be completed is due again this much later. */
const FLUSH_RETRY_MS = 1_000;

/**
 * The push rules (addenda J, PRD §8). For each recipient of an event, in order: the sender gets
 * nothing; someone online (a live WebSocket) gets nothing; a muted chat gets nothing; otherwise
 * every device is pushed to. Direct chats push at once; group chats gather into one push per
 * (recipient, chat) window, sent when it closes with `message_count`. Online and mute are looked
 * at again when a window closes, so a mute or a reconnection within it holds.
 */
export function createPushService(settings: PushServiceSettings) {
  const { participants, users, tokens, windows, delivery, metrics, log } = settings;
  const now = settings.now ?? Date.now;
  const flushBatch = settings.flushBatch ?? 100;
  const leaseMs = settings.leaseMs ?? 30_000;

  /** Online, then muted (each counted); true when the recipient may be pushed to. */
  async function reachable(chatId: string, userId: string): Promise<boolean> {
    if (await users.isOnline(userId)) {
      metrics.count('skipped_online');
      return false;
    }
    const chat = await participants.of(chatId);
    const member = chat.participants.find((p) => p.userId === userId);
    if (member && isMutedAt(member, now())) {
      metrics.count('skipped_muted');
      return false;
    }
    return true;
  }

  async function devicesOf(userId: string): Promise<string[] | undefined> {
    const found = await tokens.ofUser(userId);
    if (found.length > 0) return found;
    metrics.count('no_token');
    log.warn({ user_id: userId }, 'no device token: push skipped');
    return undefined;
  }

  async function pushMessage(
    key: string,
    userId: string,
    message: MessageSummary,
    count?: number,
  ): Promise<void> {
    const devices = await devicesOf(userId);
    if (!devices) return;
    const sender = await users.profile(message.sender_id, userId);
    await delivery.deliver({
      key,
      userId,
      tokens: devices,
      data: messageData(message, sender, count),
      chatType: message.chat_type,
      eventAt: message.at,
    });
  }

  async function flushWindow(window: ClaimedWindow): Promise<void> {
    try {
      const last = JSON.parse(window.last) as MessageSummary;
      if (await reachable(window.chatId, window.userId))
        // Same key when a failed window is retried; a new one when later messages joined it.
        await pushMessage(
          `w:${last.message_id}:${window.count}`,
          window.userId,
          last,
          window.count,
        );
      await windows.finish(window, settings.groupWindowMs);
    } catch (error) {
      log.warn(
        { err: error, chat_id: window.chatId, user_id: window.userId },
        'group push retried',
      );
      await windows.postpone(window, FLUSH_RETRY_MS).catch(() => undefined);
    }
  }

  return {
    async onMessage(event: EventPayload<'msg.new'>): Promise<void> {
      const chat = await participants.of(event.chat_id);
      const summary = summarise(event, chat.type);
      if (!summary) return;
      const recipients = event.recipient_ids.filter((id) => id !== event.sender_id);
      if (chat.type === 'group') {
        // Online and mute are decided when the window closes.
        const counted = await windows.add(
          event.chat_id,
          recipients,
          event.message_id,
          summary.at,
          settings.groupWindowMs,
          JSON.stringify(summary),
        );
        for (const count of counted) if (count === 0) metrics.count('already_sent');
        return;
      }
      const outcomes = await Promise.allSettled(
        recipients.map(async (userId) => {
          if (await reachable(event.chat_id, userId))
            await pushMessage(event.event_id, userId, summary);
        }),
      );
      const failed = outcomes.find((outcome) => outcome.status === 'rejected');
      // Redelivered: recipients already settled are skipped by their marks and window ids.
      if (failed) throw failed.reason;
    },

    async onMemberAdded(event: EventPayload<'group.member.added'>): Promise<void> {
      participants.invalidate(event.chat_id);
      if (event.added_by === event.user_id) return;
      if (!(await reachable(event.chat_id, event.user_id))) return;
      const devices = await devicesOf(event.user_id);
      if (!devices) return;
      const chat = await participants.of(event.chat_id);
      const admin = await users.profile(event.added_by, event.user_id);
      await delivery.deliver({
        key: event.event_id,
        userId: event.user_id,
        tokens: devices,
        data: groupAddedData(event, chat.name, admin),
        chatType: 'group',
        eventAt: Date.parse(event.timestamp),
      });
    },

    onMemberRemoved(event: EventPayload<'group.member.removed'>): void {
      participants.invalidate(event.chat_id);
    },

    /** Pushes the group windows that are due; returns how many were claimed. */
    async flushDue(): Promise<number> {
      const due = await windows.claimDue(flushBatch, leaseMs);
      await Promise.all(due.map(flushWindow));
      return due.length;
    },
  };
}

export type PushService = ReturnType<typeof createPushService>;

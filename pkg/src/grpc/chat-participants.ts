import {
  STAMPED_CACHE_TTL_MS,
  chatStamp,
  createStampedCache,
  type StampReader,
} from '../cache/index.ts';
import type { Client } from '@connectrpc/connect';
import type { ChatService } from './gen/chat/chat_pb.js';
import { createRemote } from './remote.ts';

export interface ChatParticipant {
  userId: string;
  role: string;
  isMuted: boolean;
  /** Unix ms when a timed mute ends; null when muted indefinitely or not muted. */
  muteUntil: number | null;
}

export interface ChatParticipants {
  type: string;
  /** The group's name; '' for a direct chat. */
  name: string;
  isAdminOnly: boolean;
  participants: ChatParticipant[];
  userIds: string[];
}

/** Whether `participant` has the chat muted at `now`: a `mute_until` that has passed is over. */
export function isMutedAt(participant: ChatParticipant, now: number): boolean {
  return participant.isMuted && (participant.muteUntil === null || participant.muteUntil > now);
}

/**
 * Chat members from the chat-service's GetParticipants, cached per instance under the chat's
 * stamp (pkg/src/cache/freshness.ts): each lookup reads the stamp first, so a member added or
 * removed, or a mute, is seen by the very next lookup on any instance; without Redis every
 * lookup asks the chat-service. Membership events may drop an entry early. Concurrent lookups of
 * one chat (a burst of frames or events for it) share one call.
 */
export function createChatParticipants(
  chats: Client<typeof ChatService>,
  stamps: StampReader,
  ttlMs = STAMPED_CACHE_TTL_MS,
  maxEntries = 10_000,
) {
  const remote = createRemote<typeof ChatService>('chat-service', chats);
  const cache = createStampedCache<string, ChatParticipants>({ ttlMs, maxEntries });
  async function load(chatId: string): Promise<ChatParticipants> {
    const answer = await remote.call((client) => client.getParticipants({ chatId }));
    const participants = answer.participants.map((p) => ({
      userId: p.userId,
      role: p.role,
      isMuted: p.isMuted,
      muteUntil: p.muteUntil === 0n ? null : Number(p.muteUntil),
    }));
    return {
      type: answer.type,
      name: answer.name,
      isAdminOnly: answer.isAdminOnly,
      participants,
      userIds: participants.map(({ userId }) => userId),
    };
  }
  return {
    async of(chatId: string): Promise<ChatParticipants> {
      const read = await stamps.read([chatStamp(chatId)]);
      return cache.getOrLoad(chatId, read?.[0], load);
    },
    invalidate(chatId: string): void {
      cache.delete(chatId);
    },
  };
}

export type ChatParticipantsDirectory = ReturnType<typeof createChatParticipants>;

import { createTtlCache } from '@wa/pkg/cache';
import { forbidden } from '@wa/pkg/errors';
import type { ChatRemote } from '../repository/chat-remote.ts';
import type { UserRemote } from '../repository/user-remote.ts';

/** A chat's participants as the chat-service reports them (addenda D). */
export interface ChatMembers {
  chatId: string;
  type: 'direct' | 'group';
  isAdminOnly: boolean;
  roles: Map<string, 'admin' | 'member'>;
}

export interface MembershipDeps {
  chats: Pick<ChatRemote, 'participants'>;
  users: Pick<UserRemote, 'isBlocked'>;
  ttlMs: number;
  maxEntries: number;
  now?: () => number;
}

/** The one answer for "no such chat" and "not a member", so non-members learn nothing. */
export const NOT_A_MEMBER = 'You are not a member of this chat';

/**
 * Membership and posting rights: chat-service `GetParticipants` and user-service `CheckBlocked`,
 * each behind a TTL cache. Every instance drops an entry when the chat's membership or the pair's
 * block changes (handler/cache-events.ts), so the TTL only bounds staleness if an event is missed.
 */
export function createMembership({
  chats,
  users,
  ttlMs,
  maxEntries,
  now = Date.now,
}: MembershipDeps) {
  async function fetchMembers(chatId: string): Promise<ChatMembers | null> {
    const roster = await chats.participants(chatId);
    if (!roster) return null;
    const { type, isAdminOnly, participants } = roster;
    return {
      chatId,
      type,
      isAdminOnly,
      roles: new Map(participants.map((p) => [p.userId, p.role])),
    };
  }

  async function fetchBlocked(pair: string): Promise<boolean> {
    const [blockerId, blockedId] = pair.split(' ');
    return users.isBlocked(blockerId, blockedId);
  }

  const settings = { ttlMs, maxEntries, now };
  const members = createTtlCache<string, ChatMembers | null>(settings);
  const blocks = createTtlCache<string, boolean>(settings);
  const pairKey = (blockerId: string, blockedId: string) => `${blockerId} ${blockedId}`;
  const membersOf = (chatId: string) => members.getOrLoad(chatId, fetchMembers);
  const isBlocked = (blockerId: string, blockedId: string) =>
    blocks.getOrLoad(pairKey(blockerId, blockedId), fetchBlocked);

  return {
    /** The chat's members or posting rules changed. */
    invalidate(chatId: string): void {
      members.delete(chatId);
    },

    /** `blockerId` blocked or unblocked `blockedId`. */
    invalidateBlock(blockerId: string, blockedId: string): void {
      blocks.delete(pairKey(blockerId, blockedId));
    },

    /** The chat's members when `userId` is one of them; else 403 whether or not the chat exists. */
    async requireMember(chatId: string, userId: string): Promise<ChatMembers> {
      const found = await membersOf(chatId);
      if (!found || !found.roles.has(userId)) throw forbidden(NOT_A_MEMBER);
      return found;
    },

    /** Membership plus the posting rules: admin-only groups, blocked direct chats (addenda E). */
    async requireCanPost(chatId: string, userId: string): Promise<ChatMembers> {
      const found = await this.requireMember(chatId, userId);
      if (found.type === 'group' && found.isAdminOnly && found.roles.get(userId) !== 'admin')
        throw forbidden('Only admins can send messages to this group');
      if (found.type === 'direct') {
        const other = [...found.roles.keys()].find((id) => id !== userId);
        if (other && (await isBlocked(other, userId)))
          throw forbidden('You cannot send messages to this chat');
      }
      return found;
    },

    /** Whether the member is in the chat, without throwing (used for message-scoped routes). */
    async isMember(chatId: string, userId: string): Promise<boolean> {
      return (await membersOf(chatId))?.roles.has(userId) ?? false;
    },
  };
}

export type Membership = ReturnType<typeof createMembership>;

/** Everyone in the chat but the sender: the message's recipients (addenda C). */
export const recipientsOf = (members: ChatMembers, senderId: string): string[] =>
  [...members.roles.keys()].filter((id) => id !== senderId);

import { chatStamp, createStampedCache, userStamp, type StampReader } from '@wa/pkg/cache';
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
  /** Chat and user stamps: whether a cached answer still holds (pkg/src/cache/freshness.ts). */
  stamps: StampReader;
  ttlMs: number;
  maxEntries: number;
  now?: () => number;
}

/** The one answer for "no such chat" and "not a member", so non-members learn nothing. */
export const NOT_A_MEMBER = 'You are not a member of this chat';

/** The other member of a direct chat, as seen by `userId`. */
const otherOf = (members: ChatMembers, userId: string): string | undefined =>
  members.type === 'direct' ? [...members.roles.keys()].find((id) => id !== userId) : undefined;

/**
 * Membership and posting rights: chat-service `GetParticipants` and user-service `CheckBlocked`,
 * each cached per instance under the stamp of what it depends on (the chat; the blocking user).
 * Every request reads those stamps first, in one round trip, and a cached answer is used only when
 * its stamp is unchanged: the chat- and user-service renew a stamp before acknowledging a change,
 * so the very next request on any instance sees it (read-your-writes). While Redis cannot answer,
 * every request asks the owning service. Membership and block events still drop entries early
 * (handler/cache-events.ts), which frees them but is no longer needed for correctness.
 */
export function createMembership({
  chats,
  users,
  stamps,
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
  const members = createStampedCache<string, ChatMembers | null>(settings);
  const blocks = createStampedCache<string, boolean>(settings);
  const pairKey = (blockerId: string, blockedId: string) => `${blockerId} ${blockedId}`;

  async function membersOf(chatId: string): Promise<ChatMembers | null> {
    const read = await stamps.read([chatStamp(chatId)]);
    return members.getOrLoad(chatId, read?.[0], fetchMembers);
  }

  function requireMemberOf(found: ChatMembers | null, userId: string): ChatMembers {
    if (!found || !found.roles.has(userId)) throw forbidden(NOT_A_MEMBER);
    return found;
  }

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
      return requireMemberOf(await membersOf(chatId), userId);
    },

    /**
     * Membership plus the posting rules: admin-only groups, blocked direct chats (addenda E).
     * When the chat is cached, its stamp and the other member's are read together.
     */
    async requireCanPost(chatId: string, userId: string): Promise<ChatMembers> {
      const cached = members.peek(chatId);
      const expectedOther = cached ? otherOf(cached, userId) : undefined;
      const keys = [chatStamp(chatId)];
      if (expectedOther) keys.push(userStamp(expectedOther));
      const read = await stamps.read(keys);
      const found = requireMemberOf(
        await members.getOrLoad(chatId, read?.[0], fetchMembers),
        userId,
      );
      if (found.type === 'group' && found.isAdminOnly && found.roles.get(userId) !== 'admin')
        throw forbidden('Only admins can send messages to this group');
      const other = otherOf(found, userId);
      if (other) {
        const stamp = !read
          ? undefined
          : other === expectedOther
            ? read[1]
            : (await stamps.read([userStamp(other)]))?.[0];
        if (await blocks.getOrLoad(pairKey(other, userId), stamp, fetchBlocked))
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

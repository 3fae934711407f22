import { forbidden } from '@wa/pkg/errors';
import { fromGrpcError, type ChatService, type Client, type UserService } from '@wa/pkg/grpc';

/** A chat's participants as the chat-service reports them (addenda D). */
export interface ChatMembers {
  chatId: string;
  type: 'direct' | 'group';
  isAdminOnly: boolean;
  roles: Map<string, 'admin' | 'member'>;
}

export interface MembershipDeps {
  chats: Client<typeof ChatService>;
  users: Client<typeof UserService>;
  ttlMs: number;
  maxEntries: number;
  now?: () => number;
}

interface Entry<T> {
  expires: number;
  value: Promise<T>;
}

/**
 * A bounded TTL cache of lookups (oldest evicted first); concurrent misses share one call and a
 * failed lookup is not remembered.
 */
function createLookupCache<T>(
  lookup: (key: string) => Promise<T>,
  { ttlMs, maxEntries, now }: { ttlMs: number; maxEntries: number; now: () => number },
) {
  const cache = new Map<string, Entry<T>>();
  return {
    get(key: string): Promise<T> {
      const hit = cache.get(key);
      if (hit && hit.expires > now()) return hit.value;
      const entry: Entry<T> = { expires: now() + ttlMs, value: lookup(key) };
      cache.delete(key);
      cache.set(key, entry);
      entry.value.catch(() => {
        if (cache.get(key) === entry) cache.delete(key);
      });
      while (cache.size > maxEntries) cache.delete(cache.keys().next().value!);
      return entry.value;
    },
    delete(key: string): void {
      cache.delete(key);
    },
  };
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
    try {
      const response = await chats.getParticipants({ chatId });
      return {
        chatId,
        type: response.type === 'group' ? 'group' : 'direct',
        isAdminOnly: response.isAdminOnly,
        roles: new Map(
          response.participants.map((p) => [
            p.userId.toLowerCase(),
            p.role === 'admin' ? 'admin' : 'member',
          ]),
        ),
      };
    } catch (error) {
      const appError = fromGrpcError(error, 'chat-service');
      if (appError.code === 'NOT_FOUND') return null;
      throw appError;
    }
  }

  async function fetchBlocked(pair: string): Promise<boolean> {
    const [blockerId, blockedId] = pair.split(' ');
    try {
      return (await users.checkBlocked({ blockerId, blockedId })).blocked;
    } catch (error) {
      throw fromGrpcError(error, 'user-service');
    }
  }

  const settings = { ttlMs, maxEntries, now };
  const members = createLookupCache(fetchMembers, settings);
  const blocks = createLookupCache(fetchBlocked, settings);
  const pairKey = (blockerId: string, blockedId: string) =>
    `${blockerId.toLowerCase()} ${blockedId.toLowerCase()}`;
  const isBlocked = (blockerId: string, blockedId: string) =>
    blocks.get(pairKey(blockerId, blockedId));

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
      const found = await members.get(chatId);
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
      return (await members.get(chatId))?.roles.has(userId) ?? false;
    },
  };
}

export type Membership = ReturnType<typeof createMembership>;

/** Everyone in the chat but the sender: the message's recipients (addenda C). */
export const recipientsOf = (members: ChatMembers, senderId: string): string[] =>
  [...members.roles.keys()].filter((id) => id !== senderId);

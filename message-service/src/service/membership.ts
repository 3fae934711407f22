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

interface Entry {
  expires: number;
  members: Promise<ChatMembers | null>;
}

/** The one answer for "no such chat" and "not a member", so non-members learn nothing. */
export const NOT_A_MEMBER = 'You are not a member of this chat';

/**
 * Membership and posting rights, from chat-service `GetParticipants` behind a small TTL cache
 * (bounded, oldest evicted first; concurrent misses share one call). Membership events
 * invalidate a chat's entry, so the TTL only bounds staleness if an event is missed.
 */
export function createMembership({
  chats,
  users,
  ttlMs,
  maxEntries,
  now = Date.now,
}: MembershipDeps) {
  const cache = new Map<string, Entry>();

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

  function members(chatId: string): Promise<ChatMembers | null> {
    const hit = cache.get(chatId);
    if (hit && hit.expires > now()) return hit.members;
    const entry: Entry = { expires: now() + ttlMs, members: fetchMembers(chatId) };
    cache.delete(chatId);
    cache.set(chatId, entry);
    // A failed lookup is not remembered.
    entry.members.catch(() => {
      if (cache.get(chatId) === entry) cache.delete(chatId);
    });
    while (cache.size > maxEntries) cache.delete(cache.keys().next().value!);
    return entry.members;
  }

  async function isBlocked(blockerId: string, blockedId: string): Promise<boolean> {
    try {
      return (await users.checkBlocked({ blockerId, blockedId })).blocked;
    } catch (error) {
      throw fromGrpcError(error, 'user-service');
    }
  }

  return {
    invalidate(chatId: string): void {
      cache.delete(chatId);
    },

    /** The chat's members when `userId` is one of them; else 403 whether or not the chat exists. */
    async requireMember(chatId: string, userId: string): Promise<ChatMembers> {
      const found = await members(chatId);
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
      return (await members(chatId))?.roles.has(userId) ?? false;
    },
  };
}

export type Membership = ReturnType<typeof createMembership>;

/** Everyone in the chat but the sender: the message's recipients (addenda C). */
export const recipientsOf = (members: ChatMembers, senderId: string): string[] =>
  [...members.roles.keys()].filter((id) => id !== senderId);

import type { Queryable } from '@wa/pkg/db';
import { AppError, notFound, unauthorized } from '@wa/pkg/errors';
import type { ChatRow, MemberRow } from '../model/chat.ts';
import type { ChatRepository } from '../repository/chat-repository.ts';
import type { ParticipantRepository } from '../repository/participant-repository.ts';
import type { UserRepository } from '../repository/user-repository.ts';

/** A member's view of a chat, or 404 for a missing chat and a non-member alike (no existence leak). */
export async function requireMembership(
  deps: { chats: ChatRepository; participants: ParticipantRepository },
  db: Queryable,
  chatId: string,
  userId: string,
  lock = false,
): Promise<{ chat: ChatRow; member: MemberRow }> {
  const chat = await deps.chats.find(db, chatId, lock);
  const member = chat ? await deps.participants.find(db, chatId, userId) : undefined;
  if (!chat || !member) throw notFound('Chat not found');
  return { chat, member };
}

/** 404 naming each unknown user; 401 when the caller has no user row (deleted meanwhile). */
export async function requireUsersExist(
  users: UserRepository,
  db: Queryable,
  callerId: string,
  others: readonly string[],
): Promise<void> {
  const known = await users.existing(db, [callerId, ...others]);
  if (!known.has(callerId)) throw unauthorized('Unknown user');
  const unknown = others.filter((id) => !known.has(id));
  if (unknown.length > 0)
    throw new AppError('NOT_FOUND', unknown.length === 1 ? 'User not found' : 'Users not found', {
      details: unknown.map((id) => ({ field: 'user_id', message: `no user ${id}` })),
    });
}

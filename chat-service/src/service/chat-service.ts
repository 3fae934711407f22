import { eventMeta, type EventSink } from '@wa/pkg/bus';
import { chatStamp, renewAfter, type StampWriter } from '@wa/pkg/cache';
import { withTransaction, type PgPool } from '@wa/pkg/db';
import { notFound } from '@wa/pkg/errors';
import type { Logger } from '@wa/pkg/log';
import type {
  ChatDetail,
  ChatList,
  CreateChatBody,
  ListChatsQuery,
  MuteBody,
  MuteState,
  UpdateChatBody,
} from '../model/schemas.ts';
import type { ChatListRepository } from '../repository/chat-list-repository.ts';
import type { ChatRepository } from '../repository/chat-repository.ts';
import type { ParticipantRepository } from '../repository/participant-repository.ts';
import type { UserRepository } from '../repository/user-repository.ts';
import { requireMembership, requireUsersExist } from './access.ts';
import { decodeCursor, encodeCursor } from './chat-list-cursor.ts';
import {
  diffGroupSettings,
  effectiveMute,
  parseCreateChat,
  planMute,
  requireAdmin,
  requireGroup,
  type CreateChatCommand,
} from './chat-rules.ts';
import { toDetail, toSummary } from './chat-views.ts';
import type { ProfileLookup } from './profiles.ts';

export interface ChatServiceDeps {
  pool: PgPool;
  chats: ChatRepository;
  participants: ParticipantRepository;
  users: UserRepository;
  chatList: ChatListRepository;
  profiles: ProfileLookup;
  events: EventSink;
  /** Each chat's stamp, renewed when its posting rule may have changed (freshness.ts in pkg/cache). */
  stamps: StampWriter;
  log: Logger;
  now?: () => Date;
}

export function createChatService(deps: ChatServiceDeps) {
  const { pool, chats, participants, users, chatList, profiles, events, stamps, log } = deps;
  const now = deps.now ?? (() => new Date());

  async function detail(chatId: string, callerId: string): Promise<ChatDetail> {
    const { chat, member } = await requireMembership(deps, pool, chatId, callerId);
    const members = await participants.list(pool, chatId);
    const found = await profiles.profiles(
      members.map((m) => m.user_id),
      callerId,
    );
    return toDetail(chat, members, member, found, now());
  }

  async function createDirect(callerId: string, otherId: string) {
    await requireUsersExist(users, pool, callerId, [otherId]);
    const outcome = await withTransaction(pool, async (tx) => {
      const id = await chats.insertDirect(tx, callerId, otherId);
      if (!id) {
        // The pair already has its chat, possibly committed a moment ago by a concurrent request.
        const existing = await chats.findDirect(tx, callerId, otherId);
        if (!existing) throw new Error('direct chat vanished after a conflicting insert');
        return { id: existing, created: false as const };
      }
      const members = [callerId, otherId].map((userId) => ({ userId, role: 'member' as const }));
      await participants.insert(tx, id, members);
      const event = await events.enqueue(tx, 'chat.created', {
        ...eventMeta(),
        chat_id: id,
        type: 'direct',
        name: '',
        created_by: callerId,
        participants: members.map((m) => ({ user_id: m.userId, role: m.role })),
      });
      return { id, created: true as const, event };
    });
    if (outcome.created) {
      events.notify(outcome.event);
      log.info({ chat_id: outcome.id, type: 'direct' }, 'chat created');
    }
    return { created: outcome.created, chat: await detail(outcome.id, callerId) };
  }

  async function createGroup(
    callerId: string,
    command: Extract<CreateChatCommand, { type: 'group' }>,
  ) {
    await requireUsersExist(users, pool, callerId, command.memberIds);
    const { id, event } = await withTransaction(pool, async (tx) => {
      const chatId = await chats.insertGroup(tx, {
        name: command.name,
        description: command.description,
        avatarUrl: command.avatarUrl,
        createdBy: callerId,
      });
      const members = [
        { userId: callerId, role: 'admin' as const },
        ...command.memberIds.map((userId) => ({ userId, role: 'member' as const })),
      ];
      await participants.insert(tx, chatId, members);
      const created = await events.enqueue(tx, 'chat.created', {
        ...eventMeta(),
        chat_id: chatId,
        type: 'group',
        name: command.name,
        created_by: callerId,
        participants: members.map((m) => ({ user_id: m.userId, role: m.role })),
      });
      return { id: chatId, event: created };
    });
    events.notify(event);
    log.info({ chat_id: id, type: 'group', members: command.memberIds.length + 1 }, 'chat created');
    return { created: true, chat: await detail(id, callerId) };
  }

  return {
    /** A direct chat is created once per pair (`created: false` when it existed already). */
    async create(callerId: string, body: CreateChatBody) {
      const command = parseCreateChat(body, callerId);
      return command.type === 'direct'
        ? createDirect(callerId, command.otherUserId)
        : createGroup(callerId, command);
    },

    get: (chatId: string, callerId: string) => detail(chatId, callerId),

    async list(callerId: string, query: ListChatsQuery): Promise<ChatList> {
      const after = query.cursor === undefined ? undefined : decodeCursor(query.cursor);
      const rows = await chatList.page(pool, callerId, query.limit + 1, after);
      const page = rows.slice(0, query.limit);
      const others = page.flatMap((row) => (row.other_user_id ? [row.other_user_id] : []));
      const found = await profiles.profiles(others, callerId);
      const at = now();
      const last = page.at(-1);
      return {
        chats: page.map((row) => toSummary(row, found, at)),
        next_cursor:
          rows.length > query.limit && last
            ? encodeCursor({ activityKey: last.activity_key, chatId: last.chat_id })
            : null,
      };
    },

    /**
     * Admins change a group's name, description, avatar and who may post; the chat's stamp is
     * renewed before the answer, so admin-only posting holds for the very next send.
     */
    async update(chatId: string, callerId: string, body: UpdateChatBody): Promise<ChatDetail> {
      const id = chatId;
      const announced = await renewAfter(stamps, [chatStamp(id)], () =>
        withTransaction(pool, async (tx) => {
          const { chat, member } = await requireMembership(deps, tx, id, callerId, true);
          requireGroup(chat.type, 'changing the name, description or avatar');
          requireAdmin(member.role, 'change the group settings');
          const changes = diffGroupSettings(
            {
              name: chat.name ?? '',
              description: chat.description ?? '',
              avatar_url: chat.avatar_url ?? '',
              is_admin_only: chat.is_admin_only,
            },
            body,
          );
          if (Object.keys(changes).length === 0) return undefined;
          await chats.updateGroup(tx, id, changes);
          const members = await participants.list(tx, id);
          return events.enqueue(tx, 'chat.updated', {
            ...eventMeta(),
            chat_id: id,
            updated_by: callerId,
            changes,
            participant_ids: members.map((m) => m.user_id),
          });
        }),
      );
      if (announced) events.notify(announced);
      return detail(id, callerId);
    },

    /**
     * Each member mutes for themselves; nobody else is told. The chat's stamp is renewed before
     * the answer, so the notification-service honours the mute for the very next message.
     */
    async mute(chatId: string, callerId: string, body: MuteBody): Promise<MuteState> {
      const id = chatId;
      const at = now();
      const plan = planMute(body, at);
      await requireMembership(deps, pool, id, callerId);
      await renewAfter(stamps, [chatStamp(id)], async () => {
        if (!(await participants.setMute(pool, id, callerId, plan.isMuted, plan.muteUntil)))
          throw notFound('Chat not found');
      });
      const state = effectiveMute(plan.isMuted, plan.muteUntil, at);
      return {
        chat_id: id,
        is_muted: state.isMuted,
        mute_until: state.muteUntil ? state.muteUntil.toISOString() : null,
      };
    },

    /** For GetParticipants (addenda D): NOT_FOUND for an unknown chat. */
    async participantsOf(chatId: string) {
      const chat = await chats.find(pool, chatId);
      if (!chat) throw notFound('Chat not found');
      const members = await participants.list(pool, chat.id);
      const at = now();
      return {
        chat,
        members: members.map((m) => ({ ...m, mute: effectiveMute(m.is_muted, m.mute_until, at) })),
      };
    },
  };
}

export type ChatService = ReturnType<typeof createChatService>;

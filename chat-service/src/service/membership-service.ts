import { eventMeta } from '@wa/pkg/bus';
import { chatStamp, renewAfter, type StampWriter } from '@wa/pkg/cache';
import { withTransaction, type PgPool } from '@wa/pkg/db';
import { notFound } from '@wa/pkg/errors';
import type { Logger } from '@wa/pkg/log';
import type { MembersAdded, MemberRemoved, Role, RoleChanged } from '../model/schemas.ts';
import type { ChatRepository } from '../repository/chat-repository.ts';
import type { ParticipantRepository } from '../repository/participant-repository.ts';
import type { UserRepository } from '../repository/user-repository.ts';
import { requireMembership, requireUsersExist } from './access.ts';
import type { EventSink } from '@wa/pkg/bus';
import {
  checkRemoval,
  checkRoleChange,
  planAddition,
  requireAdmin,
  requireGroup,
} from './chat-rules.ts';

export interface MembershipServiceDeps {
  pool: PgPool;
  chats: ChatRepository;
  participants: ParticipantRepository;
  users: UserRepository;
  events: EventSink;
  /** Each chat's stamp, renewed before any answer (pkg/src/cache/freshness.ts). */
  stamps: StampWriter;
  log: Logger;
}

/*
 * Group membership: add, remove (or leave), promote and demote. Each change runs in one
 * transaction holding the chat's row lock, so concurrent changes of one group are decided one
 * after the other (two adds cannot pass 256 together, two admins cannot demote each other to
 * zero admins), and its events enter the outbox in that same transaction. The chat's stamp is
 * renewed before the answer, so the very next send or typing frame is judged on the new members and
 * roles by any instance of the message- or websocket-service.
 */
export function createMembershipService(deps: MembershipServiceDeps) {
  const { pool, participants, users, events, stamps, log } = deps;

  const service = {
    async add(chatId: string, callerId: string, userIds: readonly string[]): Promise<MembersAdded> {
      const id = chatId;
      const requested = [...new Set(userIds)];
      const added = await withTransaction(pool, async (tx) => {
        const { chat, member } = await requireMembership(deps, tx, id, callerId, true);
        requireGroup(chat.type, 'adding members');
        requireAdmin(member.role, 'add members');
        const current = (await participants.list(tx, id)).map((m) => m.user_id);
        const plan = planAddition(current, requested);
        if (plan.add.length === 0) return { add: [], participantIds: current, announced: [] };
        await requireUsersExist(users, tx, callerId, plan.add);
        await participants.insert(
          tx,
          id,
          plan.add.map((userId) => ({ userId, role: 'member' as const })),
        );
        const participantIds = [...current, ...plan.add];
        const announced = [];
        for (const userId of plan.add)
          announced.push(
            await events.enqueue(tx, 'group.member.added', {
              ...eventMeta(),
              chat_id: id,
              user_id: userId,
              added_by: callerId,
              participant_ids: participantIds,
            }),
          );
        return { add: plan.add, participantIds, announced };
      });
      if (added.add.length > 0) {
        events.notify(...added.announced);
        log.info({ chat_id: id, added: added.add.length }, 'members added');
      }
      return { chat_id: id, added: added.add, participant_count: added.participantIds.length };
    },

    /** An admin removes a member, or a member removes themselves (leaves). */
    async remove(chatId: string, callerId: string, targetId: string): Promise<MemberRemoved> {
      const id = chatId;
      const target = targetId;
      const { leaving, announced } = await withTransaction(pool, async (tx) => {
        const { chat, member } = await requireMembership(deps, tx, id, callerId, true);
        requireGroup(chat.type, 'removing members');
        const members = await participants.list(tx, id);
        const targetMember = members.find((m) => m.user_id === target);
        if (!targetMember) {
          if (target !== callerId) requireAdmin(member.role, 'remove members');
          throw notFound('User is not a member of this chat');
        }
        const outcome = checkRemoval({
          callerId,
          callerRole: member.role,
          targetId: target,
          targetRole: targetMember.role,
          adminCount: members.filter((m) => m.role === 'admin').length,
        });
        await participants.remove(tx, id, target);
        const event = await events.enqueue(tx, 'group.member.removed', {
          ...eventMeta(),
          chat_id: id,
          user_id: target,
          removed_by: callerId,
          participant_ids: members.filter((m) => m.user_id !== target).map((m) => m.user_id),
        });
        return { ...outcome, announced: event };
      });
      events.notify(announced);
      log.info({ chat_id: id, leaving }, 'member removed');
      return { chat_id: id, user_id: target, left: leaving };
    },

    async setRole(
      chatId: string,
      callerId: string,
      targetId: string,
      role: Role,
    ): Promise<RoleChanged> {
      const id = chatId;
      const target = targetId;
      const announced = await withTransaction(pool, async (tx) => {
        const { chat, member } = await requireMembership(deps, tx, id, callerId, true);
        requireGroup(chat.type, 'admin roles');
        requireAdmin(member.role, 'change roles');
        const members = await participants.list(tx, id);
        const targetMember = members.find((m) => m.user_id === target);
        if (!targetMember) throw notFound('User is not a member of this chat');
        const adminCount = members.filter((m) => m.role === 'admin').length;
        if (!checkRoleChange(targetMember.role, role, adminCount)) return undefined;
        await participants.setRole(tx, id, target, role);
        return events.enqueue(tx, 'chat.updated', {
          ...eventMeta(),
          chat_id: id,
          updated_by: callerId,
          changes: { role: { user_id: target, role } },
          participant_ids: members.map((m) => m.user_id),
        });
      });
      if (announced) {
        events.notify(announced);
        log.info({ chat_id: id, role }, 'member role changed');
      }
      return { chat_id: id, user_id: target, role };
    },
  };
  const renewed = <R>(chatId: string, change: () => Promise<R>) =>
    renewAfter(stamps, [chatStamp(chatId)], change);
  return {
    add: (chatId: string, callerId: string, userIds: readonly string[]) =>
      renewed(chatId, () => service.add(chatId, callerId, userIds)),
    remove: (chatId: string, callerId: string, targetId: string) =>
      renewed(chatId, () => service.remove(chatId, callerId, targetId)),
    setRole: (chatId: string, callerId: string, targetId: string, role: Role) =>
      renewed(chatId, () => service.setRole(chatId, callerId, targetId, role)),
  };
}

export type MembershipService = ReturnType<typeof createMembershipService>;

import type { EventPayload } from '@wa/pkg/bus';
import type { Logger } from '@wa/pkg/log';
import type { UserRemote } from '../repository/user-remote.ts';
import type { SendService } from './send-service.ts';

/*
 * Group notices (PRD §3.5 `system` messages): each group change the chat-service announces on
 * CHATS becomes one message per thing that changed, worded as WhatsApp shows it ("Alice added
 * Bob"). The actor is the sender; the recipients are the members the event names. Planning and
 * wording are pure; `record` looks the names up and writes through the send service's outbox,
 * so the notice reaches members as `msg.new` like any message.
 */

export type GroupChangeSubject =
  'chat.created' | 'chat.updated' | 'group.member.added' | 'group.member.removed';

/** A CHATS event as received; a consumer's ReceivedEvent fits. */
export type GroupChange = {
  [S in GroupChangeSubject]: { subject: S; payload: EventPayload<S> };
}[GroupChangeSubject];

/** What one notice says, before names are known; `kind` is unique within one event. */
export type NoticeText =
  | { kind: 'created'; name: string }
  | { kind: 'added'; userId: string }
  | { kind: 'removed'; userId: string }
  | { kind: 'left' }
  | { kind: 'name'; name: string }
  | { kind: 'description'; cleared: boolean }
  | { kind: 'icon'; cleared: boolean }
  | { kind: 'admin_only'; on: boolean }
  | { kind: 'role'; userId: string; role: 'admin' | 'member' };

export interface SystemNotice {
  chatId: string;
  actorId: string;
  recipientIds: string[];
  /** When the change happened (the event's timestamp), so the notice sits where it belongs. */
  at: Date;
  text: NoticeText;
}

/** Shown when the user-service does not know a user, or cannot be reached. */
export const SOMEONE = 'Someone';

/** The notice's idempotency key: a redelivered event maps to the message it already wrote. */
export const systemClientMsgId = (eventId: string, kind: NoticeText['kind']): string =>
  `system:${eventId}:${kind}`;

const others = (ids: readonly string[], actorId: string): string[] =>
  [...new Set(ids)].filter((id) => id !== actorId);

function updateTexts(changes: EventPayload<'chat.updated'>['changes']): NoticeText[] {
  const texts: NoticeText[] = [];
  if (changes.name !== undefined) texts.push({ kind: 'name', name: changes.name });
  if (changes.description !== undefined)
    texts.push({ kind: 'description', cleared: changes.description === '' });
  if (changes.avatar_url !== undefined)
    texts.push({ kind: 'icon', cleared: changes.avatar_url === '' });
  if (changes.is_admin_only !== undefined)
    texts.push({ kind: 'admin_only', on: changes.is_admin_only });
  if (changes.role)
    texts.push({ kind: 'role', userId: changes.role.user_id, role: changes.role.role });
  return texts;
}

/** The notices one event makes: none for a direct chat, one per changed setting of a group. */
export function planSystemNotices(change: GroupChange): SystemNotice[] {
  const at = new Date(change.payload.timestamp);
  const notice = (actorId: string, members: readonly string[], text: NoticeText) => ({
    chatId: change.payload.chat_id,
    actorId,
    recipientIds: others(members, actorId),
    at,
    text,
  });
  switch (change.subject) {
    case 'chat.created': {
      const { type, name, created_by: actor, participants } = change.payload;
      if (type !== 'group') return [];
      const members = participants.map((p) => p.user_id);
      return [notice(actor, members, { kind: 'created', name })];
    }
    case 'group.member.added': {
      const { user_id: userId, added_by: actor, participant_ids: members } = change.payload;
      return [notice(actor, members, { kind: 'added', userId })];
    }
    case 'group.member.removed': {
      // participant_ids are those who remain: the removed member is not told.
      const { user_id: userId, removed_by: actor, participant_ids: members } = change.payload;
      return [
        notice(actor, members, userId === actor ? { kind: 'left' } : { kind: 'removed', userId }),
      ];
    }
    case 'chat.updated': {
      const { updated_by: actor, participant_ids: members, changes } = change.payload;
      return updateTexts(changes).map((text) => notice(actor, members, text));
    }
  }
}

/** The notice's body, as every member reads it. */
export function renderNotice(
  text: NoticeText,
  actorId: string,
  nameOf: (userId: string) => string,
): string {
  const actor = nameOf(actorId);
  switch (text.kind) {
    case 'created':
      return `${actor} created group "${text.name}"`;
    case 'added':
      return `${actor} added ${nameOf(text.userId)}`;
    case 'removed':
      return `${actor} removed ${nameOf(text.userId)}`;
    case 'left':
      return `${actor} left`;
    case 'name':
      return `${actor} changed the group name to "${text.name}"`;
    case 'description':
      return `${actor} ${text.cleared ? 'deleted' : 'changed'} the group description`;
    case 'icon':
      return `${actor} ${text.cleared ? 'deleted' : 'changed'} this group's icon`;
    case 'admin_only':
      return `${actor} changed this group's settings to allow ${text.on ? 'only admins' : 'all participants'} to send messages to this group`;
    case 'role':
      if (text.role === 'admin') return `${actor} made ${nameOf(text.userId)} an admin`;
      return text.userId === actorId
        ? `${actor} is no longer an admin`
        : `${actor} dismissed ${nameOf(text.userId)} as admin`;
  }
}

export interface SystemMessagesDeps {
  send: Pick<SendService, 'system'>;
  users: Pick<UserRemote, 'names'>;
  log: Logger;
  /**
   * Deliveries during which an unreachable user-service makes the event fail (JetStream
   * redelivers it 1 s, then 2 s later); from this one on, names fall back to "Someone" so an
   * outage does not hold notices back for long. Default 3.
   */
  nameAttempts?: number;
}

/** Writes the notices of group changes; safe to call again with the same event. */
export function createSystemMessages({ send, users, log, nameAttempts = 3 }: SystemMessagesDeps) {
  /** display name, else phone, else "Someone", for each user the notices mention. */
  async function namesFor(
    userIds: string[],
    delivery: number,
  ): Promise<(userId: string) => string> {
    try {
      const names = await users.names(userIds);
      return (userId) => names.get(userId) || SOMEONE;
    } catch (error) {
      if (delivery < nameAttempts) throw error;
      log.warn({ err: error, delivery }, 'user names unavailable; notices name "Someone"');
      return () => SOMEONE;
    }
  }

  return {
    /**
     * Writes the change's notices, skipping those a previous delivery wrote. `delivery` is the
     * event's delivery count (1 the first time). Resolves with the number of new messages.
     */
    async record(change: GroupChange, delivery = 1): Promise<number> {
      const notices = planSystemNotices(change);
      if (notices.length === 0) return 0;
      const mentioned = notices.flatMap((n) =>
        'userId' in n.text ? [n.actorId, n.text.userId] : [n.actorId],
      );
      const nameOf = await namesFor([...new Set(mentioned)], delivery);
      let created = 0;
      for (const notice of notices) {
        const { message, duplicate } = await send.system({
          chatId: notice.chatId,
          senderId: notice.actorId,
          clientMsgId: systemClientMsgId(change.payload.event_id, notice.text.kind),
          body: renderNotice(notice.text, notice.actorId, nameOf),
          recipientIds: notice.recipientIds,
          at: notice.at,
        });
        if (duplicate) continue;
        created += 1;
        log.debug(
          { message_id: message.message_id, chat_id: notice.chatId, kind: notice.text.kind },
          'system message stored',
        );
      }
      return created;
    },
  };
}

export type SystemMessages = ReturnType<typeof createSystemMessages>;

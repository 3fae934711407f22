import {
  audienceOf,
  membershipChangeOf,
  type ClientSubject,
  type ReceivedEvent,
} from '@wa/pkg/bus';
import type { ServerEvent, ServerEventData } from '@wa/pkg/ws';
import { messageMarks } from './rules.ts';

/*
 * Which frame each bus event becomes, and for whom: pure, so every case is unit-tested without a
 * store. Who is told, and the rules deciding it (hidden read receipts), come from the event's
 * audience in @wa/pkg/bus. A "plan" step (this file) apart from the "apply" step
 * (fan-out-service.ts publishes it).
 */

/** The events this service turns into frames: every event clients see. */
export type FanOutSubject = ClientSubject;

export type BusEvent = ReceivedEvent<FanOutSubject>;

/** What the apply step must look up before planning; every other event carries its audience. */
export type FanOutLookup = 'watchers' | 'display_name' | 'none';

export interface FanOutContext {
  /** Users subscribed to the presence of the event's user, privacy applied (presence.changed). */
  watchers?: readonly string[];
  /** The added member's display name (group.member.added). */
  displayName?: string;
}

export type PlannedFrame = {
  [E in ServerEvent]: { event: E; data: ServerEventData<E> };
}[ServerEvent];

export interface FanOutPlan {
  /** Distinct users whose devices get the frame. */
  userIds: string[];
  frame: PlannedFrame;
  /** A chat whose cached participants are stale after this event. */
  invalidatesChat?: string;
}

export function lookupFor(subject: FanOutSubject): FanOutLookup {
  switch (subject) {
    case 'presence.changed':
      return 'watchers';
    case 'group.member.added':
      return 'display_name';
    case 'msg.new':
    case 'msg.status.updated':
    case 'msg.deleted':
    case 'chat.created':
    case 'chat.updated':
    case 'group.member.removed':
      return 'none';
  }
}

/**
 * What must stay in stream order when events are fanned out side by side: one chat's events
 * (a member's removal before later messages, a deletion after its message) and one user's
 * presence changes. Events of different chats may overtake each other. A receipt goes to the
 * message's sender, who never gets its `message.new`, and a status only moves forward (clients
 * keep the highest), so only one recipient's statuses of one message keep their order: the
 * hundreds of receipts of a group message then fan out side by side, instead of one at a time
 * while they fill every slot and hold up the events of all other chats.
 */
export function orderKeyOf(event: BusEvent): string {
  if (event.subject === 'msg.status.updated')
    return `status:${event.payload.message_id}:${event.payload.user_id}`;
  const payload = event.payload;
  return 'chat_id' in payload ? `chat:${payload.chat_id}` : `user:${payload.user_id}`;
}

/** The users the event's audience names; presence watchers come from the context. */
function targetsOf(event: BusEvent, context: FanOutContext): string[] {
  const audience = audienceOf(event);
  switch (audience.kind) {
    case 'users':
      return audience.userIds;
    case 'presence-watchers': {
      const watchers = new Set(context.watchers);
      watchers.delete(audience.userId);
      return [...watchers];
    }
  }
}

function frameOf(event: BusEvent, context: FanOutContext): PlannedFrame {
  switch (event.subject) {
    case 'msg.new': {
      const { payload: p } = event;
      return {
        event: 'message.new',
        data: {
          message_id: p.message_id,
          chat_id: p.chat_id,
          sender_id: p.sender_id,
          type: p.type,
          payload: p.payload,
          timestamp: p.timestamp,
          ...messageMarks(p.reply_to_message_id, p.forwarded),
        },
      };
    }
    case 'msg.status.updated': {
      const { payload: p } = event;
      return {
        event: 'message.status',
        data: {
          message_id: p.message_id,
          chat_id: p.chat_id,
          user_id: p.user_id,
          status: p.status,
          timestamp: p.timestamp,
        },
      };
    }
    case 'msg.deleted': {
      const { payload: p } = event;
      return { event: 'message.deleted', data: { message_id: p.message_id, chat_id: p.chat_id } };
    }
    case 'chat.created': {
      const { payload: p } = event;
      return {
        event: 'chat.created',
        data: { chat_id: p.chat_id, type: p.type, name: p.name, participants: p.participants },
      };
    }
    case 'chat.updated': {
      const { payload: p } = event;
      return { event: 'chat.updated', data: { chat_id: p.chat_id, changes: p.changes } };
    }
    case 'group.member.added': {
      const { payload: p } = event;
      return {
        event: 'group.member.added',
        data: {
          chat_id: p.chat_id,
          user_id: p.user_id,
          added_by: p.added_by,
          display_name: context.displayName ?? '',
        },
      };
    }
    case 'group.member.removed': {
      const { payload: p } = event;
      return {
        event: 'group.member.removed',
        data: { chat_id: p.chat_id, user_id: p.user_id, removed_by: p.removed_by },
      };
    }
    case 'presence.changed': {
      const { payload: p } = event;
      return {
        event: 'presence',
        data: { user_id: p.user_id, online: p.status === 'online', last_seen: p.last_seen },
      };
    }
  }
}

export function planFanOut(event: BusEvent, context: FanOutContext = {}): FanOutPlan {
  const invalidatesChat = membershipChangeOf(event);
  return {
    userIds: targetsOf(event, context),
    frame: frameOf(event, context),
    ...(invalidatesChat === undefined ? {} : { invalidatesChat }),
  };
}

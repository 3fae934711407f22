import type { EventSubject, ReceivedEvent } from '@wa/pkg/bus';
import type { ServerEvent, ServerEventData } from '@wa/pkg/ws';

/*
 * Who gets which frame for each bus event: pure, so every case is unit-tested without a store.
 * A "plan" step (this file) apart from the "apply" step (fan-out-service.ts publishes it).
 */

/** The events this service turns into frames (handler/bus-events.ts subscribes to these). */
export type FanOutSubject = Exclude<EventSubject, 'user.blocked' | 'user.unblocked'>;

export type BusEvent = ReceivedEvent<FanOutSubject>;

/** What the apply step must look up before planning; most events carry their audience. */
export type FanOutLookup = 'participants' | 'watchers' | 'display_name' | 'none';

export interface FanOutContext {
  /** Members of the event's chat (msg.deleted). */
  participants?: readonly string[];
  /** Users subscribed to the presence of the event's user (presence.changed). */
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
    case 'msg.deleted':
      return 'participants';
    case 'presence.changed':
      return 'watchers';
    case 'group.member.added':
      return 'display_name';
    case 'msg.new':
    case 'msg.status.updated':
    case 'chat.created':
    case 'chat.updated':
    case 'group.member.removed':
      return 'none';
  }
}

/**
 * What must stay in stream order when events are fanned out side by side: one chat's events
 * (a message before its receipts, a member's removal before later messages) and one user's
 * presence changes. Events of different chats may overtake each other.
 */
export function orderKeyOf(event: BusEvent): string {
  const payload = event.payload;
  return 'chat_id' in payload ? `chat:${payload.chat_id}` : `user:${payload.user_id}`;
}

const distinct = (ids: readonly string[], except?: string): string[] =>
  [...new Set(ids.map((id) => id.toLowerCase()))].filter((id) => id !== except?.toLowerCase());

/**
 * msg.new → the recipients only: the sending socket has its `message.sent`, and the sender's other
 * devices read their own messages from history (docs/websocket-protocol.md, "Multi-device").
 */
export function planFanOut(event: BusEvent, context: FanOutContext = {}): FanOutPlan {
  switch (event.subject) {
    case 'msg.new': {
      const { payload: p } = event;
      return {
        userIds: distinct(p.recipient_ids, p.sender_id),
        frame: {
          event: 'message.new',
          data: {
            message_id: p.message_id,
            chat_id: p.chat_id,
            sender_id: p.sender_id,
            type: p.type,
            payload: p.payload,
            timestamp: p.timestamp,
          },
        },
      };
    }
    case 'msg.status.updated': {
      const { payload: p } = event;
      return {
        userIds: distinct([p.sender_id], p.user_id),
        frame: {
          event: 'message.status',
          data: {
            message_id: p.message_id,
            chat_id: p.chat_id,
            user_id: p.user_id,
            status: p.status,
            timestamp: p.timestamp,
          },
        },
      };
    }
    case 'msg.deleted': {
      const { payload: p } = event;
      return {
        userIds: distinct(context.participants ?? []),
        frame: { event: 'message.deleted', data: { message_id: p.message_id, chat_id: p.chat_id } },
      };
    }
    case 'chat.created': {
      const { payload: p } = event;
      return {
        userIds: distinct(p.participants.map((member) => member.user_id)),
        frame: {
          event: 'chat.created',
          data: { chat_id: p.chat_id, type: p.type, name: p.name, participants: p.participants },
        },
      };
    }
    case 'chat.updated': {
      const { payload: p } = event;
      return {
        userIds: distinct(p.participant_ids),
        frame: { event: 'chat.updated', data: { chat_id: p.chat_id, changes: p.changes } },
        invalidatesChat: p.chat_id,
      };
    }
    case 'group.member.added': {
      const { payload: p } = event;
      return {
        userIds: distinct([...p.participant_ids, p.user_id]),
        frame: {
          event: 'group.member.added',
          data: {
            chat_id: p.chat_id,
            user_id: p.user_id,
            added_by: p.added_by,
            display_name: context.displayName ?? '',
          },
        },
        invalidatesChat: p.chat_id,
      };
    }
    case 'group.member.removed': {
      const { payload: p } = event;
      // The removed member is told too, so their devices drop the chat.
      return {
        userIds: distinct([...p.participant_ids, p.user_id]),
        frame: {
          event: 'group.member.removed',
          data: { chat_id: p.chat_id, user_id: p.user_id, removed_by: p.removed_by },
        },
        invalidatesChat: p.chat_id,
      };
    }
    case 'presence.changed': {
      const { payload: p } = event;
      return {
        userIds: distinct(context.watchers ?? [], p.user_id),
        frame: {
          event: 'presence',
          data: { user_id: p.user_id, online: p.status === 'online', last_seen: p.last_seen },
        },
      };
    }
  }
}

import type { EventPayload, EventSubject } from './events.ts';

/*
 * Who is told of each event that clients see, and the rules that decide it, from the event alone.
 * Every consumer that tells users (the websocket-service's fan-out) routes with these, so a rule
 * such as hidden read receipts is code here, tested once, not a comment each consumer must honour.
 */

/** The subjects whose events reach clients (as WebSocket frames, docs/websocket-protocol.md). */
export const CLIENT_SUBJECTS = [
  'msg.new',
  'msg.status.updated',
  'msg.deleted',
  'chat.created',
  'chat.updated',
  'group.member.added',
  'group.member.removed',
  'presence.changed',
] as const satisfies readonly EventSubject[];

export type ClientSubject = (typeof CLIENT_SUBJECTS)[number];

/** An event as a consumer holds it, discriminated by subject (a `ReceivedEvent` is one). */
export type EventOf<S extends EventSubject> = {
  [K in S]: { subject: K; payload: EventPayload<K> };
}[S];

export type ClientEvent = EventOf<ClientSubject>;

export type Audience =
  /** These users, each once (event ids are canonical: lower case, the case of their channels). */
  | { kind: 'users'; userIds: string[] }
  /**
   * Whoever follows `userId`'s presence, never `userId`: the consumer keeps the subscriptions and
   * must check each follower against the user's privacy settings and blocks at every change.
   */
  | { kind: 'presence-watchers'; userId: string };

function users(ids: readonly string[], except?: string): Audience {
  const distinct = [...new Set(ids)];
  return {
    kind: 'users',
    userIds: except === undefined ? distinct : distinct.filter((id) => id !== except),
  };
}

/**
 * Addenda E: a read by a user whose read receipts are off is seen by that user alone (their other
 * devices may learn it), never by the sender. Not even as `delivered`: a status arriving as they
 * read would tell the sender when they read; history already shows such a message as delivered.
 */
export function receiptVisibleTo(
  status: Pick<EventPayload<'msg.status.updated'>, 'status' | 'user_id' | 'receipt_hidden'>,
  viewerId: string,
): boolean {
  if (status.status !== 'read' || status.receipt_hidden !== true) return true;
  return viewerId === status.user_id;
}

/** Who gets the event, its rules applied: an empty audience means no one is told. */
export function audienceOf(event: ClientEvent): Audience {
  switch (event.subject) {
    case 'msg.new': {
      // The sending socket has its `message.sent`; the sender's other devices read history.
      const p = event.payload;
      return users(p.recipient_ids, p.sender_id);
    }
    case 'msg.status.updated': {
      const p = event.payload;
      const told = [p.sender_id].filter((viewer) => receiptVisibleTo(p, viewer));
      return users(told, p.user_id);
    }
    case 'msg.deleted':
      // Those who received the message, as its msg.new told them: no membership lookup.
      return users(event.payload.recipient_ids);
    case 'chat.created':
      return users(event.payload.participants.map((member) => member.user_id));
    case 'chat.updated':
      return users(event.payload.participant_ids);
    case 'group.member.added':
      return users([...event.payload.participant_ids, event.payload.user_id]);
    case 'group.member.removed':
      // The removed member is told too, so their devices drop the chat.
      return users([...event.payload.participant_ids, event.payload.user_id]);
    case 'presence.changed':
      return { kind: 'presence-watchers', userId: event.payload.user_id };
  }
}

/** The events that change a chat's members, roles or posting rule (see membershipChangeOf). */
export const MEMBERSHIP_SUBJECTS = [
  'chat.updated',
  'group.member.added',
  'group.member.removed',
] as const satisfies readonly EventSubject[];

/**
 * The chat whose members, roles or posting rule the event changes: whoever caches a chat's
 * participants drops that entry. Undefined for every other event.
 */
export function membershipChangeOf(event: EventOf<EventSubject>): string | undefined {
  switch (event.subject) {
    case 'chat.updated':
    case 'group.member.added':
    case 'group.member.removed':
      return event.payload.chat_id;
    case 'msg.new':
    case 'msg.status.updated':
    case 'msg.deleted':
    case 'chat.created':
    case 'presence.changed':
    case 'user.blocked':
    case 'user.unblocked':
      return undefined;
  }
}

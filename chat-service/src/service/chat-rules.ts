import { conflict, forbidden, validationError, type ErrorDetail } from '@wa/pkg/errors';
import type { ChatType } from '../model/chat.ts';
import {
  GROUP_LIMITS,
  type CreateChatBody,
  type MuteBody,
  type Role,
  type UpdateChatBody,
} from '../model/schemas.ts';

/*
 * The chat rules as pure functions: each takes what the service read and decides, throwing the
 * AppError a violation deserves. No I/O, so they are tested exhaustively without a database.
 */

export type CreateChatCommand =
  | { type: 'direct'; otherUserId: string }
  | { type: 'group'; name: string; description: string; avatarUrl: string; memberIds: string[] };

const GROUP_ONLY_FIELDS = ['name', 'description', 'avatar_url', 'participant_ids'] as const;

/** Which fields go with which chat type; the route schema has already checked each field. */
export function parseCreateChat(body: CreateChatBody, caller: string): CreateChatCommand {
  if (body.type === 'direct') {
    const details: ErrorDetail[] = GROUP_ONLY_FIELDS.filter((f) => body[f] !== undefined).map(
      (field) => ({ field: `body.${field}`, message: 'only allowed for a group chat' }),
    );
    const other = body.participant_id;
    if (!other)
      details.push({ field: 'body.participant_id', message: 'is required for a direct chat' });
    if (!other || details.length > 0) throw validationError('Invalid direct chat request', details);
    if (other === caller)
      throw validationError('You cannot start a direct chat with yourself', [
        { field: 'body.participant_id', message: 'must be another user' },
      ]);
    return { type: 'direct', otherUserId: other };
  }

  const { name, participant_ids: listed } = body;
  const details: ErrorDetail[] = [];
  if (body.participant_id !== undefined)
    details.push({ field: 'body.participant_id', message: 'only allowed for a direct chat' });
  if (name === undefined)
    details.push({ field: 'body.name', message: 'is required for a group chat' });
  if (listed === undefined)
    details.push({ field: 'body.participant_ids', message: 'is required for a group chat' });
  if (name === undefined || listed === undefined || details.length > 0)
    throw validationError('Invalid group chat request', details);

  // The creator may list themselves; they are a member (and admin) anyway.
  const memberIds = [...new Set(listed)].filter((id) => id !== caller);
  if (memberIds.length < GROUP_LIMITS.minOthersAtCreation)
    throw validationError('A group needs at least 3 members, you included', [
      {
        field: 'body.participant_ids',
        message: `must name at least ${GROUP_LIMITS.minOthersAtCreation} other users`,
      },
    ]);
  return {
    type: 'group',
    name: name.trim(),
    description: body.description ?? '',
    avatarUrl: body.avatar_url ?? '',
    memberIds,
  };
}

export interface MuteState {
  isMuted: boolean;
  muteUntil: Date | null;
}

/** A mute whose `mute_until` has passed is over, even before anyone writes that down. */
export function effectiveMute(isMuted: boolean, muteUntil: Date | null, now: Date): MuteState {
  if (!isMuted) return { isMuted: false, muteUntil: null };
  if (muteUntil && muteUntil.getTime() <= now.getTime()) return { isMuted: false, muteUntil: null };
  return { isMuted: true, muteUntil };
}

/** `mute_until` only with `is_muted: true`, and only in the future; absent or null = indefinitely. */
export function planMute(body: MuteBody, now: Date): MuteState {
  const until = body.mute_until ?? null;
  if (!body.is_muted) {
    if (until !== null)
      throw validationError('mute_until is only allowed when is_muted is true', [
        { field: 'body.mute_until', message: 'must be absent or null when unmuting' },
      ]);
    return { isMuted: false, muteUntil: null };
  }
  if (until === null) return { isMuted: true, muteUntil: null };
  const muteUntil = new Date(until);
  if (muteUntil.getTime() <= now.getTime())
    throw validationError('mute_until must be in the future', [
      { field: 'body.mute_until', message: 'must be a future date-time' },
    ]);
  return { isMuted: true, muteUntil };
}

/** Membership and metadata changes exist only for groups; a direct chat keeps its pair. */
export function requireGroup(type: ChatType, action: string): void {
  if (type !== 'group') throw conflict(`Only group chats allow ${action}`);
}

export function requireAdmin(role: Role, action: string): void {
  if (role !== 'admin') throw forbidden(`Only group admins can ${action}`);
}

/** New members are the requested users not already in the group; the group never passes 256. */
export function planAddition(currentIds: readonly string[], requestedIds: readonly string[]) {
  const current = new Set(currentIds);
  const add = [...new Set(requestedIds)].filter((id) => !current.has(id));
  if (current.size + add.length > GROUP_LIMITS.maxMembers)
    throw conflict(
      `A group can have at most ${GROUP_LIMITS.maxMembers} members; it has ${current.size} and ` +
        `${add.length} would be added`,
    );
  return { add, participantCount: current.size + add.length };
}

export interface RemovalCheck {
  callerId: string;
  callerRole: Role;
  targetId: string;
  targetRole: Role;
  adminCount: number;
}

/** Anyone may leave; only admins remove others; the last admin may not leave (addenda G). */
export function checkRemoval(check: RemovalCheck): { leaving: boolean } {
  const leaving = check.callerId === check.targetId;
  if (!leaving) requireAdmin(check.callerRole, 'remove members');
  if (check.targetRole === 'admin' && check.adminCount <= 1)
    throw conflict('The last admin cannot leave the group; make another member admin first');
  return { leaving };
}

/** Returns whether anything changes; demoting the last admin is refused (addenda G). */
export function checkRoleChange(targetRole: Role, newRole: Role, adminCount: number): boolean {
  if (targetRole === newRole) return false;
  if (targetRole === 'admin' && adminCount <= 1)
    throw conflict('The last admin cannot be demoted; make another member admin first');
  return true;
}

export interface GroupSettings {
  name: string;
  description: string;
  avatar_url: string;
  is_admin_only: boolean;
}

/** Only the fields whose value really changes; an empty result means nothing to write or announce. */
export function diffGroupSettings(
  current: GroupSettings,
  requested: UpdateChatBody,
): Partial<GroupSettings> {
  const wanted: Partial<GroupSettings> = {
    ...requested,
    ...(requested.name === undefined ? {} : { name: requested.name.trim() }),
  };
  const changes: Partial<GroupSettings> = {};
  for (const key of Object.keys(wanted) as (keyof GroupSettings)[]) {
    if (wanted[key] !== undefined && wanted[key] !== current[key])
      Object.assign(changes, { [key]: wanted[key] });
  }
  return changes;
}

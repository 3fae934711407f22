/*
 * Small pure decisions of the connection lifecycle, unit-tested exhaustively in test/rules.test.ts.
 */

export type PresenceTransition = 'online' | 'offline' | 'none';

/** A user's first local connection reports them online; their last one reports them offline. */
export function presenceTransition(localBefore: number, localAfter: number): PresenceTransition {
  if (localBefore === 0 && localAfter > 0) return 'online';
  if (localBefore > 0 && localAfter === 0) return 'offline';
  return 'none';
}

export interface PresenceReport {
  /** Aggregated across instances, as the user-service answered SetPresence. */
  online: boolean;
  /** Unix ms, non-zero only when this report took the user offline. */
  lastSeenMs: number;
}

export type PresenceAnnouncement =
  { status: 'online'; last_seen: null } | { status: 'offline'; last_seen: string } | null;

/**
 * What to tell watchers after reporting a transition: online always (idempotent for clients),
 * offline only when the user-service says no other instance still holds the user.
 */
export function presenceAnnouncement(
  transition: PresenceTransition,
  report: PresenceReport,
): PresenceAnnouncement {
  if (transition === 'online') return { status: 'online', last_seen: null };
  if (transition === 'offline' && !report.online && report.lastSeenMs > 0)
    return { status: 'offline', last_seen: new Date(report.lastSeenMs).toISOString() };
  return null;
}

export interface RateDecision {
  allowed: boolean;
  retryAfterSeconds: number;
}

/** Fixed window: the `count`-th call of a window whose key lives `ttlMs` more. */
export function rateDecision(count: number, limit: number, ttlMs: number): RateDecision {
  if (count <= limit) return { allowed: true, retryAfterSeconds: 0 };
  return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil(ttlMs / 1_000)) };
}

/** A socket whose queued bytes would pass the cap is a slow reader: it is dropped, not buffered. */
export function exceedsSendBuffer(
  bufferedBytes: number,
  frameBytes: number,
  capBytes: number,
): boolean {
  return bufferedBytes + frameBytes > capBytes;
}

/** Whether a socket has been silent (no frame, no pong) for longer than allowed. */
export function isIdle(lastActivityMs: number, nowMs: number, idleTimeoutMs: number): boolean {
  return nowMs - lastActivityMs > idleTimeoutMs;
}

/** The replay continues while a page was full and the server gave a cursor. */
export function replayContinues(pageLength: number, next: string | undefined): boolean {
  return pageLength > 0 && next !== undefined && next !== '';
}

/**
 * A `message.new`'s reply and forward marks, the same live and replayed (addenda E): each key
 * only when it applies, so a plain message carries neither.
 */
export function messageMarks(
  replyToMessageId: string | null | undefined,
  forwarded: boolean | undefined,
): { reply_to_message_id?: string; forwarded?: true } {
  return {
    ...(replyToMessageId ? { reply_to_message_id: replyToMessageId } : {}),
    ...(forwarded ? { forwarded: true as const } : {}),
  };
}

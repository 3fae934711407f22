/** WebSocket close codes this project uses (RFC 6455 §7.4 and PRD §7.1). */
export const WS_CLOSE = {
  /** Server shutting down: reconnect (to another instance). */
  GOING_AWAY: 1001,
  /** The client sent more than it may (after the frame-size error frames). */
  POLICY_VIOLATION: 1008,
  /** A frame larger than `maxPayload`. */
  MESSAGE_TOO_BIG: 1009,
  /** The client did not read fast enough, or the auth-service could not be asked: reconnect later. */
  TRY_AGAIN_LATER: 1013,
  /** Missing, invalid or expired token, or no `auth` frame in time (addenda F). */
  AUTH_FAILED: 4001,
} as const;

/** One `messages:send` attempt as the emulator saw and answered it. */
export interface RecordedPush {
  received_at: string;
  project_id: string;
  /** The HTTP status the emulator answered. */
  status: number;
  /** The `message` object exactly as received; null when the body held none. */
  message: unknown;
}

export interface PushLog {
  record(push: RecordedPush): void;
  /** Oldest first; only the pushes addressed to `token` when it is given. */
  list(token?: string): RecordedPush[];
  /** Counts an attempt for `token` and returns its number, starting at 1. */
  countAttempt(token: string): number;
  /** Forgets every push and every attempt count. */
  clear(): void;
}

export function createPushLog(): PushLog {
  let pushes: RecordedPush[] = [];
  const attempts = new Map<string, number>();
  return {
    record(push) {
      pushes.push(push);
    },
    list(token) {
      const chosen = token === undefined ? pushes : pushes.filter((p) => tokenOf(p) === token);
      return structuredClone(chosen);
    },
    countAttempt(token) {
      const count = (attempts.get(token) ?? 0) + 1;
      attempts.set(token, count);
      return count;
    },
    clear() {
      pushes = [];
      attempts.clear();
    },
  };
}

function tokenOf(push: RecordedPush): unknown {
  const message = push.message;
  return typeof message === 'object' && message !== null
    ? (message as Record<string, unknown>).token
    : undefined;
}

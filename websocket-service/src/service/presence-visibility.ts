import type { UserRemote } from '../repository/user-remote.ts';

/** GetPresences calls in flight at once when one turn asks about many watchers. */
const CALLS_AT_ONCE = 50;

interface Question {
  userId: string;
  resolve: (visible: boolean) => void;
  reject: (error: unknown) => void;
}

/**
 * Whether a watcher may still see a user's presence (the owner's last_seen setting and blocks,
 * addenda E), asked of the user-service's GetPresences, which answers one viewer about many
 * users. The questions of one turn of the event loop (the presence changes of one NATS read) are
 * gathered per watcher: a watcher of several users who changed at once (a group reconnecting
 * after a deploy) costs one call, not one per change.
 */
export function createPresenceVisibility(users: Pick<UserRemote, 'presences'>) {
  let asked = new Map<string, Question[]>();

  async function answer(watcherId: string, questions: Question[]): Promise<void> {
    try {
      const userIds = [...new Set(questions.map((q) => q.userId))];
      const seen = await users.presences(watcherId, userIds);
      const visible = new Set(seen.filter((p) => p.visible).map((p) => p.userId));
      for (const question of questions) question.resolve(visible.has(question.userId));
    } catch (error) {
      for (const question of questions) question.reject(error);
    }
  }

  async function flush(): Promise<void> {
    const batch = [...asked];
    asked = new Map();
    let next = 0;
    const worker = async () => {
      while (next < batch.length) {
        const [watcherId, questions] = batch[next++];
        await answer(watcherId, questions);
      }
    };
    await Promise.all(Array.from({ length: Math.min(CALLS_AT_ONCE, batch.length) }, worker));
  }

  return {
    visible(watcherId: string, userId: string): Promise<boolean> {
      return new Promise((resolve, reject) => {
        if (asked.size === 0) setImmediate(() => void flush());
        const questions = asked.get(watcherId);
        if (questions) questions.push({ userId, resolve, reject });
        else asked.set(watcherId, [{ userId, resolve, reject }]);
      });
    },
  };
}

export type PresenceVisibility = ReturnType<typeof createPresenceVisibility>;

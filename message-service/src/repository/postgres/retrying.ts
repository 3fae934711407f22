import { setTimeout as sleep } from 'node:timers/promises';
import { pgErrorCode } from '@wa/pkg/db';
import type { Logger } from '@wa/pkg/log';

const PG_DEADLOCK = '40P01';
const PG_SERIALIZATION_FAILURE = '40001';
const ATTEMPTS = 3;

/**
 * Runs `work` again when PostgreSQL chose it as a deadlock victim (a victim has written nothing).
 * The receipt statements lock their rows in one order, so a deadlock means a statement that does
 * not: it is logged, as each costs every write waiting behind it deadlock_timeout (1 s).
 */
export async function retrying<T>(work: () => Promise<T>, log: Logger, what: string): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await work();
    } catch (error) {
      const code = pgErrorCode(error);
      if ((code !== PG_DEADLOCK && code !== PG_SERIALIZATION_FAILURE) || attempt >= ATTEMPTS)
        throw error;
      log.warn(
        { err: error, statement: what, attempt },
        code === PG_DEADLOCK
          ? 'receipt statement deadlocked; retrying'
          : 'receipt statement hit a serialization failure; retrying',
      );
    }
    await sleep(10 * attempt);
  }
}

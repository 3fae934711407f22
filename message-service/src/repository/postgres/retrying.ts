import { setTimeout as sleep } from 'node:timers/promises';
import { pgErrorCode } from '@wa/pkg/db';

const PG_DEADLOCK = '40P01';
const PG_SERIALIZATION_FAILURE = '40001';
const ATTEMPTS = 3;

/**
 * Runs `work` again when PostgreSQL chose it as a deadlock victim: row locks are taken in
 * different orders by different updates (a batch of receipts, a read up to a point), and a victim
 * has written nothing.
 */
export async function retrying<T>(work: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await work();
    } catch (error) {
      const code = pgErrorCode(error);
      if ((code !== PG_DEADLOCK && code !== PG_SERIALIZATION_FAILURE) || attempt >= ATTEMPTS)
        throw error;
    }
    await sleep(10 * attempt);
  }
}

import type { Redis } from '@wa/pkg/db';

export interface WindowCount {
  count: number;
  /** Seconds until the window resets. */
  resetsIn: number;
}

/** OTP state in Redis: the hashed code (`otp:<phone>`) and fixed-window counters for sends and attempts. */
export function createOtpRepository(redis: Redis) {
  const codeKey = (phone: string) => `otp:${phone}`;

  async function countInWindow(key: string, windowSeconds: number): Promise<WindowCount> {
    const results = await redis.multi().incr(key).expire(key, windowSeconds, 'NX').ttl(key).exec();
    if (!results) throw new Error('redis transaction aborted');
    const [[incrError, count], , [, ttl]] = results;
    if (incrError) throw incrError;
    return { count: Number(count), resetsIn: Math.max(Number(ttl), 1) };
  }

  return {
    countSend: (phone: string, windowSeconds: number) =>
      countInWindow(`otp:sends:${phone}`, windowSeconds),
    countAttempt: (phone: string, windowSeconds: number) =>
      countInWindow(`otp:attempts:${phone}`, windowSeconds),
    resetAttempts: async (phone: string) => {
      await redis.del(`otp:attempts:${phone}`);
    },
    saveCode: async (phone: string, codeHash: string, ttlSeconds: number) => {
      await redis.set(codeKey(phone), codeHash, 'EX', ttlSeconds);
    },
    findCode: (phone: string) => redis.get(codeKey(phone)),
    /** True for exactly one caller, so a code can be used once even under concurrent verifies. */
    consumeCode: async (phone: string) => (await redis.del(codeKey(phone))) === 1,
  };
}

export type OtpRepository = ReturnType<typeof createOtpRepository>;

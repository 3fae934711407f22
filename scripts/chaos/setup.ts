import { loginThrough, type StackSession } from '@wa/pkg/testing';

/** Signs `count` fresh users in through `gateway` (mock SMS, the stack's fixed code), 20 at a time. */
export async function loginAll(gateway: string, count: number): Promise<StackSession[]> {
  const sessions: StackSession[] = [];
  for (let i = 0; i < count; i += 20) {
    const batch = Math.min(20, count - i);
    sessions.push(
      ...(await Promise.all(Array.from({ length: batch }, () => loginThrough(gateway)))),
    );
  }
  return sessions;
}

import { randomPhone, STACK_OTP, type StackSession } from '@wa/pkg/testing';

/** Signs `count` fresh users in through `gateway` (mock SMS, the stack's fixed code), 20 at a time. */
export async function loginAll(gateway: string, count: number): Promise<StackSession[]> {
  const sessions: StackSession[] = [];
  for (let i = 0; i < count; i += 20) {
    const batch = Math.min(20, count - i);
    sessions.push(...(await Promise.all(Array.from({ length: batch }, () => login(gateway)))));
  }
  return sessions;
}

async function login(gateway: string): Promise<StackSession> {
  const phone = randomPhone();
  const post = async (path: string, body: unknown) => {
    const response = await fetch(`${gateway}/api/v1/auth/${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    const envelope = (await response.json()) as {
      data: { user: { id: string }; access_token: string };
    };
    if (!response.ok) throw new Error(`${path} answered ${response.status}`);
    return envelope.data;
  };
  await post('request-otp', { phone });
  const data = await post('verify-otp', { phone, otp: STACK_OTP });
  return { id: data.user.id, phone, token: data.access_token };
}

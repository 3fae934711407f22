import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { SignJWT } from 'jose';
import { JWT_SECRET } from './stack.ts';

const key = new TextEncoder().encode(JWT_SECRET);

/** An access token the bench auth-service accepts (same claims as auth-service signs), made locally. */
export async function signAccessToken(userId: string, phone = '+4915100000000'): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ phone })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(userId)
    .setIssuedAt(now)
    .setExpirationTime(now + 3_600)
    .sign(key);
}

export const freshUserIds = (count: number): string[] =>
  Array.from({ length: count }, () => randomUUID());

/** Resident set size of a process in bytes (Linux). */
export function rssBytes(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const match = /VmRSS:\s+(\d+) kB/.exec(status);
  return match ? Number(match[1]) * 1024 : NaN;
}

/** The V8 heap in use (after the last GC) as the service's own /metrics reports it (prom-client). */
export async function heapUsedBytes(httpOrigin: string): Promise<number> {
  const response = await fetch(`${httpOrigin}/metrics`);
  const line = (await response.text())
    .split('\n')
    .find((entry) => entry.startsWith('nodejs_heap_size_used_bytes'));
  return Number(line?.split(' ').at(-1) ?? NaN);
}

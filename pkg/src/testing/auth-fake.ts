import { randomBytes, randomInt, randomUUID } from 'node:crypto';
import type { AuthService } from '../grpc/index.ts';
import type { FakeImpl } from './grpc-fake.ts';

export interface FakeSession {
  id: string;
  phone: string;
  token: string;
}

/**
 * An in-memory auth-service ValidateToken: valid for the tokens it issued (until revoked or
 * expired), `{ valid: false }` for anything else, exactly as the auth-service answers.
 */
export function createAuthDirectory() {
  const tokens = new Map<string, { userId: string; phone: string; expiresAt: number }>();
  const implementation: FakeImpl<typeof AuthService> = {
    validateToken(request) {
      const claims = tokens.get(request.token);
      if (!claims || claims.expiresAt <= Date.now()) return { valid: false };
      return {
        valid: true,
        userId: claims.userId,
        phone: claims.phone,
        expiresAt: BigInt(Math.floor(claims.expiresAt / 1000)),
      };
    },
  };
  return {
    implementation,
    /** A token for `userId` (a fresh user by default), valid for `ttlMs`. */
    issue(user: { id?: string; phone?: string } = {}, ttlMs = 15 * 60_000): FakeSession {
      const session = {
        id: user.id ?? randomUUID(),
        phone: user.phone ?? `+49151${String(randomInt(0, 100_000_000)).padStart(8, '0')}`,
        token: `fake.${randomBytes(18).toString('base64url')}`,
      };
      tokens.set(session.token, {
        userId: session.id,
        phone: session.phone,
        expiresAt: Date.now() + ttlMs,
      });
      return session;
    },
    revoke(token: string) {
      tokens.delete(token);
    },
  };
}

export type AuthDirectory = ReturnType<typeof createAuthDirectory>;

import { createHash, randomBytes } from 'node:crypto';
import { SignJWT, jwtVerify } from 'jose';
import { normaliseUuid } from '@wa/pkg/uuid';
import type { AccessClaims } from '../model/schemas.ts';

/** HS256 access tokens with exactly the PRD's claims: sub, phone, iat, exp. */
export function createAccessTokens(secret: string, ttlSeconds: number) {
  const key = new TextEncoder().encode(secret);
  return {
    ttlSeconds,
    async sign(
      userId: string,
      phone: string,
      now = Math.floor(Date.now() / 1000),
    ): Promise<string> {
      return new SignJWT({ phone })
        .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
        .setSubject(userId)
        .setIssuedAt(now)
        .setExpirationTime(now + ttlSeconds)
        .sign(key);
    },
    /** The claims of a valid token, or undefined for anything else (expired, forged, alg none, malformed). */
    async verify(token: string): Promise<AccessClaims | undefined> {
      try {
        const { payload } = await jwtVerify(token, key, {
          algorithms: ['HS256'],
          requiredClaims: ['sub', 'exp', 'iat'],
        });
        const userId = normaliseUuid(payload.sub);
        if (userId === undefined) return undefined;
        if (typeof payload.phone !== 'string' || typeof payload.exp !== 'number') return undefined;
        return { userId, phone: payload.phone, expiresAt: payload.exp };
      } catch {
        return undefined;
      }
    },
  };
}

export type AccessTokens = ReturnType<typeof createAccessTokens>;

/** Opaque refresh tokens: 256 random bits for the client, only their SHA-256 stored. */
export const newRefreshToken = (): string => randomBytes(32).toString('base64url');
export const hashRefreshToken = (token: string): string =>
  createHash('sha256').update(token).digest('hex');

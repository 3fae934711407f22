import { createHash } from 'node:crypto';
import { unauthorized } from '@wa/pkg/errors';
import { isUuid, type Caller } from '@wa/pkg/http';
import { createLruCache } from './lru-cache.ts';

/** The auth-service's answer about one access token. */
export interface TokenCheck {
  valid: boolean;
  userId: string;
  phone: string;
  expiresAtMs: number;
}

export interface TokenSource {
  /** Rejects with a SERVICE_UNAVAILABLE AppError when the auth-service cannot answer. */
  validate(token: string): Promise<TokenCheck>;
}

export interface TokenVerifierDeps {
  source: TokenSource;
  maxEntries: number;
  /** Upper bound on how long a positive answer is reused, whatever the token's own expiry. */
  ttlMs: number;
  now?: () => number;
}

interface CachedCaller {
  caller: Caller;
  validUntil: number;
}

const INVALID_TOKEN = 'Access token is invalid or expired';

/**
 * Access tokens checked by the auth-service, with positive answers cached in a bounded LRU keyed
 * by the token's SHA-256 (the token itself is never kept). Only valid tokens are cached, so a
 * flood of garbage tokens cannot evict real sessions; concurrent checks of one token share a call.
 */
export function createTokenVerifier({
  source,
  maxEntries,
  ttlMs,
  now = Date.now,
}: TokenVerifierDeps) {
  const cache = createLruCache<string, CachedCaller>(maxEntries);
  const inFlight = new Map<string, Promise<Caller>>();

  async function ask(key: string, token: string): Promise<Caller> {
    const answer = await source.validate(token);
    if (!answer.valid || !isUuid(answer.userId)) throw unauthorized(INVALID_TOKEN);
    const caller: Caller = { userId: answer.userId, phone: answer.phone };
    const validUntil = Math.min(answer.expiresAtMs, now() + ttlMs);
    if (validUntil > now()) cache.set(key, { caller, validUntil });
    return caller;
  }

  return {
    async verify(token: string): Promise<Caller> {
      const key = createHash('sha256').update(token).digest('hex');
      const cached = cache.get(key);
      if (cached && cached.validUntil > now()) return cached.caller;
      if (cached) cache.delete(key);
      let pending = inFlight.get(key);
      if (!pending) {
        pending = ask(key, token).finally(() => inFlight.delete(key));
        inFlight.set(key, pending);
      }
      return pending;
    },
    get cachedEntries(): number {
      return cache.size;
    },
  };
}

export type TokenVerifier = ReturnType<typeof createTokenVerifier>;

import { createHash } from 'node:crypto';
import { createTtlCache } from '@wa/pkg/cache';
import { unauthorized } from '@wa/pkg/errors';
import { normaliseUuid, type Caller } from '@wa/pkg/http';

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
  expiresAtMs: number;
}

const INVALID_TOKEN = 'Access token is invalid or expired';

/**
 * Access tokens checked by the auth-service, with positive answers cached (bounded, LRU) keyed
 * by the token's SHA-256 (the token itself is never kept), never past the token's own expiry.
 * Only valid tokens are cached, so a flood of garbage tokens cannot evict real sessions;
 * concurrent checks of one token share a call.
 */
export function createTokenVerifier({
  source,
  maxEntries,
  ttlMs,
  now = Date.now,
}: TokenVerifierDeps) {
  const cache = createTtlCache<string, CachedCaller>({
    maxEntries,
    ttlMs,
    ttlFor: (cached) => cached.expiresAtMs - now(),
    now,
  });

  async function ask(token: string): Promise<CachedCaller> {
    const answer = await source.validate(token);
    const userId = normaliseUuid(answer.userId);
    if (!answer.valid || userId === undefined) throw unauthorized(INVALID_TOKEN);
    return { caller: { userId, phone: answer.phone }, expiresAtMs: answer.expiresAtMs };
  }

  return {
    async verify(token: string): Promise<Caller> {
      const key = createHash('sha256').update(token).digest('hex');
      return (await cache.getOrLoad(key, () => ask(token))).caller;
    },
    get cachedEntries(): number {
      return cache.size;
    },
  };
}

export type TokenVerifier = ReturnType<typeof createTokenVerifier>;

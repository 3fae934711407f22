import type { AuthRemote } from '../repository/auth-remote.ts';

/**
 * What a token check found: the user, a token that is invalid or expired, or no answer (the
 * auth-service is unreachable). Only `invalid` tells the client to drop its token (4001); an
 * outage is retryable (1013), so clients keep good tokens through it.
 */
export type TokenCheck = { userId: string } | 'invalid' | 'unavailable';

/** Checks a token with ValidateToken (PRD §4.1); never throws. */
export function createAuthenticator(auth: Pick<AuthRemote, 'userOf'>) {
  return (token: string): Promise<TokenCheck> =>
    auth.userOf(token).then(
      (userId) => (userId ? { userId } : 'invalid'),
      () => 'unavailable',
    );
}

export type Authenticator = ReturnType<typeof createAuthenticator>;

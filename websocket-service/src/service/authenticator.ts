import type { AuthRemote } from '../repository/auth-remote.ts';

/** The user id a token belongs to, or null when it is invalid or expired (ValidateToken, PRD §4.1). */
export function createAuthenticator(auth: Pick<AuthRemote, 'userOf'>) {
  return (token: string): Promise<string | null> => auth.userOf(token);
}

export type Authenticator = ReturnType<typeof createAuthenticator>;

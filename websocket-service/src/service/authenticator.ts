import type { AuthService, Client } from '@wa/pkg/grpc';

/** The user id a token belongs to, or null when it is invalid or expired (ValidateToken, PRD §4.1). */
export function createAuthenticator(auth: Client<typeof AuthService>) {
  return async (token: string): Promise<string | null> => {
    const result = await auth.validateToken({ token });
    return result.valid && result.userId ? result.userId : null;
  };
}

export type Authenticator = ReturnType<typeof createAuthenticator>;

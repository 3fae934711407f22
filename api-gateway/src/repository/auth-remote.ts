import { isAppError } from '@wa/pkg/errors';
import { createRemote, type AuthService, type Client } from '@wa/pkg/grpc';
import type { TokenCheck, TokenSource } from '../service/token-verifier.ts';

export type AuthClient = Client<typeof AuthService>;

/** The auth-service's gRPC `ValidateToken`, in the verifier's terms. */
export function createAuthTokenSource(
  client: AuthClient,
): TokenSource & { ping(): Promise<boolean> } {
  const remote = createRemote<typeof AuthService>('auth-service', client);
  return {
    async validate(token: string): Promise<TokenCheck> {
      const answer = await remote.call((auth) => auth.validateToken({ token }));
      return {
        valid: answer.valid,
        userId: answer.userId,
        phone: answer.phone,
        expiresAtMs: Number(answer.expiresAt) * 1000,
      };
    },

    /** Reachable when it answers at all: a rejected empty token is still an answer. */
    async ping(): Promise<boolean> {
      try {
        await remote.call((auth) => auth.validateToken({ token: '' }));
        return true;
      } catch (error) {
        return !(isAppError(error) && error.code === 'SERVICE_UNAVAILABLE');
      }
    },
  };
}

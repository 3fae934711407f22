import { fromGrpcError, type AuthService, type Client } from '@wa/pkg/grpc';
import type { TokenCheck, TokenSource } from '../service/token-verifier.ts';

export type AuthClient = Client<typeof AuthService>;

const DEPENDENCY = 'auth-service';

/** The auth-service's gRPC `ValidateToken`, in the verifier's terms. */
export function createAuthTokenSource(
  client: AuthClient,
): TokenSource & { ping(): Promise<boolean> } {
  return {
    async validate(token: string): Promise<TokenCheck> {
      try {
        const answer = await client.validateToken({ token });
        return {
          valid: answer.valid,
          userId: answer.userId,
          phone: answer.phone,
          expiresAtMs: Number(answer.expiresAt) * 1000,
        };
      } catch (error) {
        throw fromGrpcError(error, DEPENDENCY);
      }
    },

    /** Reachable when it answers at all: a rejected empty token is still an answer. */
    async ping(): Promise<boolean> {
      try {
        await client.validateToken({ token: '' });
        return true;
      } catch (error) {
        return fromGrpcError(error, DEPENDENCY).code !== 'SERVICE_UNAVAILABLE';
      }
    },
  };
}

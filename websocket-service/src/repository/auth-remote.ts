import { createRemote, type AuthService, type Client } from '@wa/pkg/grpc';

/** The auth-service, spoken in domain types: no protobuf messages leave this file. */
export function createAuthRemote(client: Client<typeof AuthService>) {
  const remote = createRemote<typeof AuthService>('auth-service', client);
  return {
    /** The user id the token belongs to, or null when it is invalid or expired. */
    async userOf(token: string): Promise<string | null> {
      const answer = await remote.call((rpc) => rpc.validateToken({ token }));
      return answer.valid && answer.userId !== '' ? answer.userId : null;
    },
  };
}

export type AuthRemote = ReturnType<typeof createAuthRemote>;

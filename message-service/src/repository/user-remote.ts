import { createRemote, type Client, type UserService } from '@wa/pkg/grpc';

/** The user-service, spoken in domain types: no protobuf messages leave this file. */
export function createUserRemote(client: Client<typeof UserService>) {
  const remote = createRemote('user-service', client);
  return {
    async isBlocked(blockerId: string, blockedId: string): Promise<boolean> {
      return (await remote.call((users) => users.checkBlocked({ blockerId, blockedId }))).blocked;
    },

    /** Whether the user shows read receipts; false for a user the service does not know. */
    async readReceipts(userId: string): Promise<boolean> {
      const answer = await remote.call((users) => users.getReadReceipts({ userIds: [userId] }));
      return answer.readReceipts[userId] ?? false;
    },

    /** Display name, else phone, of each user found; no viewer, so privacy settings do not apply. */
    async names(userIds: readonly string[]): Promise<Map<string, string>> {
      const answer = await remote.call((users) =>
        users.getUsers({ userIds: [...userIds], viewerId: '' }),
      );
      return new Map(answer.users.map((user) => [user.userId, user.displayName || user.phone]));
    },
  };
}

export type UserRemote = ReturnType<typeof createUserRemote>;

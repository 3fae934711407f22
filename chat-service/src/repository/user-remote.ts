import { createRemote, type Client, type UserService } from '@wa/pkg/grpc';

/** What the chat-service shows of a user: name and avatar as the viewer may see them. */
export interface UserCard {
  userId: string;
  displayName: string;
  avatarUrl: string;
}

/** The user-service, spoken in domain types: no protobuf messages leave this file. */
export function createUserRemote(client: Client<typeof UserService>) {
  const remote = createRemote('user-service', client);
  return {
    /** The users found among `userIds`, filtered by their privacy settings towards `viewerId`. */
    async cards(userIds: readonly string[], viewerId: string): Promise<UserCard[]> {
      const answer = await remote.call((users) =>
        users.getUsers({ userIds: [...userIds], viewerId }),
      );
      return answer.users.map(({ userId, displayName, avatarUrl }) => ({
        userId,
        displayName,
        avatarUrl,
      }));
    },
  };
}

export type UserRemote = ReturnType<typeof createUserRemote>;

import { createRemote, type Client, type UserService } from '@wa/pkg/grpc';

/** A user's presence as one viewer may see it; `lastSeen` is null when never seen or hidden. */
export interface SeenPresence {
  userId: string;
  visible: boolean;
  online: boolean;
  lastSeen: Date | null;
}

const dateOrNull = (millis: bigint): Date | null => (millis > 0n ? new Date(Number(millis)) : null);

/** The user-service, spoken in domain types: no protobuf messages leave this file. */
export function createUserRemote(client: Client<typeof UserService>) {
  const remote = createRemote<typeof UserService>('user-service', client);
  return {
    async presences(viewerId: string, userIds: readonly string[]): Promise<SeenPresence[]> {
      const answer = await remote.call((rpc) =>
        rpc.getPresences({ viewerId, userIds: [...userIds] }),
      );
      return answer.presences.map((p) => ({
        userId: p.userId,
        visible: p.visible,
        online: p.online,
        lastSeen: dateOrNull(p.lastSeen),
      }));
    },

    /** This instance's sockets of `userId` opened (first) or closed (last). */
    async setPresence(
      userId: string,
      instanceId: string,
      online: boolean,
    ): Promise<{ online: boolean; lastSeenMs: number }> {
      const report = await remote.call((rpc) => rpc.setPresence({ userId, instanceId, online }));
      return { online: report.online, lastSeenMs: Number(report.lastSeen) };
    },

    async refreshPresence(instanceId: string, userIds: readonly string[]): Promise<void> {
      await remote.call((rpc) => rpc.refreshPresence({ instanceId, userIds: [...userIds] }));
    },

    /** Users whose every instance lapsed, each handed out once, with when they were last seen. */
    async sweepExpiredPresence(limit: number): Promise<{ userId: string; lastSeen: Date }[]> {
      const { expired } = await remote.call((rpc) => rpc.sweepExpiredPresence({ limit }));
      return expired.map((e) => ({ userId: e.userId, lastSeen: new Date(Number(e.lastSeen)) }));
    },

    async displayName(userId: string): Promise<string> {
      return (await remote.call((rpc) => rpc.getUser({ userId }))).displayName;
    },
  };
}

export type UserRemote = ReturnType<typeof createUserRemote>;

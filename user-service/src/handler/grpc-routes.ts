import type { GrpcRouter } from '@wa/pkg/grpc';
import { UserService as UserRpc } from '@wa/pkg/grpc';
import { validationError } from '@wa/pkg/errors';
import { requireUuid } from '@wa/pkg/http';
import type { OwnerProfile } from '../model/privacy.ts';
import type { BlockService } from '../service/block-service.ts';
import type { PresenceService } from '../service/presence-service.ts';
import type { ProfileService } from '../service/profile-service.ts';

export interface UserGrpcDeps {
  profiles: ProfileService;
  blocks: BlockService;
  presence: PresenceService;
}

const MAX_GET_USERS = 1_000;
const MAX_REFRESH_USERS = 10_000;
const MAX_SWEEP = 1_000;
const INSTANCE_ID = /^[A-Za-z0-9._:-]{1,128}$/;

function uuids(values: readonly string[], field: string, max: number): string[] {
  if (values.length > max) throw validationError(`${field} takes at most ${max} ids`);
  return values.map((value) => requireUuid(value, field));
}

function instanceId(value: string): string {
  if (!INSTANCE_ID.test(value))
    throw validationError('instance_id must be 1-128 characters of [A-Za-z0-9._:-]');
  return value;
}

const optionalViewer = (value: string) =>
  value === '' ? undefined : requireUuid(value, 'viewer_id');

const toUserResponse = (user: OwnerProfile) => ({
  userId: user.id,
  phone: user.phone,
  displayName: user.display_name,
  avatarUrl: user.avatar_url,
  statusText: user.status_text,
});

const unixMs = (date: Date | null) => BigInt(date ? date.getTime() : 0);

/** proto/user/user.proto: thin translations to the services; errors go through the shared table. */
export function userGrpcRoutes({ profiles, blocks, presence }: UserGrpcDeps) {
  return (router: GrpcRouter) => {
    router.service(UserRpc, {
      async getUser(request) {
        const user = await profiles.getUser(
          requireUuid(request.userId, 'user_id'),
          optionalViewer(request.viewerId),
        );
        return toUserResponse(user);
      },

      async getUsers(request) {
        const ids = uuids(request.userIds, 'user_ids', MAX_GET_USERS);
        const users = await profiles.getUsers(ids, optionalViewer(request.viewerId));
        return { users: users.map(toUserResponse) };
      },

      async checkPresence(request) {
        const facts = await presence.check(requireUuid(request.userId, 'user_id'));
        return { online: facts.online, lastSeen: unixMs(facts.lastSeen) };
      },

      async checkPresences(request) {
        const ids = uuids(request.userIds, 'user_ids', MAX_GET_USERS);
        return { onlineUserIds: await presence.onlineAmong(ids) };
      },

      async getPresences(request) {
        const viewer = requireUuid(request.viewerId, 'viewer_id');
        const ids = uuids(request.userIds, 'user_ids', MAX_GET_USERS);
        const seen = await presence.forViewer(viewer, ids);
        return {
          presences: seen.map((p) => ({
            userId: p.userId,
            visible: p.visible,
            online: p.online,
            lastSeen: unixMs(p.lastSeen),
          })),
        };
      },

      async setPresence(request) {
        const facts = await presence.setPresence(
          requireUuid(request.userId, 'user_id'),
          instanceId(request.instanceId),
          request.online,
        );
        return { online: facts.online, lastSeen: unixMs(facts.lastSeen) };
      },

      async refreshPresence(request) {
        const ids = uuids(request.userIds, 'user_ids', MAX_REFRESH_USERS);
        return { refreshed: await presence.refresh(instanceId(request.instanceId), ids) };
      },

      async sweepExpiredPresence(request) {
        const limit = request.limit === 0 ? 100 : request.limit;
        if (limit < 1 || limit > MAX_SWEEP)
          throw validationError(`limit must be between 1 and ${MAX_SWEEP}`, [
            { field: 'limit', message: `1-${MAX_SWEEP}` },
          ]);
        const lapsed = await presence.sweepLapsed(limit);
        return {
          expired: lapsed.map((entry) => ({
            userId: entry.userId,
            lastSeen: unixMs(entry.lastSeen),
          })),
        };
      },

      async checkBlocked(request) {
        const blocked = await blocks.isBlocked(
          requireUuid(request.blockerId, 'blocker_id'),
          requireUuid(request.blockedId, 'blocked_id'),
        );
        return { blocked };
      },

      async getReadReceipts(request) {
        const ids = uuids(request.userIds, 'user_ids', MAX_GET_USERS);
        return { readReceipts: Object.fromEntries(await profiles.readReceipts(ids)) };
      },
    });
  };
}

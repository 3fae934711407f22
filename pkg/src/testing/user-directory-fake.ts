import { AppError } from '../errors/index.ts';
import type { UserService } from '../grpc/index.ts';
import type { FakeImpl } from './grpc-fake.ts';

export type FakeAudience = 'everyone' | 'contacts' | 'nobody';

/** One user as the user-service would hold them; the test sets only what it cares about. */
export interface FakeUserRecord {
  id: string;
  phone: string;
  display_name: string;
  avatar_url: string;
  status_text: string;
  profile_photo: FakeAudience;
  about: FakeAudience;
  last_seen: FakeAudience;
  read_receipts: boolean;
  /** Ids in this user's address book. */
  contacts: Set<string>;
  /** Ids this user blocked. */
  blocked: Set<string>;
  lastSeenAt: Date | null;
  /** Instances holding the user, each with the time its hold lapses. */
  holds: Map<string, number>;
}

export type FakeUserInput = Pick<FakeUserRecord, 'id'> &
  Partial<Omit<FakeUserRecord, 'id' | 'contacts' | 'blocked' | 'holds'>> & {
    contacts?: string[];
    blocked?: string[];
  };

export interface UserDirectoryOptions {
  /** How long an online mark lasts without a refresh (the user-service's PRESENCE_TTL_SECONDS). */
  presenceTtlMs?: number;
  /** The clock presence marks are kept by (a test can move it instead of waiting). */
  now?: () => number;
}

/**
 * An in-memory user-service the test seeds: profiles, privacy, contacts, blocks, read receipts
 * and presence. It applies the user-service's contract (user-service/src/model/privacy.ts: the
 * owner sees everything of their own, a blocked viewer sees nothing guarded, else the audience
 * decides; unknown ids are left out of batch answers), so callers are tested against the answers
 * they get in production. The rules themselves are tested in user-service/test.
 */
export function createUserDirectory(options: UserDirectoryOptions = {}) {
  const ttlMs = options.presenceTtlMs ?? 60_000;
  const clock = options.now ?? Date.now;
  const users = new Map<string, FakeUserRecord>();

  const find = (id: string) => users.get(id.toLowerCase());
  const get = (id: string): FakeUserRecord => {
    const user = find(id);
    if (!user) throw new AppError('NOT_FOUND', 'User not found');
    return user;
  };
  const mayView = (owner: FakeUserRecord, audience: FakeAudience, viewerId: string) => {
    const viewer = viewerId.toLowerCase();
    if (owner.id === viewer) return true;
    if (owner.blocked.has(viewer)) return false;
    return audience === 'everyone' || (audience === 'contacts' && owner.contacts.has(viewer));
  };
  const profile = (owner: FakeUserRecord, viewerId: string) => ({
    userId: owner.id,
    phone: owner.phone,
    displayName: owner.display_name,
    avatarUrl: !viewerId || mayView(owner, owner.profile_photo, viewerId) ? owner.avatar_url : '',
    statusText: !viewerId || mayView(owner, owner.about, viewerId) ? owner.status_text : '',
  });
  const known = (ids: readonly string[]) =>
    [...new Set(ids.map((id) => id.toLowerCase()))].flatMap((id) => users.get(id) ?? []);
  const isOnline = (user: FakeUserRecord, now = clock()) =>
    [...user.holds.values()].some((until) => until > now);
  const unixMs = (date: Date | null) => BigInt(date?.getTime() ?? 0);

  const implementation: FakeImpl<typeof UserService> = {
    getUser: (request) => profile(get(request.userId), request.viewerId),
    getUsers: (request) => ({
      users: known(request.userIds).map((user) => profile(user, request.viewerId)),
    }),
    checkBlocked: (request) => ({
      blocked: find(request.blockerId)?.blocked.has(request.blockedId.toLowerCase()) ?? false,
    }),
    getReadReceipts: (request) => ({
      readReceipts: Object.fromEntries(known(request.userIds).map((u) => [u.id, u.read_receipts])),
    }),
    checkPresence: (request) => {
      const user = get(request.userId);
      return { online: isOnline(user), lastSeen: unixMs(user.lastSeenAt) };
    },
    getPresences: (request) => ({
      presences: known(request.userIds).map((user) => {
        const visible = mayView(user, user.last_seen, request.viewerId);
        return {
          userId: user.id,
          visible,
          online: visible && isOnline(user),
          lastSeen: visible ? unixMs(user.lastSeenAt) : 0n,
        };
      }),
    }),
    setPresence: (request) => {
      const user = get(request.userId);
      if (request.online) {
        user.holds.set(request.instanceId, clock() + ttlMs);
        return { online: true, lastSeen: 0n };
      }
      user.holds.delete(request.instanceId);
      if (isOnline(user)) return { online: true, lastSeen: 0n };
      user.lastSeenAt = new Date();
      return { online: false, lastSeen: unixMs(user.lastSeenAt) };
    },
    refreshPresence: (request) => {
      const ids = [...new Set(request.userIds.map((id) => id.toLowerCase()))];
      for (const id of ids) users.get(id)?.holds.set(request.instanceId, clock() + ttlMs);
      return { refreshed: ids.length };
    },
    sweepExpiredPresence: (request) => {
      const now = clock();
      const expired: { userId: string; lastSeen: bigint }[] = [];
      for (const user of users.values()) {
        if (expired.length >= (request.limit || 100)) break;
        if (user.holds.size === 0 || isOnline(user, now)) continue;
        // Last seen is when the last hold lapsed, as the user-service records it.
        user.lastSeenAt = new Date(Math.max(...user.holds.values()));
        user.holds.clear();
        expired.push({ userId: user.id, lastSeen: unixMs(user.lastSeenAt) });
      }
      return { expired };
    },
  };

  return {
    implementation,
    /** Adds a user (or replaces one with the same id); defaults as a fresh sign-up has them. */
    add(input: FakeUserInput): FakeUserRecord {
      const id = input.id.toLowerCase();
      const record: FakeUserRecord = {
        phone: '',
        display_name: '',
        avatar_url: '',
        status_text: '',
        profile_photo: 'everyone',
        about: 'everyone',
        last_seen: 'everyone',
        read_receipts: true,
        lastSeenAt: null,
        // An override left undefined keeps the default.
        ...Object.fromEntries(Object.entries(input).filter(([, value]) => value !== undefined)),
        id,
        contacts: new Set(input.contacts?.map((c) => c.toLowerCase())),
        blocked: new Set(input.blocked?.map((b) => b.toLowerCase())),
        holds: new Map(),
      };
      users.set(id, record);
      return record;
    },
    /** The stored record, for a test to change (`user(id).blocked.add(other)`). */
    user: get,
    block(blockerId: string, blockedId: string) {
      get(blockerId).blocked.add(blockedId.toLowerCase());
    },
    unblock(blockerId: string, blockedId: string) {
      get(blockerId).blocked.delete(blockedId.toLowerCase());
    },
    isOnline: (id: string) => isOnline(get(id)),
  };
}

export type UserDirectory = ReturnType<typeof createUserDirectory>;

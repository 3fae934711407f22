import { notFound } from '@wa/pkg/errors';
import type { AppInstance, CallerRequest } from '@wa/pkg/http';
import { Envelope, IdParams, NoQuery, ok, requireCaller } from '@wa/pkg/http';
import {
  BlockState,
  ContactSyncBody,
  ContactSyncResult,
  DeviceTokenBody,
  DeviceTokenDeleteBody,
  DeviceTokenDeleted,
  DeviceTokenRegistered,
  MyProfile,
  Presence,
  PrivacySettings,
  PrivacyUpdate,
  ProfileUpdate,
  PublicProfile,
} from '../model/schemas.ts';
import type { BlockService } from '../service/block-service.ts';
import type { ContactService } from '../service/contact-service.ts';
import type { DeviceTokenService } from '../service/device-token-service.ts';
import type { PresenceService } from '../service/presence-service.ts';
import type { ProfileService } from '../service/profile-service.ts';

export interface UserRouteDeps {
  profiles: ProfileService;
  contacts: ContactService;
  blocks: BlockService;
  presence: PresenceService;
  deviceTokens: DeviceTokenService;
}

/**
 * PRD §6.2. The static `me` and `contacts` segments win over `:id` in Fastify's router, so
 * `/users/me` is never read as a user id. Identity comes only from the gateway's headers.
 */
export function registerUserRoutes(app: AppInstance, deps: UserRouteDeps): void {
  const { profiles, contacts, blocks, presence, deviceTokens } = deps;
  const callerId = (request: CallerRequest) => requireCaller(request).userId;

  // 401 before any validation: an unauthenticated request learns nothing about the route.
  app.addHook('onRequest', async (request) => {
    if (request.url.startsWith('/api/v1/users')) requireCaller(request);
  });

  app.get(
    '/api/v1/users/me',
    {
      schema: {
        summary: 'Get my profile',
        querystring: NoQuery,
        response: { 200: Envelope(MyProfile) },
      },
    },
    async (request) => ok(request.id, await profiles.getMe(callerId(request))),
  );

  app.patch(
    '/api/v1/users/me',
    {
      schema: {
        summary: 'Update my profile',
        querystring: NoQuery,
        body: ProfileUpdate,
        response: { 200: Envelope(MyProfile) },
      },
    },
    async (request) => ok(request.id, await profiles.updateMe(callerId(request), request.body)),
  );

  app.get(
    '/api/v1/users/:id',
    {
      schema: {
        summary: "Get a user's public profile",
        errors: { NOT_FOUND: 'No such user' },
        params: IdParams,
        querystring: NoQuery,
        response: { 200: Envelope(PublicProfile) },
      },
    },
    async (request) => ok(request.id, await profiles.getUser(request.params.id, callerId(request))),
  );

  app.get(
    '/api/v1/users/me/privacy',
    {
      schema: {
        summary: 'Get my privacy settings',
        querystring: NoQuery,
        response: { 200: Envelope(PrivacySettings) },
      },
    },
    async (request) => ok(request.id, await profiles.getPrivacy(callerId(request))),
  );

  app.put(
    '/api/v1/users/me/privacy',
    {
      schema: {
        summary: 'Set my privacy settings',
        querystring: NoQuery,
        body: PrivacyUpdate,
        response: { 200: Envelope(PrivacySettings) },
      },
    },
    async (request) =>
      ok(request.id, await profiles.updatePrivacy(callerId(request), request.body)),
  );

  app.post(
    '/api/v1/users/contacts/sync',
    {
      schema: {
        summary: 'Find which phone numbers are users (contact sync)',
        querystring: NoQuery,
        body: ContactSyncBody,
        response: { 200: Envelope(ContactSyncResult) },
      },
    },
    async (request) => ok(request.id, await contacts.sync(requireCaller(request), request.body)),
  );

  app.post(
    '/api/v1/users/:id/block',
    {
      schema: {
        summary: 'Block a user',
        errors: {
          VALIDATION_ERROR: 'A malformed id, or the caller’s own',
          NOT_FOUND: 'No such user',
        },
        params: IdParams,
        querystring: NoQuery,
        response: { 200: Envelope(BlockState) },
      },
    },
    async (request) => ok(request.id, await blocks.block(callerId(request), request.params.id)),
  );

  app.delete(
    '/api/v1/users/:id/block',
    {
      schema: {
        summary: 'Unblock a user',
        errors: {
          VALIDATION_ERROR: 'A malformed id, or the caller’s own',
          NOT_FOUND: 'No such user',
        },
        params: IdParams,
        querystring: NoQuery,
        response: { 200: Envelope(BlockState) },
      },
    },
    async (request) => ok(request.id, await blocks.unblock(callerId(request), request.params.id)),
  );

  app.get(
    '/api/v1/users/:id/presence',
    {
      schema: {
        summary: "Get a user's presence and last seen",
        errors: { NOT_FOUND: 'No such user' },
        params: IdParams,
        querystring: NoQuery,
        response: { 200: Envelope(Presence) },
      },
    },
    async (request) => {
      const [seen] = await presence.forViewer(callerId(request), [request.params.id]);
      if (!seen) throw notFound('User not found');
      return ok(request.id, {
        user_id: seen.userId,
        online: seen.online,
        last_seen: seen.lastSeen ? seen.lastSeen.toISOString() : null,
      });
    },
  );

  app.put(
    '/api/v1/users/me/fcm-token',
    {
      schema: {
        summary: 'Register a push (FCM) token for this device',
        querystring: NoQuery,
        body: DeviceTokenBody,
        response: { 200: Envelope(DeviceTokenRegistered) },
      },
    },
    async (request) => ok(request.id, await deviceTokens.register(callerId(request), request.body)),
  );

  app.delete(
    '/api/v1/users/me/fcm-token',
    {
      schema: {
        summary: 'Forget a push (FCM) token',
        querystring: NoQuery,
        body: DeviceTokenDeleteBody,
        response: { 200: Envelope(DeviceTokenDeleted) },
      },
    },
    async (request) =>
      ok(request.id, await deviceTokens.unregister(callerId(request), request.body.token)),
  );
}

import { collectApiRoutes, type ServiceRoutes } from '@wa/pkg/api-docs';
import { registerAuthRoutes } from '../../auth-service/src/handler/http-routes.ts';
import { registerChatRoutes } from '../../chat-service/src/handler/http-routes.ts';
import { registerMediaRoutes } from '../../media-service/src/handler/http-routes.ts';
import { registerMessageRoutes } from '../../message-service/src/handler/http-routes.ts';
import { registerUserRoutes } from '../../user-service/src/handler/http-routes.ts';

/**
 * A dependency that only route registration sees: registration closes over it, and any use
 * (a handler running, or registration calling it) fails loudly.
 */
function neverCalled<T extends object>(name: string): T {
  return new Proxy({} as T, {
    get(_target, property) {
      throw new Error(`${name}.${String(property)} was used while only registering routes`);
    },
  });
}

/** POST/PUT/PATCH routes that take no body: the path says it all. */
export const BODYLESS_ROUTES: ReadonlySet<string> = new Set([
  'POST /api/v1/users/:id/block',
  'POST /api/v1/messages/:messageId/star',
]);

/** Every service with public REST routes, in the reference's order, each under its tag. */
export async function collectServiceRoutes(): Promise<ServiceRoutes[]> {
  return [
    {
      service: 'auth-service',
      tag: 'auth',
      description: 'Log in with a phone number and a one-time code; renew and revoke tokens.',
      routes: await collectApiRoutes('auth-service', (app) =>
        registerAuthRoutes(app, neverCalled('auth')),
      ),
    },
    {
      service: 'user-service',
      tag: 'users',
      description: 'Profiles, privacy, contacts, blocks, presence and push tokens.',
      routes: await collectApiRoutes('user-service', (app) =>
        registerUserRoutes(app, {
          profiles: neverCalled('profiles'),
          contacts: neverCalled('contacts'),
          blocks: neverCalled('blocks'),
          presence: neverCalled('presence'),
          deviceTokens: neverCalled('deviceTokens'),
        }),
      ),
    },
    {
      service: 'chat-service',
      tag: 'chats',
      description: 'Direct and group chats, their members, roles and mute state.',
      routes: await collectApiRoutes('chat-service', (app) =>
        registerChatRoutes(app, neverCalled('chats'), neverCalled('membership')),
      ),
    },
    {
      service: 'message-service',
      tag: 'messages',
      description: 'History, sending, read receipts, deleting, forwarding, stars and search.',
      routes: await collectApiRoutes('message-service', (app) =>
        registerMessageRoutes(app, {
          send: neverCalled('send'),
          history: neverCalled('history'),
          receipts: neverCalled('receipts'),
        }),
      ),
    },
    {
      service: 'media-service',
      tag: 'media',
      description: 'Uploads (multipart) and presigned download URLs.',
      routes: await collectApiRoutes('media-service', (app) =>
        registerMediaRoutes(app, {
          uploads: neverCalled('uploads'),
          reads: neverCalled('reads'),
          limitUploads: neverCalled('limitUploads'),
        }),
      ),
    },
  ];
}

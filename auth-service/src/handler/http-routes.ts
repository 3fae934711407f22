import type { AppInstance } from '@wa/pkg/http';
import { Envelope, NoQuery, ok, requireCaller } from '@wa/pkg/http';
import {
  LoggedOut,
  LoginResult,
  LogoutBody,
  OtpRequested,
  RefreshBody,
  RequestOtpBody,
  TokenPair,
  VerifyOtpBody,
} from '../model/schemas.ts';
import type { AuthService } from '../service/auth-service.ts';

/** PRD §6.1. Handlers only translate HTTP to service calls. */
export function registerAuthRoutes(app: AppInstance, auth: AuthService): void {
  app.post(
    '/api/v1/auth/request-otp',
    {
      schema: {
        summary: 'Send a one-time code to a phone number',
        description:
          'Public. The code lives 5 minutes. The local stack’s mock SMS provider logs it, and there the code is always `123456`.',
        errors: {
          RATE_LIMITED:
            'Too many codes requested for this phone number; wait `Retry-After` seconds',
        },
        querystring: NoQuery,
        body: RequestOtpBody,
        response: { 200: Envelope(OtpRequested) },
      },
    },
    async (request) => ok(request.id, await auth.requestOtp(request.body)),
  );

  app.post(
    '/api/v1/auth/verify-otp',
    {
      schema: {
        summary: 'Log in with the code: access and refresh tokens',
        description:
          'Public. Creates the user on first login (`is_new_user`). A code is single-use and burnt after 5 wrong attempts.',
        errors: {
          UNAUTHORIZED: 'The code is wrong, expired or already used',
          RATE_LIMITED:
            'Too many verification attempts for this phone number; request a new code later',
        },
        querystring: NoQuery,
        body: VerifyOtpBody,
        response: { 200: Envelope(LoginResult) },
      },
    },
    async (request) => ok(request.id, await auth.verifyOtp(request.body)),
  );

  app.post(
    '/api/v1/auth/refresh',
    {
      schema: {
        summary: 'Renew the tokens with a refresh token',
        description:
          'Public. Refresh tokens rotate: the old one stops working, and presenting an already-rotated one revokes its whole family.',
        errors: {
          UNAUTHORIZED:
            'The refresh token is unknown, expired, revoked or already rotated (presenting a rotated one revokes its whole family)',
        },
        querystring: NoQuery,
        body: RefreshBody,
        response: { 200: Envelope(TokenPair) },
      },
    },
    async (request) => ok(request.id, await auth.refresh(request.body.refresh_token)),
  );

  app.post(
    '/api/v1/auth/logout',
    {
      schema: {
        summary: 'Log out: revoke a refresh token and forget a push token',
        querystring: NoQuery,
        body: LogoutBody,
        response: { 200: Envelope(LoggedOut) },
      },
    },
    async (request) => {
      const caller = requireCaller(request);
      return ok(request.id, await auth.logout(caller.userId, request.body ?? {}));
    },
  );
}

import type { AppInstance } from '@wa/pkg/http';
import { Envelope, ok, requireCaller } from '@wa/pkg/http';
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
    { schema: { body: RequestOtpBody, response: { 200: Envelope(OtpRequested) } } },
    async (request) => ok(request.id, await auth.requestOtp(request.body)),
  );

  app.post(
    '/api/v1/auth/verify-otp',
    { schema: { body: VerifyOtpBody, response: { 200: Envelope(LoginResult) } } },
    async (request) => ok(request.id, await auth.verifyOtp(request.body)),
  );

  app.post(
    '/api/v1/auth/refresh',
    { schema: { body: RefreshBody, response: { 200: Envelope(TokenPair) } } },
    async (request) => ok(request.id, await auth.refresh(request.body.refresh_token)),
  );

  app.post(
    '/api/v1/auth/logout',
    { schema: { body: LogoutBody, response: { 200: Envelope(LoggedOut) } } },
    async (request) => {
      const caller = requireCaller(request);
      return ok(request.id, await auth.logout(caller.userId, request.body ?? {}));
    },
  );
}

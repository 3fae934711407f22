import { randomUUID } from 'node:crypto';
import { AppError, rateLimited, unauthorized, validationError } from '@wa/pkg/errors';
import { withTransaction, type PgPool, type Queryable } from '@wa/pkg/db';
import type { Logger } from '@wa/pkg/log';
import type { AuthConfig } from '../config.ts';
import { toE164 } from '@wa/pkg/phone';
import type {
  AccessClaims,
  LoginResult,
  LogoutBody,
  RequestOtpBody,
  TokenPair,
  VerifyOtpBody,
} from '../model/schemas.ts';
import type { OtpRepository } from '../repository/otp-repository.ts';
import type { UserRepository } from '../repository/user-repository.ts';
import type { RefreshTokenRepository } from '../repository/refresh-token-repository.ts';
import type { DeviceTokenRepository } from '../repository/device-token-repository.ts';
import { hashRefreshToken, newRefreshToken, type AccessTokens } from './access-tokens.ts';
import { generateOtp, hashOtp, otpMatches } from './otp-codes.ts';
import type { SmsSender } from './sms-sender.ts';

export interface AuthServiceDeps {
  config: Pick<AuthConfig, 'otp' | 'tokens'>;
  pool: PgPool;
  otps: OtpRepository;
  users: UserRepository;
  refreshTokens: RefreshTokenRepository;
  deviceTokens: DeviceTokenRepository;
  accessTokens: AccessTokens;
  sms: SmsSender;
  log: Logger;
}

const INVALID_REFRESH = 'Refresh token is invalid, expired or revoked';

export function createAuthService(deps: AuthServiceDeps) {
  const { config, pool, otps, users, refreshTokens, accessTokens, sms, log } = deps;

  function normalisePhone(phone: string, countryCode?: string): string {
    const e164 = toE164(phone, countryCode);
    if (!e164)
      throw validationError('Phone number must be a valid number in E.164 format', [
        { field: 'phone', message: 'invalid phone number' },
      ]);
    return e164;
  }

  async function issueTokens(db: Queryable, userId: string, phone: string, familyId: string) {
    const refresh = newRefreshToken();
    const tokenId = await refreshTokens.insert(db, {
      userId,
      familyId,
      tokenHash: hashRefreshToken(refresh),
      expiresAt: new Date(Date.now() + config.tokens.refreshTtlSeconds * 1000),
    });
    const access = await accessTokens.sign(userId, phone);
    const tokens: TokenPair = {
      access_token: access,
      refresh_token: refresh,
      expires_in: accessTokens.ttlSeconds,
    };
    return { tokens, tokenId };
  }

  return {
    async requestOtp(body: RequestOtpBody) {
      const phone = normalisePhone(body.phone, body.country_code);
      const sends = await otps.countSend(phone, config.otp.windowSeconds);
      if (sends.count > config.otp.sendLimit) {
        throw rateLimited(
          sends.resetsIn,
          'Too many OTP requests for this phone number; try again later',
        );
      }
      const code = generateOtp(config.otp.fixedCode);
      await otps.saveCode(
        phone,
        await hashOtp(code, config.otp.bcryptRounds),
        config.otp.ttlSeconds,
      );
      await sms.sendOtp(phone, code);
      return {
        request_id: randomUUID(),
        message: 'OTP sent successfully',
        expires_in_seconds: config.otp.ttlSeconds,
      };
    },

    async verifyOtp(body: VerifyOtpBody): Promise<LoginResult> {
      const phone = normalisePhone(body.phone);
      const attempts = await otps.countAttempt(phone, config.otp.windowSeconds);
      if (attempts.count > config.otp.verifyLimit) {
        throw rateLimited(
          attempts.resetsIn,
          'Too many verification attempts; request a new code later',
        );
      }
      const hash = await otps.findCode(phone);
      const matches = hash !== null && (await otpMatches(body.otp, hash));
      if (!matches) {
        // The last allowed wrong guess burns the code (addenda B).
        if (attempts.count >= config.otp.verifyLimit) await otps.consumeCode(phone);
        throw new AppError('UNAUTHORIZED', 'OTP is invalid or expired');
      }
      if (!(await otps.consumeCode(phone)))
        throw new AppError('UNAUTHORIZED', 'OTP is invalid or expired');
      await otps.resetAttempts(phone);

      const { user, created } = await users.findOrCreateByPhone(phone);
      const { tokens } = await issueTokens(pool, user.id, user.phone, randomUUID());
      log.info({ user_id: user.id, is_new_user: created }, 'user logged in');
      return {
        ...tokens,
        user: {
          id: user.id,
          phone: user.phone,
          display_name: user.display_name,
          is_new_user: created,
        },
      };
    },

    /** Rotates a refresh token; presenting one that was already rotated revokes its whole family. */
    async refresh(refreshToken: string): Promise<TokenPair> {
      const outcome = await withTransaction(pool, async (tx) => {
        const row = await refreshTokens.findByHashForUpdate(tx, hashRefreshToken(refreshToken));
        if (!row) return { kind: 'invalid' as const };
        if (row.revoked) {
          if (row.replaced_by) {
            await refreshTokens.revokeFamily(tx, row.family_id);
            return { kind: 'reused' as const, userId: row.user_id, familyId: row.family_id };
          }
          return { kind: 'invalid' as const };
        }
        if (row.expires_at.getTime() <= Date.now()) return { kind: 'invalid' as const };
        const { tokens, tokenId } = await issueTokens(tx, row.user_id, row.phone, row.family_id);
        await refreshTokens.markRotated(tx, row.id, tokenId);
        return { kind: 'rotated' as const, tokens };
      });
      if (outcome.kind === 'reused') {
        log.warn(
          { user_id: outcome.userId, family_id: outcome.familyId },
          'refresh token reuse: family revoked',
        );
      }
      if (outcome.kind !== 'rotated') throw unauthorized(INVALID_REFRESH);
      return outcome.tokens;
    },

    async logout(userId: string, body: LogoutBody) {
      if (body.refresh_token)
        await refreshTokens.revokeFamilyOfToken(pool, hashRefreshToken(body.refresh_token), userId);
      if (body.fcm_token) await deps.deviceTokens.deleteForUser(userId, body.fcm_token);
      return { message: 'Logged out successfully' };
    },

    validateToken: (token: string): Promise<AccessClaims | undefined> => accessTokens.verify(token),
  };
}

export type AuthService = ReturnType<typeof createAuthService>;

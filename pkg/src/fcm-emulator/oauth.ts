import { verify } from 'node:crypto';
import type { AccountRegistry } from './account-registry.ts';
import type { ServiceAccount } from './service-account.ts';

export const MESSAGING_SCOPES = [
  'https://www.googleapis.com/auth/firebase.messaging',
  'https://www.googleapis.com/auth/cloud-platform',
];

/** Google refuses assertions meant to live longer than an hour. */
const MAX_ASSERTION_LIFETIME_SECONDS = 3600;
/** How far ahead of our clock a client's `iat` may be before we call it a bad clock. */
const ALLOWED_CLOCK_SKEW_SECONDS = 300;

const TIMEFRAME_MESSAGE =
  'Invalid JWT: Token must be a short-lived token (60 minutes) and in a reasonable timeframe. Check your iat and exp values in the JWT claim.';

export type AssertionCheck =
  | { ok: true; account: ServiceAccount }
  | { ok: false; error: 'invalid_grant' | 'invalid_scope'; description: string };

export interface AssertionContext {
  accounts: AccountRegistry;
  /** Token URIs this endpoint answers to; the JWT's `aud` must be one of them. */
  audiences: (account: ServiceAccount) => string[];
  nowSeconds: number;
}

/** Checks an RS256 JWT bearer assertion (RFC 7523) the way Google's token endpoint does. */
export function checkAssertion(assertion: string, context: AssertionContext): AssertionCheck {
  const parts = assertion.split('.');
  if (parts.length !== 3) return refuse('Invalid JWT: malformed token.');
  const [encodedHeader, encodedClaims, encodedSignature] = parts as [string, string, string];
  const header = decodeJson(encodedHeader);
  const claims = decodeJson(encodedClaims);
  if (!header || !claims) return refuse('Invalid JWT: malformed token.');
  if (header.alg !== 'RS256') return refuse('Invalid JWT: only RS256 is accepted.');
  if (header.typ !== undefined && header.typ !== 'JWT') return refuse('Invalid JWT: bad typ.');
  if (typeof claims.iss !== 'string') return refuse('Invalid JWT: missing iss.');

  const keys = context.accounts
    .keysFor(claims.iss)
    .filter((key) => header.kid === undefined || key.account.private_key_id === header.kid);
  if (keys.length === 0) return refuse('Invalid grant: account not found');
  const signed = Buffer.from(`${encodedHeader}.${encodedClaims}`);
  const signature = Buffer.from(encodedSignature, 'base64url');
  const signer = keys.find((key) => verify('sha256', signed, key.publicKey, signature));
  if (!signer) return refuse('Invalid JWT Signature.');

  if (!context.audiences(signer.account).includes(String(claims.aud)))
    return refuse('Invalid JWT: Failed audience check.');
  const timeframeProblem = checkTimeframe(claims.iat, claims.exp, context.nowSeconds);
  if (timeframeProblem) return refuse(timeframeProblem);
  const scopes = typeof claims.scope === 'string' ? claims.scope.split(' ') : [];
  if (!scopes.some((scope) => MESSAGING_SCOPES.includes(scope)))
    return {
      ok: false,
      error: 'invalid_scope',
      description: 'The assertion does not grant the firebase.messaging scope.',
    };
  return { ok: true, account: signer.account };
}

function checkTimeframe(iat: unknown, exp: unknown, nowSeconds: number): string | undefined {
  if (typeof iat !== 'number' || typeof exp !== 'number') return TIMEFRAME_MESSAGE;
  if (exp <= iat || exp - iat > MAX_ASSERTION_LIFETIME_SECONDS) return TIMEFRAME_MESSAGE;
  if (iat > nowSeconds + ALLOWED_CLOCK_SKEW_SECONDS) return TIMEFRAME_MESSAGE;
  if (exp <= nowSeconds) return 'Invalid JWT: Token has expired.';
  return undefined;
}

function decodeJson(segment: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(Buffer.from(segment, 'base64url').toString('utf8'));
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

function refuse(description: string): AssertionCheck {
  return { ok: false, error: 'invalid_grant', description };
}

import { createSign, randomUUID } from 'node:crypto';
import { createPoster, type PostAnswer } from './http-post.ts';
import type { ServiceAccountCredentials } from './service-account.ts';

/** FCM HTTP v1 `Message` as this service sends it: data-only (PRD §3.6, addenda J). */
export interface FcmMessage {
  token: string;
  data: Record<string, string>;
  android: { priority: 'high'; ttl: string };
}

/** What FCM made of one send, in the terms the sender acts on. */
export type SendOutcome =
  | { kind: 'sent'; name: string }
  /** The token is dead (404 UNREGISTERED, or 400 INVALID_ARGUMENT about the token): delete it. */
  | { kind: 'stale-token'; status: number; code: string }
  /** 429 or 5xx: try again, after `retryAfterMs` when FCM said when. */
  | { kind: 'retry'; status: number; code: string; retryAfterMs: number | undefined }
  /** Any other refusal: retrying the same request cannot help. */
  | { kind: 'rejected'; status: number; code: string; message: string };

const SCOPE = 'https://www.googleapis.com/auth/firebase.messaging';
/** Google issues tokens for an hour; one is renewed this long before it expires. */
const TOKEN_RENEW_EARLY_MS = 60_000;
const REQUEST_TIMEOUT_MS = 10_000;

export interface FcmClientSettings {
  credentials: ServiceAccountCredentials;
  /** FCM's origin (`https://fcm.googleapis.com`, or the local emulator). */
  baseUrl: string;
  now?: () => number;
}

const base64url = (value: string | Buffer) => Buffer.from(value).toString('base64url');

/**
 * A client of FCM HTTP v1 as Google documents it: an OAuth2 access token from a JWT assertion
 * signed with the service account's key (RS256) and posted to its `token_uri`, cached until
 * shortly before it expires; then `POST /v1/projects/{project}/messages:send`. Written against
 * the protocol because neither firebase-admin nor google-auth-library can be pointed at a local
 * FCM. A network failure rejects (the caller retries the event later); every answer resolves.
 */
export function createFcmClient(settings: FcmClientSettings) {
  const { credentials } = settings;
  const now = settings.now ?? Date.now;
  const sendPath = `/v1/projects/${encodeURIComponent(credentials.projectId)}/messages:send`;
  const poster = createPoster(settings.baseUrl);
  let cached: { token: string; renewAt: number } | undefined;
  let pending: Promise<string> | undefined;

  function assertion(): string {
    const issuedAt = Math.floor(now() / 1000);
    const header = { alg: 'RS256', typ: 'JWT', kid: credentials.privateKeyId };
    const claims = {
      iss: credentials.clientEmail,
      scope: SCOPE,
      aud: credentials.tokenUri,
      iat: issuedAt,
      exp: issuedAt + 3600,
    };
    const unsigned = `${base64url(JSON.stringify(header))}.${base64url(JSON.stringify(claims))}`;
    const signature = createSign('RSA-SHA256').update(unsigned).sign(credentials.privateKey);
    return `${unsigned}.${base64url(signature)}`;
  }

  async function fetchToken(): Promise<string> {
    const response = await fetch(credentials.tokenUri, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer',
        assertion: assertion(),
      }),
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });
    const body = (await response.json().catch(() => ({}))) as {
      access_token?: string;
      expires_in?: number;
      error?: string;
      error_description?: string;
    };
    if (!response.ok || typeof body.access_token !== 'string')
      throw new Error(
        `OAuth2 token refused (${response.status} ${body.error ?? ''}: ${body.error_description ?? ''})`,
      );
    const lifetimeMs = (body.expires_in ?? 3600) * 1000;
    cached = {
      token: body.access_token,
      renewAt: now() + Math.max(lifetimeMs - TOKEN_RENEW_EARLY_MS, lifetimeMs / 2),
    };
    return body.access_token;
  }

  /** One token request at a time, shared by every push waiting for it. */
  function accessToken(): Promise<string> {
    if (cached && now() < cached.renewAt) return Promise.resolve(cached.token);
    pending ??= fetchToken().finally(() => (pending = undefined));
    return pending;
  }

  function post(message: FcmMessage, token: string): Promise<PostAnswer> {
    return poster.post(
      sendPath,
      { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      JSON.stringify({ message }),
      REQUEST_TIMEOUT_MS,
    );
  }

  return {
    async send(message: FcmMessage): Promise<SendOutcome> {
      let token = await accessToken();
      let response = await post(message, token);
      if (response.status === 401) {
        // Revoked or expired early: one fresh token, once.
        cached = undefined;
        token = await accessToken();
        response = await post(message, token);
      }
      return outcomeOf(response);
    },

    /** Closes the kept-alive connections. */
    close(): void {
      poster.close();
    },
  };
}

export type FcmClient = ReturnType<typeof createFcmClient>;

interface FcmErrorBody {
  error?: {
    code?: number;
    message?: string;
    status?: string;
    details?: Array<{
      '@type'?: string;
      errorCode?: string;
      fieldViolations?: Array<{ field?: string }>;
    }>;
  };
}

function parsed(text: string): FcmErrorBody & { name?: string } {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null ? value : {};
  } catch {
    return {};
  }
}

function outcomeOf(response: PostAnswer): SendOutcome {
  const body = parsed(response.body);
  if (response.status >= 200 && response.status < 300)
    return { kind: 'sent', name: body.name ?? randomUUID() };
  const error = body.error ?? {};
  const details = error.details ?? [];
  const fcmCode =
    details.find((detail) => detail['@type']?.endsWith('FcmError'))?.errorCode ??
    error.status ??
    String(response.status);
  const status = response.status;
  if (fcmCode === 'UNREGISTERED') return { kind: 'stale-token', status, code: fcmCode };
  if (status === 400 && aboutTheToken(error)) return { kind: 'stale-token', status, code: fcmCode };
  if (status === 429 || status >= 500)
    return { kind: 'retry', status, code: fcmCode, retryAfterMs: retryAfterOf(response) };
  return { kind: 'rejected', status, code: fcmCode, message: error.message ?? '' };
}

/**
 * FCM's message for a malformed or foreign registration token. In practice it comes without a
 * field violation (firebase-admin-java#1064), so the message is all there is to tell it from a
 * 400 about the message itself.
 */
const INVALID_TOKEN_MESSAGE = /registration token is not a valid FCM registration token/i;

/** A 400 about the token: a field violation naming `message.token`, or FCM's invalid-token text. */
function aboutTheToken(error: NonNullable<FcmErrorBody['error']>): boolean {
  const violations = (error.details ?? []).flatMap((detail) => detail.fieldViolations ?? []);
  return (
    violations.some((violation) => violation.field === 'message.token') ||
    INVALID_TOKEN_MESSAGE.test(error.message ?? '')
  );
}

/** `Retry-After` in seconds or as an HTTP date. */
function retryAfterOf(response: PostAnswer): number | undefined {
  const value = response.headers['retry-after'];
  if (!value) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - Date.now());
}

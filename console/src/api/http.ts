import type { Envelope, Tokens } from './types.ts';

/** An error envelope (or a network failure, code `NETWORK`) as the UI shows it. */
export class ApiError extends Error {
  readonly status: number;
  readonly code: string;

  constructor(status: number, code: string, message: string) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

export interface TokenStore {
  accessToken: () => string | undefined;
  refreshToken: () => string | undefined;
  /** Keeps a rotated pair (addenda B: the old refresh token stops working). */
  saveTokens: (tokens: Tokens) => void;
  /** The refresh token was refused: the user must log in again. */
  expired: () => void;
}

export interface RequestOptions {
  method?: string;
  body?: unknown;
  /** Sent as is (multipart uploads); `body` is JSON otherwise. */
  form?: FormData;
  auth?: boolean;
}

async function readEnvelope<T>(response: Response): Promise<T> {
  let envelope: Envelope<T> | undefined;
  try {
    envelope = (await response.json()) as Envelope<T>;
  } catch {
    throw new ApiError(response.status, 'BAD_RESPONSE', `HTTP ${response.status}`);
  }
  if (!response.ok || !envelope.success) {
    const error = envelope.error ?? { code: 'UNKNOWN', message: `HTTP ${response.status}` };
    throw new ApiError(response.status, error.code, error.message);
  }
  return envelope.data as T;
}

/**
 * The one place that speaks HTTP: envelopes in and out, the bearer token on every protected call,
 * and one refresh (shared by concurrent calls) when the access token has expired.
 */
export function createHttp(tokens: TokenStore, baseUrl = '') {
  let refreshing: Promise<boolean> | undefined;

  async function send(path: string, options: RequestOptions): Promise<Response> {
    const headers: Record<string, string> = {};
    if (options.body !== undefined) headers['content-type'] = 'application/json';
    const access = tokens.accessToken();
    if (options.auth !== false && access) headers.authorization = `Bearer ${access}`;
    try {
      return await fetch(`${baseUrl}${path}`, {
        method: options.method ?? 'GET',
        headers,
        body:
          options.form ?? (options.body === undefined ? undefined : JSON.stringify(options.body)),
      });
    } catch {
      throw new ApiError(0, 'NETWORK', 'No connection to the server');
    }
  }

  async function refresh(): Promise<boolean> {
    const refreshToken = tokens.refreshToken();
    if (!refreshToken) return false;
    refreshing ??= (async () => {
      try {
        const response = await send('/api/v1/auth/refresh', {
          method: 'POST',
          body: { refresh_token: refreshToken },
          auth: false,
        });
        if (response.status === 401) {
          tokens.expired();
          return false;
        }
        tokens.saveTokens(await readEnvelope<Tokens>(response));
        return true;
      } catch (error) {
        if (error instanceof ApiError && error.status === 401) tokens.expired();
        return false;
      } finally {
        refreshing = undefined;
      }
    })();
    return refreshing;
  }

  async function request<T>(path: string, options: RequestOptions = {}): Promise<T> {
    let response = await send(path, options);
    if (response.status === 401 && options.auth !== false && (await refresh())) {
      response = await send(path, options);
    }
    return readEnvelope<T>(response);
  }

  return { request, refresh };
}

export type Http = ReturnType<typeof createHttp>;

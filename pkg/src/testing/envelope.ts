import type { AppInstance } from '../http/index.ts';

/** The one response envelope every HTTP route answers with (`pkg/src/http`). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- each route's data differs
export interface Envelope<T = any> {
  success: boolean;
  data: T;
  error: { code: string; message: string; details?: { field?: string; message: string }[] } | null;
  meta: { request_id: string; timestamp: string };
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- each route's data differs
export interface Reply<T = any> {
  status: number;
  headers: Record<string, string | string[] | number | undefined>;
  body: Envelope<T>;
}

/** Who calls: the identity headers the gateway forwards after checking the token. */
export interface Caller {
  id: string;
  phone?: string;
}

export interface InjectRequest {
  /** Left out: an anonymous call (no identity headers). */
  as?: Caller;
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE' | 'OPTIONS' | 'HEAD';
  url: string;
  /** JSON-encoded unless it is a string, which is sent as it is (malformed-body tests). */
  body?: unknown;
  headers?: Record<string, string>;
}

/** Calls `app` in-process as the gateway would: identity headers set, JSON in and out. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- each route's data differs
export async function inject<T = any>(app: AppInstance, request: InjectRequest): Promise<Reply<T>> {
  const headers: Record<string, string> = {};
  if (request.as) {
    headers['x-user-id'] = request.as.id;
    if (request.as.phone) headers['x-user-phone'] = request.as.phone;
  }
  if (request.body !== undefined) headers['content-type'] = 'application/json';
  const response = await app.inject({
    method: request.method,
    url: request.url,
    headers: { ...headers, ...request.headers },
    ...(request.body === undefined
      ? {}
      : {
          payload: typeof request.body === 'string' ? request.body : JSON.stringify(request.body),
        }),
  });
  return {
    status: response.statusCode,
    headers: response.headers,
    body: response.json<Envelope<T>>(),
  };
}

/** Asserts an error envelope with `status` and `code`; returns it. */
export function expectError(
  res: { status: number; body: Envelope },
  status: number,
  code: string,
): Envelope<null> {
  if (res.status !== status || res.body.success || res.body.error?.code !== code)
    throw new Error(`expected ${status} ${code}, got ${res.status}: ${JSON.stringify(res.body)}`);
  if (res.body.data !== null || !res.body.error.message || !res.body.meta.request_id)
    throw new Error(`not an error envelope: ${JSON.stringify(res.body)}`);
  return res.body as Envelope<null>;
}

/** Asserts a success envelope with `status` (200 by default); returns its data. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- each route's data differs
export function expectOk<T = any>(res: { status: number; body: Envelope<T> }, status = 200): T {
  if (res.status !== status || !res.body.success || res.body.error !== null)
    throw new Error(`expected ${status} success, got ${res.status}: ${JSON.stringify(res.body)}`);
  return res.body.data;
}

export interface GatewayRequest extends Omit<InjectRequest, 'as'> {
  /** An access token, sent as `Authorization: Bearer …`; left out: an anonymous call. */
  token?: string;
}

/** Calls a running gateway (or service) at `origin` over HTTP: JSON in and out. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- each route's data differs
export async function request<T = any>(origin: string, req: GatewayRequest): Promise<Reply<T>> {
  const response = await fetch(`${origin}${req.url}`, {
    method: req.method,
    headers: {
      ...(req.body === undefined ? {} : { 'content-type': 'application/json' }),
      ...(req.token ? { authorization: `Bearer ${req.token}` } : {}),
      ...req.headers,
    },
    ...(req.body === undefined
      ? {}
      : { body: typeof req.body === 'string' ? req.body : JSON.stringify(req.body) }),
    signal: AbortSignal.timeout(10_000),
  });
  return {
    status: response.status,
    headers: Object.fromEntries(response.headers),
    body: (await response.json()) as Envelope<T>,
  };
}

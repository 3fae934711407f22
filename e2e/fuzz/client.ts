import { Agent, request } from 'node:http';
import type { HttpAnswer } from './oracle.ts';

const agent = new Agent({ keepAlive: true, maxSockets: 8 });

export interface RawRequest {
  method: string;
  /** Sent byte for byte (node:http does not normalise `..` or re-encode `%`, as fetch would). */
  path: string;
  token?: string;
  body?: string;
  contentType?: string;
}

/** Longer than any answer may take: the fuzz pass reports it as a hang. */
export const ANSWER_TIMEOUT_MS = 10_000;

/** One raw HTTP request; rejects on a hang or a broken connection (both are failures). */
export function send(origin: string, req: RawRequest): Promise<HttpAnswer> {
  const url = new URL(origin);
  const headers: Record<string, string> = {};
  if (req.token) headers.authorization = `Bearer ${req.token}`;
  if (req.contentType !== undefined) headers['content-type'] = req.contentType;
  const body = req.body === undefined ? undefined : Buffer.from(req.body);
  if (body) headers['content-length'] = String(body.length);
  return new Promise((resolve, reject) => {
    const outgoing = request(
      { host: url.hostname, port: url.port, method: req.method, path: req.path, headers, agent },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () =>
          resolve({
            status: response.statusCode ?? 0,
            contentType: response.headers['content-type'] ?? null,
            text: Buffer.concat(chunks).toString('utf8'),
          }),
        );
        response.on('error', reject);
      },
    );
    outgoing.setTimeout(ANSWER_TIMEOUT_MS, () =>
      outgoing.destroy(new Error(`no answer within ${ANSWER_TIMEOUT_MS} ms (hang)`)),
    );
    outgoing.on('error', reject);
    outgoing.end(body);
  });
}

/** A JSON GET that must succeed: fixtures and snapshots. */
export async function getJson(origin: string, path: string, token: string): Promise<unknown> {
  const answer = await send(origin, { method: 'GET', path, token });
  if (answer.status !== 200)
    throw new Error(`GET ${path} answered ${answer.status}: ${answer.text}`);
  return (JSON.parse(answer.text) as { data: unknown }).data;
}

/** A JSON call that must succeed: fixtures. */
export async function callJson(
  origin: string,
  method: string,
  path: string,
  token: string,
  body: unknown,
): Promise<unknown> {
  const answer = await send(origin, {
    method,
    path,
    token,
    body: JSON.stringify(body),
    contentType: 'application/json',
  });
  if (answer.status >= 300)
    throw new Error(`${method} ${path} answered ${answer.status}: ${answer.text}`);
  return (JSON.parse(answer.text) as { data: unknown }).data;
}

export const closeAgent = () => agent.destroy();

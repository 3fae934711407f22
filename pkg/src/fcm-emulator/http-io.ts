import type { IncomingMessage, ServerResponse } from 'node:http';

/** What an endpoint decided to answer; the server writes it. */
export interface HttpAnswer {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

export type BodyRead = { tooLarge: false; text: string } | { tooLarge: true };

/** Anything past this many bytes is read and dropped instead of cut off, see readBody. */
const DISCARD_LIMIT_FACTOR = 16;

/**
 * Reads the request body up to `limit` bytes. A larger body is still read to its end and dropped,
 * so the client gets its 413 instead of a reset connection; far beyond that the socket is closed.
 */
export function readBody(request: IncomingMessage, limit: number): Promise<BodyRead> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let received = 0;
    request.on('data', (chunk: Buffer) => {
      received += chunk.length;
      if (received <= limit) chunks.push(chunk);
      else if (received > limit * DISCARD_LIMIT_FACTOR) request.destroy();
    });
    request.on('end', () =>
      resolve(
        received > limit
          ? { tooLarge: true }
          : { tooLarge: false, text: Buffer.concat(chunks).toString('utf8') },
      ),
    );
    request.on('error', reject);
    request.on('close', () => {
      if (!request.complete) reject(new Error('request aborted'));
    });
  });
}

export function writeAnswer(response: ServerResponse, answer: HttpAnswer): void {
  if (response.headersSent || response.destroyed) return;
  const headers = { ...answer.headers };
  if (answer.body === undefined) {
    response.writeHead(answer.status, headers).end();
    return;
  }
  const text = JSON.stringify(answer.body);
  response
    .writeHead(answer.status, {
      ...headers,
      'content-type': 'application/json; charset=UTF-8',
      'content-length': String(Buffer.byteLength(text)),
    })
    .end(text);
}

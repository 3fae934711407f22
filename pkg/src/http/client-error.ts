import { randomUUID } from 'node:crypto';
import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import { codeForHttpStatus } from '../errors/index.ts';
import { failure } from './envelope.ts';

/** What Node's HTTP parser refused, answered in the envelope rather than Fastify's own JSON. */
function refusal(error: NodeJS.ErrnoException): { status: number; message: string } {
  if (error.code === 'HPE_HEADER_OVERFLOW')
    return { status: 431, message: 'Request line or headers are too large' };
  if (error.code === 'ERR_HTTP_REQUEST_TIMEOUT')
    return { status: 408, message: 'Request was not received in time' };
  return { status: 400, message: 'Malformed HTTP request' };
}

/**
 * Fastify's `clientErrorHandler`: a request the HTTP parser could not read (an overlong URL or
 * header, a broken request line) never reaches a route, so it gets its envelope here.
 */
export function answerClientError(error: NodeJS.ErrnoException, socket: Socket): void {
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  const { status, message } = refusal(error);
  const body = JSON.stringify(failure(randomUUID(), codeForHttpStatus(status), message));
  if (socket.writable)
    socket.write(
      `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nConnection: close\r\n` +
        `Content-Type: application/json; charset=utf-8\r\n` +
        `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
    );
  socket.destroy(error);
}

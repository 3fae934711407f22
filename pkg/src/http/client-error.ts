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
 * How long the rest of a refused request is read and dropped: closing a socket with unread data
 * makes the kernel answer with a reset, and a client still sending its body (a long URL with an
 * upload) would see that instead of the answer.
 */
const DRAIN_MS = 2_000;

/** Sockets already answered: the parser reports again on the data read after its error. */
const answered = new WeakSet<Socket>();

/**
 * Fastify's `clientErrorHandler`: a request the HTTP parser could not read (an overlong URL or
 * header, a broken request line) never reaches a route, so it gets its envelope here, and the
 * connection is closed after it once the client has stopped sending (or after `DRAIN_MS`).
 */
export function answerClientError(error: NodeJS.ErrnoException, socket: Socket): void {
  if (error.code === 'ECONNRESET' || socket.destroyed || answered.has(socket)) return;
  answered.add(socket);
  if (!socket.writable) {
    socket.destroy(error);
    return;
  }
  const { status, message } = refusal(error);
  const body = JSON.stringify(failure(randomUUID(), codeForHttpStatus(status), message));
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nConnection: close\r\n` +
      `Content-Type: application/json; charset=utf-8\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  );
  socket.on('data', () => {});
  socket.resume();
  const cutOff = setTimeout(() => socket.destroy(), DRAIN_MS).unref();
  socket.once('close', () => clearTimeout(cutOff));
  socket.once('end', () => socket.destroy());
}

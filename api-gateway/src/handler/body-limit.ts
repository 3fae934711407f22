import { Transform, type TransformCallback } from 'node:stream';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AppError } from '@wa/pkg/errors';

/** Requests whose body was cut at the limit while streaming: their upstream error becomes a 413. */
const overLimit = new WeakSet<object>();

export const payloadTooLarge = (limitBytes: number) =>
  new AppError('PAYLOAD_TOO_LARGE', `Request body is larger than ${limitBytes} bytes`);

/** True when this request's upstream call failed because the gateway cut its body at the limit. */
export const wasCutAtLimit = (request: object): boolean => overLimit.has(request);

/**
 * The rest of a body the gateway refused is read and dropped, so the client reads the 413 instead
 * of a reset connection. Node's request timeout bounds how long a client can keep sending.
 */
function drain(request: FastifyRequest): void {
  request.raw.unpipe();
  request.raw.resume();
}

/** Counts a body of unknown length (chunked) as it streams and stops it at the limit. */
function countingStream(request: FastifyRequest, limitBytes: number): Transform {
  let seen = 0;
  const counter = new Transform({
    transform(chunk: Buffer, _encoding, done: TransformCallback) {
      seen += chunk.length;
      if (seen <= limitBytes) return done(null, chunk);
      overLimit.add(request);
      drain(request);
      done(payloadTooLarge(limitBytes));
    },
  });
  request.raw.on('error', (error) => counter.destroy(error));
  return request.raw.pipe(counter);
}

/**
 * A preHandler that holds a proxied request to its limit (`limitOf` it): a declared Content-Length
 * over it is refused before the upstream is called; a chunked body is counted while it streams.
 * Either way the answer is the gateway's own 413 and no upstream sees a failure it could be blamed for.
 */
export function enforceBodyLimit(limitOf: (request: FastifyRequest) => number) {
  return (request: FastifyRequest, _reply: FastifyReply, done: (error?: Error) => void): void => {
    const limitBytes = limitOf(request);
    const declared = request.headers['content-length'];
    if (declared !== undefined) {
      if (Number(declared) <= limitBytes) return done();
      drain(request);
      return done(payloadTooLarge(limitBytes));
    }
    if (request.headers['transfer-encoding'] && request.body === request.raw) {
      request.body = countingStream(request, limitBytes);
    }
    done();
  };
}

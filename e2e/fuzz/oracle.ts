/*
 * The one oracle of the fuzz pass: what any answer to any input must look like. A 2xx success
 * envelope when the input happened to be valid, otherwise a 4xx error envelope (or an error frame
 * with a 4xxx code); never a 5xx, a body that is not the envelope, or anything that reveals the
 * server's internals.
 */

/** Stack frames, file paths, runtime error names and library error codes: none may reach a client. */
const LEAKS: readonly RegExp[] = [
  /\n\s+at /,
  /\bat [\w$.<>]+ \(/,
  /(?:\/work\/|\/home\/|\/usr\/|node_modules|node:internal|file:\/\/)/,
  /\.(?:ts|js|mjs):\d+/,
  /\b(?:TypeError|RangeError|SyntaxError|ReferenceError|MongoServerError|BSONError|DatabaseError)\b/,
  /\b(?:ECONNREFUSED|ECONNRESET|EPIPE|FST_ERR_\w+|ERR_\w+|HPE_\w+)\b/,
  /\b(?:invalid byte sequence|violates|relation "|column "|duplicate key|E11000)\b/,
];

export function leakIn(text: string): string | undefined {
  return LEAKS.find((pattern) => pattern.test(text))?.source;
}

export interface HttpAnswer {
  status: number;
  contentType: string | null;
  text: string;
}

export interface Expectation {
  /** Statuses besides 2xx and 4xx that this route may answer. */
  alsoAllowed?: readonly number[];
}

/** Problems with one HTTP answer; an empty list when it passes. */
export function httpProblems(answer: HttpAnswer, expect: Expectation = {}): string[] {
  const problems: string[] = [];
  const { status } = answer;
  const allowed =
    (status >= 200 && status < 300) ||
    (status >= 400 && status < 500) ||
    (expect.alsoAllowed ?? []).includes(status);
  if (!allowed) problems.push(`status ${status}`);
  const leak = leakIn(answer.text);
  if (leak) problems.push(`leak /${leak}/`);
  if (!answer.contentType?.startsWith('application/json'))
    problems.push(`content-type ${answer.contentType}`);
  let body: unknown;
  try {
    body = JSON.parse(answer.text);
  } catch {
    problems.push('body is not JSON');
    return problems;
  }
  problems.push(...envelopeProblems(body, status < 300));
  return problems;
}

function envelopeProblems(body: unknown, success: boolean): string[] {
  if (typeof body !== 'object' || body === null) return ['body is not an object'];
  const envelope = body as Record<string, unknown>;
  const meta = envelope.meta as Record<string, unknown> | undefined;
  const problems: string[] = [];
  if (typeof meta?.request_id !== 'string' || typeof meta.timestamp !== 'string')
    problems.push('no meta.request_id/timestamp');
  if (envelope.success !== success) problems.push(`success is ${String(envelope.success)}`);
  if (success) {
    if (envelope.error !== null) problems.push('error is not null on success');
    return problems;
  }
  const error = envelope.error as Record<string, unknown> | null | undefined;
  if (envelope.data !== null) problems.push('data is not null on error');
  if (typeof error?.code !== 'string' || !/^[A-Z_]+$/.test(error.code))
    problems.push('no error.code');
  if (typeof error?.message !== 'string' || error.message === '') problems.push('no error.message');
  return problems;
}

/** Problems with one answer frame (`error` or a success answer) to a fuzzed frame. */
export function frameProblems(frame: { event?: unknown; data?: unknown }, text: string): string[] {
  const problems: string[] = [];
  const leak = leakIn(text);
  if (leak) problems.push(`leak /${leak}/`);
  if (frame.event !== 'error') return problems;
  const data = frame.data as { code?: unknown; message?: unknown } | undefined;
  if (typeof data?.code !== 'number' || data.code < 4000 || data.code > 4999)
    problems.push(`error code ${String(data?.code)}`);
  if (typeof data?.message !== 'string' || data.message === '') problems.push('no error message');
  return problems;
}

import http, { type IncomingHttpHeaders } from 'node:http';
import https from 'node:https';

export interface PostAnswer {
  status: number;
  headers: IncomingHttpHeaders;
  /** The body as text ('' when there was none). */
  body: string;
}

/**
 * POSTs to one origin over kept-alive connections with node:http(s): a push is one small request,
 * and `fetch` (undici) cost about as much CPU per request as the rest of the push together.
 * Rejects on a network failure or after `timeoutMs`; any HTTP answer resolves.
 */
export function createPoster(origin: string, maxSockets = 64) {
  const base = new URL(origin);
  const secure = base.protocol === 'https:';
  const agent = secure
    ? new https.Agent({ keepAlive: true, maxSockets })
    : new http.Agent({ keepAlive: true, maxSockets });
  // Looked up on the module at each call: with tracing on, the HTTP instrumentation patches the
  // module's `request`, which a named import would have bound before.
  const client = secure ? https : http;

  function attempt(
    path: string,
    headers: Record<string, string>,
    body: string,
    timeoutMs: number,
  ): Promise<PostAnswer | 'stale socket'> {
    return new Promise((resolve, reject) => {
      const request = client.request(
        new URL(path, base),
        {
          method: 'POST',
          agent,
          headers: { ...headers, 'content-length': Buffer.byteLength(body) },
          timeout: timeoutMs,
        },
        (response) => {
          const chunks: Buffer[] = [];
          response.on('data', (chunk: Buffer) => chunks.push(chunk));
          response.on('end', () =>
            resolve({
              status: response.statusCode ?? 0,
              headers: response.headers,
              body: Buffer.concat(chunks).toString('utf8'),
            }),
          );
          response.on('error', reject);
        },
      );
      request.on('timeout', () => request.destroy(new Error(`no answer in ${timeoutMs} ms`)));
      request.on('error', (error: NodeJS.ErrnoException) => {
        // A kept-alive socket the server had closed (a restart, its idle timeout) fails before
        // any answer: the request never reached it (Node's documented reusedSocket check).
        if (request.reusedSocket && error.code === 'ECONNRESET') resolve('stale socket');
        else reject(error);
      });
      request.end(body);
    });
  }

  return {
    async post(
      path: string,
      headers: Record<string, string>,
      body: string,
      timeoutMs: number,
    ): Promise<PostAnswer> {
      // Each stale socket is dropped from the pool; past them, a fresh one answers or rejects.
      for (let tries = 0; tries <= maxSockets; tries++) {
        const answer = await attempt(path, headers, body, timeoutMs);
        if (answer !== 'stale socket') return answer;
      }
      throw new Error('every kept-alive socket was closed by the server');
    },
    close(): void {
      agent.destroy();
    },
  };
}

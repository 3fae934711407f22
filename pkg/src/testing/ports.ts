import { randomInt } from 'node:crypto';
import { createServer } from 'node:net';

/*
 * Ports come from below the kernel's ephemeral range (32768–60999 on Linux): a port picked with
 * listen(0) is free only until some outgoing connection (to PostgreSQL, Redis, …) is given the
 * same number, which happens between picking it and the service binding it when tests run side by
 * side. Ports handed out by this process are never handed out again.
 */
const LOW = 20_000;
const HIGH = 32_000;
const handedOut = new Set<number>();

function canListen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/** A port nothing listens on right now, outside the ephemeral range. */
export async function freePort(): Promise<number> {
  for (let attempt = 0; attempt < 200; attempt++) {
    const port = randomInt(LOW, HIGH);
    if (handedOut.has(port)) continue;
    handedOut.add(port);
    if (await canListen(port)) return port;
  }
  throw new Error(`no free port found in ${LOW}-${HIGH}`);
}

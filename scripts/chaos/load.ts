import { setTimeout as sleep } from 'node:timers/promises';
import sharp from 'sharp';
import { loginAll } from './setup.ts';
import { ChaosClient, type Send } from './client.ts';

/*
 * The steady load: users signed in through the gateways, direct chats and groups among them, and
 * a fixed rate of sends from random members of random chats (a share over REST, the rest over the
 * socket). Every acknowledgement's latency is kept with the moment it arrived, so the latency of
 * any stretch of the run can be read afterwards.
 */

export interface LoadOptions {
  gateways: string[];
  users: number;
  /** Sends per second, all users together. */
  rate: number;
  /** Direct chats (random pairs) and groups (of `groupSize` members). */
  directChats: number;
  groups: number;
  groupSize: number;
  /** Share of sends made over REST instead of the socket. */
  restShare: number;
  /** Share of sends that are image messages (uploaded first); needs the media-service. */
  mediaShare?: number;
  log: (line: string) => void;
}

export interface AckSample {
  /** When the acknowledgement arrived (performance.now()). */
  at: number;
  latencyMs: number;
}

export interface Load {
  clients: ChaosClient[];
  byUser: Map<string, ChaosClient>;
  gateways: string[];
  samples: AckSample[];
  fatalCloses: { userId: string; code: number; reason: string }[];
  /** Starts sending at `rate`; `stopSending()` ends it. */
  startSending(): void;
  stopSending(): Promise<void>;
  /** Every send made so far. */
  sends(): Send[];
  stop(): void;
}

export async function startLoad(options: LoadOptions): Promise<Load> {
  const samples: AckSample[] = [];
  const fatalCloses: Load['fatalCloses'] = [];
  const sessions = await loginAll(options.gateways[0], options.users);
  const clients = sessions.map(
    (session) =>
      new ChaosClient(session, options.gateways, {
        onAck: (send) =>
          samples.push({ at: send.ackedAt!, latencyMs: send.ackedAt! - send.firstAt }),
        onFatalClose: (userId, code, reason) => fatalCloses.push({ userId, code, reason }),
      }),
  );
  await createChats(clients, options);
  options.log(
    `${clients.length} users, ${options.directChats} direct chats, ${options.groups} groups of ${options.groupSize}`,
  );
  for (let i = 0; i < clients.length; i += 20)
    await Promise.all(clients.slice(i, i + 20).map((client) => client.start()));
  options.log(`${clients.length} sockets open`);

  const senders = clients.filter((client) => client.chats.size > 0);
  const images = options.mediaShare ? await smallImages(16) : [];
  let sending: Promise<void> | undefined;
  let running = false;

  async function sendLoop(): Promise<void> {
    const interval = 1_000 / options.rate;
    let next = performance.now();
    while (running) {
      const client = senders[Math.floor(Math.random() * senders.length)];
      const chats = [...client.chats.keys()];
      client.send(
        chats[Math.floor(Math.random() * chats.length)],
        Math.random() < options.restShare ? 'rest' : 'ws',
        images.length && Math.random() < options.mediaShare!
          ? images[Math.floor(Math.random() * images.length)]
          : undefined,
      );
      next += interval;
      const wait = next - performance.now();
      if (wait > 0) await sleep(wait);
    }
  }

  return {
    clients,
    byUser: new Map(clients.map((client) => [client.session.id, client])),
    gateways: options.gateways,
    samples,
    fatalCloses,
    startSending() {
      running = true;
      sending = sendLoop();
    },
    async stopSending() {
      running = false;
      await sending;
    },
    sends: () => clients.flatMap((client) => [...client.sends.values()]),
    stop() {
      for (const client of clients) client.stop();
    },
  };
}

/** Direct chats between random pairs and groups of random members, created through the gateway. */
async function createChats(clients: ChaosClient[], options: LoadOptions): Promise<void> {
  const gateway = options.gateways[0];
  const pick = (count: number) => {
    const chosen = new Set<ChaosClient>();
    while (chosen.size < count) chosen.add(clients[Math.floor(Math.random() * clients.length)]);
    return [...chosen];
  };
  const create = async (owner: ChaosClient, body: unknown, members: ChaosClient[]) => {
    const response = await fetch(`${gateway}/api/v1/chats`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${owner.session.token}`,
        'content-type': 'application/json',
      },
      body: JSON.stringify(body),
    });
    const envelope = (await response.json()) as { data: { chat_id: string } };
    if (response.status !== 201 && response.status !== 200)
      throw new Error(`creating a chat answered ${response.status}: ${JSON.stringify(envelope)}`);
    const chatId = envelope.data.chat_id;
    for (const member of members)
      member.chats.set(
        chatId,
        members.filter((other) => other !== member).map((other) => other.session.id),
      );
  };
  const work: (() => Promise<void>)[] = [];
  // Pairs from a shuffled list, so no pair comes twice (a direct chat is unique per pair).
  const shuffled = [...clients].sort(() => Math.random() - 0.5);
  for (let i = 0; i < options.directChats; i++) {
    const [a, b] = [shuffled[(2 * i) % shuffled.length], shuffled[(2 * i + 1) % shuffled.length]];
    if (a === b) continue;
    work.push(() => create(a, { type: 'direct', participant_id: b.session.id }, [a, b]));
  }
  for (let i = 0; i < options.groups; i++) {
    const [owner, ...others] = pick(options.groupSize);
    work.push(() =>
      create(
        owner,
        { type: 'group', name: `chaos ${i}`, participant_ids: others.map((o) => o.session.id) },
        [owner, ...others],
      ),
    );
  }
  for (let i = 0; i < work.length; i += 10)
    await Promise.all(work.slice(i, i + 10).map((w) => w()));
}

/** PNGs of 32×32 pixels in different colours, the pictures the clients send. */
function smallImages(count: number): Promise<Buffer[]> {
  return Promise.all(
    Array.from({ length: count }, (_, i) =>
      sharp({
        create: { width: 32, height: 32, channels: 3, background: { r: i * 16, g: 90, b: 200 } },
      })
        .png()
        .toBuffer(),
    ),
  );
}

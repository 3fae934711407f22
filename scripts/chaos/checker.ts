import { setTimeout as sleep } from 'node:timers/promises';
import {
  traceOf,
  type ChaosClient,
  type MessagePayload,
  type Received,
  type Send,
} from './client.ts';
import type { Load } from './load.ts';
import { completedAt, type FaultRun } from './scenario.ts';

/*
 * The verdict once the load stopped: every acknowledged send must have reached every recipient
 * (lost otherwise), and no message may exist twice: not two message_ids for one client_msg_id in
 * an acknowledgement, a socket or a history, not one message_id twice in a history. Live copies
 * of the same message_id (a replay and the live frame) are allowed and only counted.
 */

export interface Row {
  fault: string;
  sent: number;
  acknowledged: number;
  /** Acknowledged and received by every recipient. */
  delivered: number;
  /** Acknowledged but missing for some recipient (on its socket or in the chat's history). */
  lost: number;
  /** Stored twice: another message_id for the same client_msg_id, or a message_id twice in a history. */
  duplicates: number;
  /** Copies of the same message_id on one socket beyond the first (allowed). */
  liveRepeats: number;
  recoveryMs?: number;
  memory: string;
}

export interface Verdict {
  rows: Row[];
  /** Details of every loss and duplicate, for the log. */
  problems: string[];
}

export interface CheckOptions {
  load: Load;
  runs: FaultRun[];
  /** Longest wait for resends to be acknowledged and messages to arrive after the load stopped. */
  drainMs: number;
  log: (line: string) => void;
}

/** Stops the load, waits for it to drain, then compares what was acknowledged with what arrived. */
export async function check(options: CheckOptions): Promise<Verdict> {
  const { load, log } = options;
  await load.stopSending();
  const deadline = performance.now() + options.drainMs;
  while (performance.now() < deadline) {
    const waiting = load.sends().filter((send) => completedAt(send, load) === undefined).length;
    if (waiting === 0) break;
    await sleep(500);
  }
  const histories = await readHistories(load);
  const unreadable = await unreadableMedia(load);
  const problems: string[] = [];
  const rows = options.runs.map((run) => {
    const sends = load
      .sends()
      .filter((send) => send.firstAt >= run.windowStart && send.firstAt < run.windowEnd);
    return rowFor(run, sends, load, { histories, unreadable }, problems);
  });
  const images = load.sends().filter((send) => send.media?.mediaId).length;
  log(
    `checked ${load.sends().length} sends against ${histories.size} chat histories; ${images} images downloaded by a recipient, ${unreadable.size} unreadable`,
  );
  return { rows, problems };
}

interface History {
  /** message_id → how many times it appears. */
  ids: Map<string, number>;
  /** body (= client_msg_id) → the message_ids carrying it. */
  bodies: Map<string, Set<string>>;
}

interface Stored {
  histories: Map<string, History>;
  /** Image sends whose file a recipient could not download, with why. */
  unreadable: Map<string, string>;
}

function rowFor(
  run: FaultRun,
  sends: Send[],
  load: Load,
  { histories, unreadable }: Stored,
  problems: string[],
): Row {
  let acknowledged = 0;
  let delivered = 0;
  let lost = 0;
  let duplicates = 0;
  let liveRepeats = 0;
  for (const send of sends) {
    if (send.otherMessageIds.length) {
      duplicates += 1;
      problems.push(
        `${run.name}: ${send.clientMsgId} acknowledged as ${[send.messageId, ...send.otherMessageIds].join(', ')}`,
      );
    }
    if (!send.messageId) continue;
    acknowledged += 1;
    const history = histories.get(send.chatId);
    const stored = history?.bodies.get(send.clientMsgId);
    if ((history?.ids.get(send.messageId) ?? 0) > 1 || (stored && stored.size > 1)) {
      duplicates += 1;
      problems.push(`${run.name}: ${send.clientMsgId} stored twice in chat ${send.chatId}`);
    }
    const missing = send.recipients.filter(
      (recipient) => !load.byUser.get(recipient)?.received.has(send.messageId!),
    );
    if (!history?.ids.has(send.messageId)) missing.push('history');
    const media = unreadable.get(send.clientMsgId);
    if (media) missing.push(`its image (${media})`);
    const copiesByRecipient = send.recipients.map((recipient) =>
      receivedCopies(load.byUser.get(recipient), send),
    );
    for (const copies of copiesByRecipient) {
      if (copies.ids > 1) {
        duplicates += 1;
        problems.push(`${run.name}: ${send.clientMsgId} arrived under ${copies.ids} message_ids`);
      }
      liveRepeats += copies.repeats;
    }
    if (missing.length) {
      lost += 1;
      problems.push(
        `${run.name}: ${send.messageId} (${send.via}, acked ${((send.ackedAt! - send.firstAt) / 1000).toFixed(1)} s after sending) missing for ${missing.join(', ')}`,
      );
    } else delivered += 1;
  }
  const growth = run.memoryGrowth;
  return {
    fault: run.name,
    sent: sends.length,
    acknowledged,
    delivered,
    lost,
    duplicates,
    liveRepeats,
    recoveryMs: run.recoveryMs,
    memory: growth.mb > 0 ? `+${growth.mb} MB (${growth.name})` : 'no growth',
  };
}

const byBody = new WeakMap<ChaosClient, Map<string, Received[]>>();

/** How many message_ids carried this send's body to `client`, and its extra copies. */
function receivedCopies(
  client: ChaosClient | undefined,
  send: Send,
): { ids: number; repeats: number } {
  if (!client) return { ids: 0, repeats: 0 };
  let index = byBody.get(client);
  if (!index) {
    index = new Map();
    for (const received of client.received.values())
      index.set(received.body, [...(index.get(received.body) ?? []), received]);
    byBody.set(client, index);
  }
  const copies = index.get(send.clientMsgId) ?? [];
  return { ids: copies.length, repeats: copies.reduce((sum, r) => sum + r.copies - 1, 0) };
}

/** Every chat's whole history, read through the gateway by one of its members. */
async function readHistories(load: Load): Promise<Map<string, History>> {
  const readers = new Map<string, ChaosClient>();
  for (const client of load.clients)
    for (const chatId of client.chats.keys()) if (!readers.has(chatId)) readers.set(chatId, client);
  const histories = new Map<string, History>();
  const entries = [...readers];
  for (let i = 0; i < entries.length; i += 10) {
    await Promise.all(
      entries.slice(i, i + 10).map(async ([chatId, reader]) => {
        histories.set(chatId, await readHistory(load.gateways[0], chatId, reader));
      }),
    );
  }
  return histories;
}

async function readHistory(gateway: string, chatId: string, reader: ChaosClient): Promise<History> {
  const history: History = { ids: new Map(), bodies: new Map() };
  let cursor: string | null = null;
  do {
    const query: string = `limit=100${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
    const response = await fetch(`${gateway}/api/v1/chats/${chatId}/messages?${query}`, {
      headers: { authorization: `Bearer ${reader.session.token}` },
    });
    const envelope = (await response.json()) as {
      data: {
        messages: { message_id: string; payload: MessagePayload }[];
        next_cursor: string | null;
        has_more: boolean;
      };
    };
    if (response.status !== 200) throw new Error(`history answered ${response.status}`);
    for (const message of envelope.data.messages) {
      history.ids.set(message.message_id, (history.ids.get(message.message_id) ?? 0) + 1);
      const body = traceOf(message.payload);
      const ids = history.bodies.get(body) ?? new Set<string>();
      ids.add(message.message_id);
      history.bodies.set(body, ids);
    }
    cursor = envelope.data.has_more ? envelope.data.next_cursor : null;
  } while (cursor);
  return history;
}

/**
 * Every acknowledged image, downloaded as its first recipient's app would (GET /media/:id, then
 * the presigned URL) and compared byte for byte with what was uploaded.
 */
async function unreadableMedia(load: Load): Promise<Map<string, string>> {
  const unreadable = new Map<string, string>();
  const images = load.sends().filter((send) => send.messageId && send.media?.mediaId);
  const fetchOne = async (send: Send) => {
    const reader = load.byUser.get(send.recipients[0]);
    if (!reader) return;
    try {
      const response = await fetch(`${load.gateways[0]}/api/v1/media/${send.media!.mediaId}`, {
        headers: { authorization: `Bearer ${reader.session.token}` },
        signal: AbortSignal.timeout(10_000),
      });
      const envelope = (await response.json()) as { data?: { url?: string } };
      if (response.status !== 200 || !envelope.data?.url) {
        unreadable.set(send.clientMsgId, `GET /media answered ${response.status}`);
        return;
      }
      const file = await fetch(envelope.data.url, { signal: AbortSignal.timeout(10_000) });
      const bytes = Buffer.from(await file.arrayBuffer());
      if (file.status !== 200 || !bytes.equals(send.media!.png))
        unreadable.set(send.clientMsgId, `its URL answered ${file.status}, ${bytes.length} bytes`);
    } catch (error) {
      unreadable.set(send.clientMsgId, (error as Error).message);
    }
  };
  for (let i = 0; i < images.length; i += 10)
    await Promise.all(images.slice(i, i + 10).map(fetchOne));
  return unreadable;
}

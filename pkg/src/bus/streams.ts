import {
  JetStreamApiCodes,
  JetStreamApiError,
  RetentionPolicy,
  StorageType,
  type JetStreamManager,
  type StreamConfig,
} from '@nats-io/jetstream';

/** The part of a stream's configuration this project decides; the server defaults the rest. */
export interface StreamDefinition {
  name: string;
  subjects: string[];
  retention: RetentionPolicy;
  storage: StorageType;
  /** Nanoseconds, as JetStream counts them. */
  max_age: number;
}

const HOUR_NS = 3_600 * 1e9;
const DAY_NS = 24 * HOUR_NS;

/**
 * PRD §4.2 as corrected by contract addenda C: MESSAGES and CHATS use Interest
 * retention because msg.new and group.member.* each have two consuming
 * services, which a WorkQueue stream does not allow.
 */
export const STREAMS: readonly StreamDefinition[] = Object.freeze([
  {
    name: 'MESSAGES',
    subjects: ['msg.>'],
    retention: RetentionPolicy.Interest,
    storage: StorageType.File,
    max_age: 7 * DAY_NS,
  },
  {
    name: 'CHATS',
    subjects: ['chat.>', 'group.>'],
    retention: RetentionPolicy.Interest,
    storage: StorageType.File,
    max_age: 7 * DAY_NS,
  },
  {
    name: 'PRESENCE',
    subjects: ['presence.>'],
    retention: RetentionPolicy.Interest,
    storage: StorageType.File,
    max_age: HOUR_NS,
  },
  /*
   * Not in the PRD: blocks and unblocks, which every message-service instance watches to drop its
   * cached block checks. Limits retention, so a watcher that reconnects after a NATS restart
   * still finds the events published meanwhile.
   */
  {
    name: 'USERS',
    subjects: ['user.>'],
    retention: RetentionPolicy.Limits,
    storage: StorageType.File,
    max_age: HOUR_NS,
  },
  {
    name: 'NOTIFICATIONS',
    subjects: ['notif.>'],
    retention: RetentionPolicy.Workqueue,
    storage: StorageType.File,
    max_age: 3 * DAY_NS,
  },
  /*
   * Not in the PRD: dead letters (addenda K), `dlq.<subject>`, the events a consumer gave up on
   * (`dead-letter.ts`). Nothing consumes them; Limits retention keeps them for inspection and
   * replay, twice as long as the longest-lived event stream.
   */
  {
    name: 'DLQ',
    subjects: ['dlq.>'],
    retention: RetentionPolicy.Limits,
    storage: StorageType.File,
    max_age: 14 * DAY_NS,
  },
]);

/**
 * Whether `subject` (a concrete subject or a filter such as `chat.>`) lies wholly inside
 * `pattern`, with NATS wildcards: `*` is one token, a trailing `>` one or more.
 */
export function subjectWithin(subject: string, pattern: string): boolean {
  const have = subject.split('.');
  const want = pattern.split('.');
  for (const [index, token] of want.entries()) {
    if (token === '>') return have.length > index;
    const mine = have[index];
    if (mine === undefined || mine === '>') return false;
    if (token !== '*' && token !== mine) return false;
  }
  return have.length === want.length;
}

/**
 * The stream that stores `subject`, so no consumer names a stream by hand. Throws when no stream
 * or more than one holds it: a consumer of such a subject would never see an event.
 */
export function streamOf(subject: string, streams: readonly StreamDefinition[] = STREAMS): string {
  const holders = streams.filter((stream) =>
    stream.subjects.some((pattern) => subjectWithin(subject, pattern)),
  );
  if (holders.length !== 1)
    throw new Error(
      `subject ${subject} is stored by ${holders.length === 0 ? 'no stream' : holders.map((s) => s.name).join(' and ')}`,
    );
  return holders[0].name;
}

/** The wanted subjects grouped by the stream that stores them, each stream once, in first-seen order. */
export function subjectsByStream<S extends string>(
  subjects: readonly S[],
  streams: readonly StreamDefinition[] = STREAMS,
): Map<string, S[]> {
  const groups = new Map<string, S[]>();
  for (const subject of new Set(subjects)) {
    const stream = streamOf(subject, streams);
    groups.set(stream, [...(groups.get(stream) ?? []), subject]);
  }
  return groups;
}

interface StreamLog {
  info(obj: object, msg: string): void;
}

export type StreamOutcome = 'created' | 'updated' | 'unchanged';

function sameSubjects(a: string[] = [], b: string[] = []): boolean {
  return [...a].sort().join(' ') === [...b].sort().join(' ');
}

function isStreamNotFound(err: unknown): boolean {
  return err instanceof JetStreamApiError && err.code === JetStreamApiCodes.StreamNotFound;
}

/**
 * Creates each stream, or updates its subjects and max age when they differ;
 * running it again changes nothing. JetStream cannot change retention or
 * storage in place, so a stream that differs there is reported, not touched.
 */
export async function ensureStreams(
  jsm: JetStreamManager,
  log?: StreamLog,
  streams: readonly StreamDefinition[] = STREAMS,
): Promise<Record<string, StreamOutcome>> {
  const outcomes: Record<string, StreamOutcome> = {};
  for (const want of streams) {
    let have: StreamConfig | undefined;
    try {
      have = (await jsm.streams.info(want.name)).config;
    } catch (err) {
      if (!isStreamNotFound(err)) throw err;
    }
    let outcome: StreamOutcome = 'unchanged';
    if (!have) {
      await jsm.streams.add({ ...want, subjects: [...want.subjects] });
      outcome = 'created';
    } else if (have.retention !== want.retention || have.storage !== want.storage) {
      throw new Error(
        `stream ${want.name} exists with retention=${have.retention} storage=${have.storage}, ` +
          `expected retention=${want.retention} storage=${want.storage}; ` +
          `JetStream cannot change these in place: delete the stream and provision again`,
      );
    } else if (!sameSubjects(want.subjects, have.subjects) || want.max_age !== have.max_age) {
      // update() merges these into the server's current configuration.
      await jsm.streams.update(want.name, { subjects: [...want.subjects], max_age: want.max_age });
      outcome = 'updated';
    }
    outcomes[want.name] = outcome;
    log?.info({ stream: want.name, outcome }, 'jetstream stream ensured');
  }
  return outcomes;
}

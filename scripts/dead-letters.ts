// Lists and replays dead letters (the DLQ stream, docs/operations.md) on NATS_URL.
//   node scripts/dead-letters.ts list [subject]        every dead letter, or those of dlq.<subject>
//   node scripts/dead-letters.ts replay <seq>...       publish each to its original subject again,
//                                                      then delete it from the DLQ
import {
  DEAD_LETTER_HEADERS,
  connectNats,
  jetstream,
  jetstreamManager,
  originalSubject,
} from '@wa/pkg/bus';
import { createLogger } from '@wa/pkg/log';

const NATS_URL = process.env.NATS_URL || 'nats://127.0.0.1:4222';
const STREAM = 'DLQ';
const log = createLogger({ service: 'dead-letters', level: process.env.LOG_LEVEL || 'info' });
const [command, ...args] = process.argv.slice(2);

const nc = await connectNats({ url: NATS_URL, name: 'dead-letters', log });
try {
  const jsm = await jetstreamManager(nc);
  if (command === 'list') {
    const { state } = await jsm.streams.info(STREAM);
    const wanted = args[0] ? `dlq.${args[0]}` : undefined;
    for (let seq = state.first_seq; state.messages > 0 && seq <= state.last_seq; seq++) {
      const stored = await jsm.streams.getMessage(STREAM, { seq }).catch(() => null);
      if (!stored || (wanted && stored.subject !== wanted)) continue;
      const header = (name: string) => stored.header.get(name);
      process.stdout.write(
        `${JSON.stringify({
          seq,
          subject: originalSubject(stored.subject),
          consumer: header(DEAD_LETTER_HEADERS.consumer),
          deliveries: Number(header(DEAD_LETTER_HEADERS.deliveries)),
          error: header(DEAD_LETTER_HEADERS.error),
          dead_at: stored.time.toISOString(),
          event: stored.string(),
        })}\n`,
      );
    }
  } else if (command === 'replay' && args.length > 0) {
    const js = jetstream(nc);
    for (const seq of args.map(Number)) {
      const stored = await jsm.streams.getMessage(STREAM, { seq });
      if (!stored) throw new Error(`no dead letter with seq ${seq}`);
      const subject = originalSubject(stored.subject);
      // Every consumer of the subject gets it again; handlers are idempotent (addenda C).
      await js.publish(subject, stored.data, { msgID: `dlq-replay:${seq}` });
      await jsm.streams.deleteMessage(STREAM, seq);
      log.info({ seq, subject }, 'dead letter replayed');
    }
  } else {
    process.stderr.write('usage: dead-letters.ts list [subject] | replay <seq>...\n');
    process.exitCode = 2;
  }
} catch (error) {
  log.error({ err: error, url: NATS_URL }, 'dead-letters failed');
  process.exitCode = 1;
} finally {
  await nc.close();
}

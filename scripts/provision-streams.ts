// Creates or updates the JetStream streams (pkg/src/bus/streams.ts) on NATS_URL.
import { connectNats, ensureStreams, jetstreamManager } from '@wa/pkg/bus';
import { createLogger } from '@wa/pkg/log';

const NATS_URL = process.env.NATS_URL || 'nats://127.0.0.1:4222';
const log = createLogger({ service: 'provision-streams', level: process.env.LOG_LEVEL || 'info' });

try {
  const nc = await connectNats({ url: NATS_URL, name: 'provision-streams', log });
  try {
    await ensureStreams(await jetstreamManager(nc), log);
  } finally {
    await nc.close();
  }
} catch (err) {
  log.error({ err, url: NATS_URL }, 'stream provisioning failed');
  process.exitCode = 1;
}

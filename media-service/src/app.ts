import { consumerWorker, type ConsumerTuning, type NatsConnection } from '@wa/pkg/bus';
import { createRateLimit, createTokenBuckets } from '@wa/pkg/cache';
import type { Redis } from '@wa/pkg/db';
import type { ChatService, Client } from '@wa/pkg/grpc';
import { createServiceProbes, type ServiceProbes } from '@wa/pkg/health';
import { createHttpServer } from '@wa/pkg/http';
import type { Logger } from '@wa/pkg/log';
import { intervalWorker, type ServiceApp } from '@wa/pkg/service';
import type { MediaConfig } from './config.ts';
import { mediaGrpcRoutes } from './handler/grpc-routes.ts';
import { registerMediaRoutes } from './handler/http-routes.ts';
import { consumeMessageEvents } from './handler/message-events.ts';
import { createChatRemote } from './repository/chat-remote.ts';
import { createImageDecoder } from './repository/image-decoder.ts';
import { createMediaProbe } from './repository/media-probe.ts';
import type { MediaStore } from './repository/media-store.ts';
import type { ObjectStorage } from './repository/object-storage.ts';
import { createMediaReads } from './service/media-reads.ts';
import { createOrphanSweep } from './service/orphan-sweep.ts';
import { createUploadService } from './service/upload-service.ts';

export interface MediaAppDeps {
  config: Pick<
    MediaConfig,
    'nats' | 'urlTtlSeconds' | 'orphans' | 'uploadsPerMinute' | 'decodeConcurrency' | 'tools'
  > &
    Partial<Pick<MediaConfig, 'health'>>;
  consumer?: ConsumerTuning;
  /** The media records (open-media-store.ts); its readiness is the service's. */
  store: MediaStore;
  storage: ObjectStorage;
  probes?: ServiceProbes;
  nc: NatsConnection;
  redis: Redis;
  chats: Client<typeof ChatService>;
  log: Logger;
}

const ORPHAN_BATCH = 100;

/**
 * Builds the services, the HTTP app, the gRPC routes and the workers (msg.new consumer, orphan
 * sweep) without listening or starting them; tests call this with their own deps.
 */
export function buildMediaApp(deps: MediaAppDeps) {
  const { config, store, storage, nc, log } = deps;
  const probes = deps.probes ?? createServiceProbes('media-service', config.health?.liveness);
  const reads = createMediaReads({
    store,
    storage,
    chats: createChatRemote(deps.chats),
    urlTtlSeconds: config.urlTtlSeconds,
  });
  const uploads = createUploadService({
    store,
    storage,
    probe: createMediaProbe(config.tools),
    decodeImage: createImageDecoder(),
    decodeConcurrency: config.decodeConcurrency,
    log,
  });
  const sweepOrphans = createOrphanSweep({
    store,
    storage,
    ttlMs: config.orphans.ttlMs,
    batchSize: ORPHAN_BATCH,
    log,
  });
  const consume = createRateLimit({ buckets: createTokenBuckets(deps.redis), log });
  const limitUploads = (userId: string) =>
    consume(
      `rate:media-upload:${userId}`,
      config.uploadsPerMinute,
      'Too many uploads: try again later',
    );

  // The upload path needs S3 and the store; Redis (limits) and NATS (references) can lag behind.
  const app = createHttpServer({
    service: 'media-service',
    callerHeaders: true,
    log,
    probes,
    readiness: { [store.kind]: () => store.ping(), s3: () => storage.ping() },
    readinessTimeoutMs: config.health?.readinessTimeoutMs,
  });
  registerMediaRoutes(app, { uploads, reads, limitUploads });
  return {
    http: app,
    grpc: mediaGrpcRoutes(reads),
    workers: [
      consumerWorker('message events', () =>
        consumeMessageEvents({
          nc,
          durable: config.nats.consumerName,
          maxDeliver: config.nats.maxDeliver,
          inactiveThresholdMs: deps.consumer?.inactiveThresholdMs,
          probes,
          store,
          log,
        }),
      ),
      intervalWorker('orphan sweep', config.orphans.sweepIntervalMs, sweepOrphans, log),
    ],
    services: { uploads, reads, sweepOrphans },
    probes,
  } satisfies ServiceApp;
}

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { testLogger } from '@wa/pkg/testing';
import type { MediaStore } from '../src/repository/media-store.ts';
import { createOrphanSweep } from '../src/service/orphan-sweep.ts';
import { openTestMediaStore, upload } from './store-contract.ts';
import { createTestStorage } from './test-storage.ts';

// The real store (PostgreSQL) and the real S3 server: what the sweep deletes is really gone.
const HOUR = 3_600_000;
let store: MediaStore;
let dispose: () => Promise<void>;
const storage = createTestStorage();

before(async () => {
  ({ store, dispose } = await openTestMediaStore('postgres'));
});
after(async () => {
  await dispose?.();
  storage.close();
});

/** An upload `ageMs` old whose file and thumbnail are in S3. */
async function stored(ageMs: number) {
  const prefix = `test/sweep/${randomUUID()}`;
  const media = upload({ storage_key: `${prefix}/file`, thumbnail_key: `${prefix}/thumb` }, ageMs);
  await storage.putBytes(media.storage_key, Buffer.from('file'), media.mime_type);
  await storage.putBytes(media.thumbnail_key!, Buffer.from('thumb'), 'image/jpeg');
  await store.insert(media);
  return media;
}

const sweepOf = (sweepStore: Parameters<typeof createOrphanSweep>[0]['store']) =>
  createOrphanSweep({
    store: sweepStore,
    storage,
    ttlMs: 24 * HOUR,
    batchSize: 100,
    log: testLogger('orphan-sweep'),
  });

const statusOf = async (key: string) =>
  (await fetch(await storage.presignedGet(key, { ttlSeconds: 60 }))).status;

test('uploads no message referenced within the TTL go with their objects; the others stay', async () => {
  const orphan = await stored(25 * HOUR);
  const referenced = await stored(25 * HOUR);
  const young = await stored(HOUR);
  await store.addReference(referenced.media_id, randomUUID(), new Date());
  const sweep = sweepOf(store);
  assert.equal(await sweep(), 1);
  assert.equal(await store.findById(orphan.media_id), null);
  assert.equal(await statusOf(orphan.storage_key), 404);
  assert.equal(await statusOf(orphan.thumbnail_key!), 404);
  for (const kept of [referenced, young]) {
    assert.notEqual(await store.findById(kept.media_id), null);
    assert.equal(await statusOf(kept.storage_key), 200);
  }
  assert.equal(await sweep(), 0, 'nothing left to sweep');
});

test('an upload referenced after the sweep listed it is kept, file included', async () => {
  const media = await stored(30 * HOUR);
  const racing = sweepOf({
    orphans: (before, limit) => store.orphans(before, limit),
    // A message referencing it lands between the listing and the delete.
    deleteOrphan: async (mediaId) => {
      await store.addReference(mediaId, randomUUID(), new Date());
      return store.deleteOrphan(mediaId);
    },
  });
  assert.equal(await racing(), 0);
  assert.notEqual(await store.findById(media.media_id), null);
  assert.equal(await statusOf(media.storage_key), 200);
});

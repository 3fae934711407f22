import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import type { StoreKind } from '@wa/pkg/db';
import { openOnOwnDatabase, testLogger } from '@wa/pkg/testing';
import type { MediaDoc } from '../src/model/media.ts';
import type { MediaStore } from '../src/repository/media-store.ts';
import { openMediaStore } from '../src/repository/open-media-store.ts';

/** A store of `kind` on a database of its own; `dispose` closes it and drops the database. */
export const openTestMediaStore = (kind: StoreKind) =>
  openOnOwnDatabase(kind, 'mediastore', (url) =>
    openMediaStore(url, { log: testLogger('media-store') }),
  );

/** An upload as the media-service records it, created `ageMs` ago (milliseconds only, as stored). */
export function upload(overrides: Partial<MediaDoc> = {}, ageMs = 0): MediaDoc {
  const media_id = randomUUID();
  return {
    media_id,
    uploader_id: randomUUID(),
    file_type: 'image',
    mime_type: 'image/jpeg',
    original_filename: 'Strand 🌊 2026.jpg',
    size_bytes: 5_000_000_000, // past 32 bits: documents reach 100 MB, sizes are BIGINT anyway
    width: 4032,
    height: 3024,
    duration_ms: null,
    checksum_sha256: 'a'.repeat(64),
    storage_key: `media/${media_id}`,
    thumbnail_key: `media/${media_id}/thumb.jpg`,
    created_at: new Date(Math.floor((Date.now() - ageMs) / 1000) * 1000),
    ...overrides,
  };
}

const HOUR = 3_600_000;

/** Addenda K: one contract, every adapter. Each test opens a store of its own. */
export function mediaStoreContract(kind: StoreKind): void {
  async function withStore(run: (store: MediaStore) => Promise<void>) {
    const { store, dispose } = await openTestMediaStore(kind);
    try {
      await run(store);
    } finally {
      await dispose();
    }
  }

  test(`${kind}: an upload reads back exactly, nulls included; an unknown id is null`, () =>
    withStore(async (store) => {
      const image = upload();
      const document = upload({
        file_type: 'document',
        mime_type: 'application/pdf',
        width: null,
        height: null,
        thumbnail_key: null,
        size_bytes: 0,
      });
      await store.insert(image);
      await store.insert(document);
      assert.deepEqual(await store.findById(image.media_id), image);
      assert.deepEqual(await store.findById(document.media_id), document);
      assert.equal(await store.findById(randomUUID()), null);
      assert.equal(await store.ping(), true);
    }));

  test(`${kind}: references are recorded once per chat`, () =>
    withStore(async (store) => {
      const media = upload();
      await store.insert(media);
      assert.deepEqual(await store.referencingChats(media.media_id), []);
      const [first, second] = [randomUUID(), randomUUID()];
      await store.addReference(media.media_id, first, new Date(Date.now() - 1000));
      await store.addReference(media.media_id, first, new Date()); // a redelivered msg.new
      await store.addReference(media.media_id, second, new Date());
      assert.deepEqual(await store.referencingChats(media.media_id), [first, second]);
    }));

  test(`${kind}: orphans are the old unreferenced uploads, oldest first, and only they are deleted`, () =>
    withStore(async (store) => {
      const oldest = upload({}, 30 * HOUR);
      const old = upload({}, 26 * HOUR);
      const referenced = upload({}, 40 * HOUR);
      const young = upload({}, HOUR);
      for (const media of [old, young, referenced, oldest]) await store.insert(media);
      await store.addReference(referenced.media_id, randomUUID(), new Date());
      const before = new Date(Date.now() - 24 * HOUR);
      assert.deepEqual(
        (await store.orphans(before, 10)).map((media) => media.media_id),
        [oldest.media_id, old.media_id],
      );
      assert.deepEqual(
        (await store.orphans(before, 1)).map((media) => media.media_id),
        [oldest.media_id],
      );
      // A reference that arrives after the sweep listed the upload keeps it.
      await store.addReference(old.media_id, randomUUID(), new Date());
      assert.equal(await store.deleteOrphan(old.media_id), false);
      assert.notEqual(await store.findById(old.media_id), null);
      assert.equal(await store.deleteOrphan(oldest.media_id), true);
      assert.equal(await store.findById(oldest.media_id), null);
      assert.equal(await store.deleteOrphan(oldest.media_id), false, 'already gone');
      assert.equal(await store.deleteOrphan(referenced.media_id), false);
      assert.deepEqual(await store.orphans(before, 10), []);
    }));
}

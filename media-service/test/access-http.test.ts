import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { eventually, testLogger } from '@wa/pkg/testing';
import { createOrphanSweep } from '../src/service/orphan-sweep.ts';
import { startMediaApp, type MediaTestApp } from './helpers.ts';
import * as sample from './samples.ts';

let app: MediaTestApp;
before(async () => {
  app = await startMediaApp({ MEDIA_URL_TTL_SECONDS: '2' });
});
after(async () => {
  await app?.close();
});

async function uploadDocument(uploader: string): Promise<string> {
  const answer = await app.upload(uploader, [
    { name: 'type', value: 'document' },
    { name: 'file', filename: 'Plan März.pdf', content: sample.pdf() },
  ]);
  assert.equal(answer.status, 201, JSON.stringify(answer.body));
  return answer.body.data.media_id as string;
}

test('only the uploader and members of a chat referencing the media read it; others get 404', async () => {
  const [uploader, member, stranger] = [randomUUID(), randomUUID(), randomUUID()];
  const mediaId = await uploadDocument(uploader);
  const path = `/api/v1/media/${mediaId}`;
  assert.equal((await app.get(uploader, path)).status, 200);
  for (const url of [path, `${path}/download`]) {
    const refused = await app.get(member, url);
    assert.equal(refused.status, 404, url);
    assert.equal(refused.body.error.code, 'NOT_FOUND');
  }
  // The same answer as for an id that does not exist: nothing is confirmed.
  const unknown = await app.get(member, `/api/v1/media/${randomUUID()}`);
  assert.deepEqual(unknown.body.error, (await app.get(member, path)).body.error);

  const chatId = randomUUID();
  app.directory.add(chatId, 'group', [uploader, member]);
  await app.store.addReference(mediaId, chatId, new Date());
  assert.equal((await app.get(member, path)).status, 200);
  assert.equal((await app.get(stranger, path)).status, 404);
  // Removed from the chat, the member no longer reads it.
  app.directory.removeParticipant(chatId, member);
  assert.equal((await app.get(member, path)).status, 404);
});

test('download answers 302 to a fresh URL serving the document as an attachment', async () => {
  const uploader = randomUUID();
  const mediaId = await uploadDocument(uploader);
  const answer = await app.get(uploader, `/api/v1/media/${mediaId}/download`);
  assert.equal(answer.status, 302);
  assert.equal(answer.headers['cache-control'], 'no-store');
  const file = await fetch(answer.headers.location!);
  assert.equal(file.status, 200);
  assert.equal(file.headers.get('content-type'), 'application/pdf');
  assert.match(
    file.headers.get('content-disposition') ?? '',
    /^attachment; filename\*=UTF-8''Plan%20M%C3%A4rz\.pdf/,
  );
  assert.deepEqual(Buffer.from(await file.arrayBuffer()), Buffer.from(sample.pdf()));
});

test('presigned URLs expire after MEDIA_URL_TTL_SECONDS; GET /media/:id gives fresh ones', async () => {
  const uploader = randomUUID();
  const mediaId = await uploadDocument(uploader);
  const first = (await app.get(uploader, `/api/v1/media/${mediaId}`)).body.data;
  assert.equal(new URL(first.url).searchParams.get('X-Amz-Expires'), '2');
  assert.equal((await fetch(first.url)).status, 200);
  await eventually(async () => assert.equal((await fetch(first.url)).status, 403), {
    timeoutMs: 10_000,
    intervalMs: 250,
  });
  const fresh = (await app.get(uploader, `/api/v1/media/${mediaId}`)).body.data;
  assert.equal((await fetch(fresh.url)).status, 200);
});

test('a malformed id is 400; a request without the gateway identity is 401', async () => {
  const bad = await app.get(randomUUID(), '/api/v1/media/not-a-uuid');
  assert.equal(bad.status, 400);
  assert.equal(bad.body.error.code, 'VALIDATION_ERROR');
  const anonymous = await app.get(undefined, `/api/v1/media/${randomUUID()}`);
  assert.equal(anonymous.status, 401);
});

test('the orphan sweep deletes unreferenced uploads past the TTL and keeps referenced ones', async () => {
  const uploader = randomUUID();
  const orphan = await uploadDocument(uploader);
  const kept = await uploadDocument(uploader);
  await app.store.addReference(kept, randomUUID(), new Date());
  // The app's sweep (24 hours by default), here with a TTL of one second.
  const sweep = createOrphanSweep({
    store: app.store,
    storage: app.storage,
    ttlMs: 1_000,
    batchSize: 100,
    log: testLogger('sweep'),
  });
  await eventually(async () => {
    await sweep();
    assert.equal((await app.get(uploader, `/api/v1/media/${orphan}`)).status, 404);
  });
  assert.equal((await app.get(uploader, `/api/v1/media/${kept}`)).status, 200);
  const left = await app.bucket.leftovers();
  assert.ok(!left.objects.includes(`media/${orphan}`));
  assert.ok(left.objects.includes(`media/${kept}`));
});

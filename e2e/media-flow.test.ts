import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import sharp from 'sharp';
import {
  eventually,
  expectError,
  expectOk,
  request,
  startStack,
  type Envelope,
  type Stack,
  type StackSession,
} from '@wa/pkg/testing';

/*
 * Addenda I through the real gateway: an upload is readable by its uploader only, until a message
 * that references it shares it with the members of that chat (the media-service learns it from
 * msg.new). Files go to the S3 server of the tests; presigned URLs name it, so they are fetched
 * as a client would.
 */

let stack: Stack | undefined;
let gateway = '';

before(async () => {
  stack = await startStack({
    services: ['user-service', 'chat-service', 'media-service', 'message-service'],
  });
  gateway = stack.gateway;
});

after(async () => {
  await stack?.stop();
});

interface MediaView {
  media_id: string;
  type: string;
  mime_type: string;
  size_bytes: number;
  width: number | null;
  height: number | null;
  url: string;
  thumbnail_url: string | null;
}

/** A PNG of its own for each upload (a fresh colour, so no two tests share bytes). */
const makePng = (width: number, height: number) =>
  sharp({
    create: {
      width,
      height,
      channels: 3,
      background: { r: Math.floor(Math.random() * 256), g: 40, b: 160 },
    },
  })
    .png()
    .toBuffer();

/** POST /api/v1/media/upload as a client sends it: multipart, `type` before `file`. */
async function upload(session: StackSession, png: Buffer) {
  const form = new FormData();
  form.append('type', 'image');
  form.append('file', new Blob([new Uint8Array(png)], { type: 'image/png' }), 'picture.png');
  const response = await fetch(`${gateway}/api/v1/media/upload`, {
    method: 'POST',
    headers: { authorization: `Bearer ${session.token}` },
    body: form,
    signal: AbortSignal.timeout(30_000),
  });
  const body = (await response.json()) as Envelope<MediaView>;
  return expectOk({ status: response.status, body }, 201);
}

const getMedia = (session: StackSession, mediaId: string) =>
  request<MediaView>(gateway, {
    token: session.token,
    method: 'GET',
    url: `/api/v1/media/${mediaId}`,
  });

/** The bytes at a presigned URL, fetched without any credentials of ours. */
async function bytesAt(url: string): Promise<Buffer> {
  const response = await fetch(url, { signal: AbortSignal.timeout(10_000) });
  assert.equal(response.status, 200, `${url}: ${response.status}`);
  return Buffer.from(await response.arrayBuffer());
}

async function directChat(owner: StackSession, other: StackSession): Promise<string> {
  const res = await request(gateway, {
    token: owner.token,
    method: 'POST',
    url: '/api/v1/chats',
    body: { type: 'direct', participant_id: other.id },
  });
  assert.ok([200, 201].includes(res.status), JSON.stringify(res.body));
  return res.body.data.chat_id as string;
}

describe('media through the gateway', () => {
  test("the gateway's /health reports the media-service up", async () => {
    const res = await request(gateway, { method: 'GET', url: '/health' });
    assert.equal(expectOk(res).services['media-service'], 'up', JSON.stringify(res.body));
  });

  test('an uploaded PNG answers 201 with its size and a thumbnail, and only its uploader reads it', async () => {
    const [alice, bob] = await Promise.all([stack!.login(), stack!.login()]);
    const png = await makePng(64, 48);

    const uploaded = await upload(alice, png);
    assert.equal(uploaded.type, 'image');
    assert.equal(uploaded.mime_type, 'image/png');
    assert.equal(uploaded.size_bytes, png.length);
    assert.equal(uploaded.width, 64);
    assert.equal(uploaded.height, 48);
    assert.ok(uploaded.thumbnail_url, 'an image gets a thumbnail');
    const thumbnail = await sharp(await bytesAt(uploaded.thumbnail_url)).metadata();
    assert.equal(thumbnail.format, 'jpeg');

    const read = expectOk(await getMedia(alice, uploaded.media_id));
    assert.equal(read.media_id, uploaded.media_id);
    assert.deepEqual(await bytesAt(read.url), png);

    // Bob is in no chat with a message naming it: as if it did not exist (not 403).
    expectError(await getMedia(bob, uploaded.media_id), 404, 'NOT_FOUND');
    expectError(await getMedia(bob, randomUUID()), 404, 'NOT_FOUND');
  });

  test('an image message shares the upload with the chat: the recipient reads and downloads it', async () => {
    const [alice, bob] = await Promise.all([stack!.login(), stack!.login()]);
    const png = await makePng(40, 30);
    const { media_id: mediaId } = await upload(alice, png);
    expectError(await getMedia(bob, mediaId), 404, 'NOT_FOUND');

    const chatId = await directChat(alice, bob);
    const sent = await request(gateway, {
      token: alice.token,
      method: 'POST',
      url: `/api/v1/chats/${chatId}/messages`,
      body: {
        client_msg_id: randomUUID(),
        type: 'image',
        payload: { media_id: mediaId, caption: 'a picture' },
      },
    });
    const { message } = expectOk(sent, 201);
    // The message-service stores the upload's metadata with it (addenda I).
    assert.equal(message.payload.media_id, mediaId);
    assert.equal(message.payload.mime_type, 'image/png');
    assert.equal(message.payload.width, 40);
    assert.equal(message.payload.height, 30);

    // The media-service records the chat's reference from msg.new.
    const seen = await eventually(async () => expectOk(await getMedia(bob, mediaId)));
    assert.deepEqual(await bytesAt(seen.url), png);

    const download = await fetch(`${gateway}/api/v1/media/${mediaId}/download`, {
      headers: { authorization: `Bearer ${bob.token}` },
      redirect: 'manual',
      signal: AbortSignal.timeout(10_000),
    });
    await download.body?.cancel();
    assert.equal(download.status, 302);
    const location = download.headers.get('location');
    assert.ok(location, 'a 302 names the file');
    assert.deepEqual(await bytesAt(location), png);
  });
});

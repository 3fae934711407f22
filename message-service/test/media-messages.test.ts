import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { captureEvents, using, type EventCapture } from '@wa/pkg/testing';
import { call, startMessageApp, text, type Data, type MessageHarness } from './helpers.ts';
import type { FakeMediaType } from './media-directory-fake.ts';

// Addenda I: a media message names an upload of its sender, checked with the media-service's
// GetMediaMetadata (a fake gRPC server here), and carries the upload's metadata from then on.

let h: MessageHarness;
let events: EventCapture;

before(async () => {
  h = await startMessageApp();
  events = await captureEvents(h.nc, 'msg.>');
});
after(async () => {
  await events?.stop();
  await h?.close();
});

const messagesUrl = (chatId: string) => `/api/v1/chats/${chatId}/messages`;

function directChat(harness: MessageHarness = h) {
  const [alice, bob] = harness.makeUsers(2);
  const chat = harness.makeDirectChat(alice.id, bob.id);
  return { alice: alice.id, bob: bob.id, chat: chat.id };
}

const mediaMessage = (type: FakeMediaType, payload: Data) => ({
  client_msg_id: randomUUID(),
  type,
  payload,
});

const metadataCalls = (harness: MessageHarness = h) =>
  harness.mediaServer.calls.getMediaMetadata.length;

async function history(viewer: string, chat: string, harness: MessageHarness = h) {
  const res = await call(harness, viewer, 'GET', messagesUrl(chat));
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return res.data.messages as Data[];
}

describe('media messages', () => {
  test("stores a video with its sender's upload and its metadata, in history and msg.new", async () => {
    const { alice, bob, chat } = directChat();
    const video = h.makeUpload(alice, 'video');
    const calls = metadataCalls();
    const res = await call(
      h,
      alice,
      'POST',
      messagesUrl(chat),
      mediaMessage('video', { media_id: video.mediaId, caption: 'Beach' }),
    );
    assert.equal(res.status, 201, JSON.stringify(res.body));
    const expected = {
      media_id: video.mediaId,
      caption: 'Beach',
      mime_type: 'video/mp4',
      size_bytes: 2_481_004,
      width: 640,
      height: 360,
      duration_ms: 4_040,
    };
    const message = res.data.message as Data;
    assert.deepEqual(message.payload, expected);
    assert.equal(metadataCalls(), calls + 1);
    assert.equal(h.mediaServer.calls.getMediaMetadata.at(-1)?.mediaId, video.mediaId);

    const [seen] = await history(bob, chat);
    assert.equal(seen.message_id, message.message_id);
    assert.deepEqual(seen.payload, expected);
    const event = await events.waitFor('msg.new', (e) => e.message_id === message.message_id);
    assert.equal(event.type, 'video');
    assert.deepEqual(event.payload, expected);
  });

  test("keeps the probed duration and the upload's file name, and leaves out what a file lacks", async () => {
    const { alice, bob, chat } = directChat();
    const audio = h.makeUpload(alice, 'audio', { durationMs: 3_020 });
    const voice = await call(
      h,
      alice,
      'POST',
      messagesUrl(chat),
      mediaMessage('audio', { media_id: audio.mediaId, duration_ms: 99_000 }),
    );
    assert.equal(voice.status, 201, JSON.stringify(voice.body));
    assert.deepEqual(voice.data.message.payload, {
      media_id: audio.mediaId,
      mime_type: 'audio/ogg',
      size_bytes: 20_113,
      duration_ms: 3_020,
    });

    const pdf = h.makeUpload(alice, 'document', { originalFilename: 'Q3 report.pdf' });
    const unnamed = await call(
      h,
      alice,
      'POST',
      messagesUrl(chat),
      mediaMessage('document', { media_id: pdf.mediaId }),
    );
    assert.equal(unnamed.status, 201, JSON.stringify(unnamed.body));
    const documentPayload = {
      media_id: pdf.mediaId,
      filename: 'Q3 report.pdf',
      mime_type: 'application/pdf',
      size_bytes: 91_337,
    };
    assert.deepEqual(unnamed.data.message.payload, documentPayload);
    const named = await call(
      h,
      alice,
      'POST',
      messagesUrl(chat),
      mediaMessage('document', { media_id: pdf.mediaId, filename: 'mine.pdf' }),
    );
    assert.equal(named.data.message.payload.filename, 'mine.pdf');

    const image = h.makeUpload(alice, 'image');
    const photo = await call(
      h,
      alice,
      'POST',
      messagesUrl(chat),
      mediaMessage('image', { media_id: image.mediaId }),
    );
    assert.deepEqual(photo.data.message.payload, {
      media_id: image.mediaId,
      mime_type: 'image/jpeg',
      size_bytes: 48_213,
      width: 1280,
      height: 960,
    });

    const byId = new Map((await history(bob, chat)).map((m) => [m.message_id, m.payload]));
    assert.deepEqual(byId.get(unnamed.data.message.message_id), documentPayload);
    assert.equal(byId.get(voice.data.message.message_id).duration_ms, 3_020);
  });

  test("refuses another user's upload with the same 400 as an unknown id", async () => {
    const { alice, bob, chat } = directChat();
    const bobs = h.makeUpload(bob, 'image');
    const foreign = await call(
      h,
      alice,
      'POST',
      messagesUrl(chat),
      mediaMessage('image', { media_id: bobs.mediaId }),
    );
    const unknown = await call(
      h,
      alice,
      'POST',
      messagesUrl(chat),
      mediaMessage('image', { media_id: randomUUID() }),
    );
    for (const res of [foreign, unknown]) {
      assert.equal(res.status, 400, JSON.stringify(res.body));
      assert.equal(res.body.error?.code, 'VALIDATION_ERROR');
      assert.equal(res.body.error?.details?.[0]?.field, 'payload.media_id');
    }
    // Nothing tells alice that bob's id exists.
    assert.deepEqual(foreign.body.error, unknown.body.error);
    assert.deepEqual(await history(alice, chat), []);
  });

  test('refuses an upload of another type than the message with 400', async () => {
    const { alice, chat } = directChat();
    const pdf = h.makeUpload(alice, 'document');
    const photo = h.makeUpload(alice, 'image');
    for (const [type, mediaId] of [
      ['image', pdf.mediaId],
      ['video', photo.mediaId],
      ['document', photo.mediaId],
    ] as const) {
      const res = await call(
        h,
        alice,
        'POST',
        messagesUrl(chat),
        mediaMessage(type, { media_id: mediaId }),
      );
      assert.equal(res.status, 400, `${type}: ${JSON.stringify(res.body)}`);
      assert.equal(res.body.error?.code, 'VALIDATION_ERROR');
      assert.equal(res.body.error?.details?.[0]?.field, 'payload.media_id');
    }
    assert.deepEqual(await history(alice, chat), []);
  });

  test('refuses metadata sent by the client with 400 before asking the media-service', async () => {
    const { alice, chat } = directChat();
    const image = h.makeUpload(alice, 'image');
    const calls = metadataCalls();
    for (const [field, value] of [
      ['mime_type', 'image/png'],
      ['size_bytes', 1],
      ['width', 1],
      ['height', 1],
    ] as const) {
      const res = await call(
        h,
        alice,
        'POST',
        messagesUrl(chat),
        mediaMessage('image', { media_id: image.mediaId, [field]: value }),
      );
      assert.equal(res.status, 400, `${field}: ${JSON.stringify(res.body)}`);
      assert.equal(res.body.error?.details?.[0]?.field, `payload.${field}`);
    }
    assert.equal(metadataCalls(), calls);
  });

  test('a text message asks the media-service nothing', async () => {
    const { alice, chat } = directChat();
    const calls = metadataCalls();
    const res = await call(h, alice, 'POST', messagesUrl(chat), text('no media here'));
    assert.equal(res.status, 201, JSON.stringify(res.body));
    assert.deepEqual(res.data.message.payload, { body: 'no media here' });
    assert.equal(metadataCalls(), calls);
  });

  test('answers 503 and stores nothing while the media-service is down', async (t) => {
    // An app of its own: the stopped fake and the client's open breaker stay out of other tests.
    const own = using(t, await startMessageApp());
    const { alice, chat } = directChat(own);
    const image = own.makeUpload(alice, 'image');
    await own.mediaServer.stop();
    const body = mediaMessage('image', { media_id: image.mediaId });
    const res = await call(own, alice, 'POST', messagesUrl(chat), body);
    assert.equal(res.status, 503, JSON.stringify(res.body));
    assert.equal(res.body.error?.code, 'SERVICE_UNAVAILABLE');
    assert.equal(await own.store.findByClientId(alice, body.client_msg_id), null);
    assert.deepEqual(await history(alice, chat, own), []);
    const plain = await call(own, alice, 'POST', messagesUrl(chat), text('still here'));
    assert.equal(plain.status, 201, JSON.stringify(plain.body));
  });
});

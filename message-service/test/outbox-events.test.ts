import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import type { DeliveryStatus, MessageDoc } from '../src/model/message.ts';
import { newMessageDoc } from '../src/model/message.ts';
import { changeApplied } from '../src/model/event-rules.ts';
import { msgDeletedEvent, msgNewEvent, msgStatusEvent } from '../src/service/outbox-events.ts';

const at = new Date(0);
const [sender, bob, carol] = [randomUUID(), randomUUID(), randomUUID()];
const message = (): MessageDoc =>
  newMessageDoc(
    randomUUID(),
    [bob, carol],
    { sender_id: sender, client_msg_id: randomUUID(), type: 'text', payload: { body: 'hi' } },
    at,
  );
const withStatus = (doc: MessageDoc, status: DeliveryStatus): MessageDoc => ({
  ...doc,
  status: { ...doc.status, [bob]: { status, updated_at: at } },
});

describe('whether a left-behind event’s change happened', () => {
  test('msg.new: the message is stored', () => {
    const doc = message();
    assert.equal(changeApplied(msgNewEvent(doc), doc), true);
    assert.equal(changeApplied(msgNewEvent(doc), null), false);
  });

  test('msg.status.updated: the recipient’s status reached at least the event’s, for every pair', () => {
    const rank = { sent: 0, delivered: 1, read: 2 };
    for (const reached of ['sent', 'delivered', 'read'] as const)
      for (const announced of ['delivered', 'read'] as const) {
        const doc = withStatus(message(), reached);
        const event = msgStatusEvent(doc, bob, announced, at, false);
        assert.equal(
          changeApplied(event, doc),
          rank[reached] >= rank[announced],
          `${announced} when ${reached}`,
        );
      }
  });

  test('msg.status.updated: a member who joined after the message counts as having read it', () => {
    const doc = message();
    const latecomer = randomUUID();
    assert.equal(changeApplied(msgStatusEvent(doc, latecomer, 'read', at, false), doc), true);
  });

  test('msg.deleted: the message is deleted for everyone', () => {
    const doc = message();
    const event = msgDeletedEvent(doc, at);
    assert.equal(changeApplied(event, doc), false);
    assert.equal(changeApplied(event, { ...doc, is_deleted: true }), true);
    assert.equal(changeApplied(event, null), false);
  });
});

test('msg.new names what a message replies to and whether it is forwarded, only when it does', () => {
  const original = randomUUID();
  const reply = msgNewEvent({ ...message(), reply_to_message_id: original });
  assert.equal(reply.payload.reply_to_message_id, original);
  assert.equal('forwarded' in reply.payload, false);
  const forwarded = msgNewEvent({
    ...message(),
    forwarded: true,
    forwarded_from: { chat_id: randomUUID(), message_id: original },
  });
  assert.equal(forwarded.payload.forwarded, true);
  const plain = msgNewEvent(message()).payload;
  assert.equal('reply_to_message_id' in plain || 'forwarded' in plain, false);
});

test('msg.deleted names the message’s recipients, as msg.new does', () => {
  const doc = message();
  assert.deepEqual(msgDeletedEvent(doc, at).payload.recipient_ids, [bob, carol]);
  assert.deepEqual(msgNewEvent(doc).payload.recipient_ids, [bob, carol]);
});

import { JetStreamApiError, type PubAck } from '@nats-io/jetstream';
import {
  createInbox,
  headers as natsHeaders,
  type Msg,
  type MsgHdrs,
  type NatsConnection,
} from '@nats-io/transport-node';

/**
 * What publishing an event needs of JetStream: a publish its stream acknowledges. `headers`, when
 * given, are sent with `Nats-Msg-Id` set on them (the caller's object, not a copy).
 */
export interface StreamPublish {
  publish(
    subject: string,
    payload: string,
    options: { msgID: string; timeout: number; headers?: MsgHdrs },
  ): Promise<PubAck>;
}

export interface StreamPublisher extends StreamPublish {
  /** Fails what is still waiting for its acknowledgement and stops listening. */
  close(): void;
}

interface Waiting {
  resolve: (ack: PubAck) => void;
  reject: (error: Error) => void;
  deadline: number;
}

interface AckBody {
  stream?: string;
  seq?: number;
  duplicate?: boolean;
  domain?: string;
  error?: { code: number; err_code: number; description: string };
}

/** How often waiting publishes are checked against their deadlines. */
const DEADLINE_SWEEP_MS = 100;
/** A reply carrying this status says nothing listens on the subject: no stream stores it. */
const NO_RESPONDERS = 503;

const decoder = new TextDecoder();

/**
 * JetStream publishes with their acknowledgements on one subscription of this connection, each
 * publish a plain NATS publish whose reply subject names it. nats.js' `js.publish` is a request:
 * per publish it makes a deferred, a timer, a muxed-inbox entry and, to settle a request already
 * answered, an Error with its stack trace; on the message-service's event path that was about a
 * tenth of its CPU. The stream's behaviour is the same: `msgID` is `Nats-Msg-Id`, so a copy
 * within the duplicate window is acknowledged with `duplicate: true` and not stored again.
 */
export function createStreamPublisher(nc: NatsConnection): StreamPublisher {
  const inbox = createInbox();
  const waiting = new Map<string, Waiting>();
  let next = 0;
  let closed = false;

  function settle(reply: Msg): void {
    const token = reply.subject.slice(inbox.length + 1);
    const entry = waiting.get(token);
    if (!entry) return; // answered after its deadline
    waiting.delete(token);
    if (reply.headers?.code === NO_RESPONDERS && reply.data.length === 0) {
      entry.reject(new Error('no JetStream stream stores this subject'));
      return;
    }
    let body: AckBody;
    try {
      body = JSON.parse(decoder.decode(reply.data)) as AckBody;
    } catch {
      entry.reject(new Error('JetStream answered a publish with something other than JSON'));
      return;
    }
    if (body.error) entry.reject(new JetStreamApiError(body.error));
    else if (!body.stream || body.seq === undefined)
      entry.reject(new Error('JetStream answered a publish without its stream and sequence'));
    else
      entry.resolve({
        stream: body.stream,
        seq: body.seq,
        duplicate: body.duplicate ?? false,
        ...(body.domain ? { domain: body.domain } : {}),
      });
  }

  function failAll(reason: string): void {
    for (const entry of waiting.values()) entry.reject(new Error(reason));
    waiting.clear();
  }

  const subscription = nc.subscribe(`${inbox}.*`, {
    callback: (error, reply) => {
      if (!error) settle(reply);
    },
  });
  const sweep = setInterval(() => {
    const now = Date.now();
    for (const [token, entry] of waiting)
      if (entry.deadline <= now) {
        waiting.delete(token);
        entry.reject(new Error('JetStream did not acknowledge the publish in time'));
      }
  }, DEADLINE_SWEEP_MS).unref();
  void nc.closed().then(() => {
    closed = true;
    clearInterval(sweep);
    failAll('the NATS connection closed');
  });

  return {
    publish(subject, payload, { msgID, timeout, headers }) {
      if (closed) return Promise.reject(new Error('the NATS connection closed'));
      const token = (next++).toString(36);
      const sent = headers ?? natsHeaders();
      sent.set('Nats-Msg-Id', msgID);
      return new Promise<PubAck>((resolve, reject) => {
        waiting.set(token, { resolve, reject, deadline: Date.now() + timeout });
        try {
          nc.publish(subject, payload, { reply: `${inbox}.${token}`, headers: sent });
        } catch (error) {
          waiting.delete(token);
          reject(error instanceof Error ? error : new Error(String(error)));
        }
      });
    },
    close() {
      closed = true;
      clearInterval(sweep);
      subscription.unsubscribe();
      failAll('the publisher closed');
    },
  };
}

import { GENERIC_INTERNAL_MESSAGE, ERROR_CODES, isAppError } from '@wa/pkg/errors';
import type { Logger } from '@wa/pkg/log';
import {
  encodeErrorFrame,
  encodeServerFrame,
  parseClientFrame,
  type ClientFrame,
} from '@wa/pkg/ws';
import type { MessagingService } from '../service/messaging-service.ts';
import type { PresenceService } from '../service/presence-service.ts';
import type { TypingService } from '../service/typing-service.ts';
import type { Connection } from './connection.ts';

export interface FrameHandlerDeps {
  messaging: MessagingService;
  typing: TypingService;
  presence: Pick<PresenceService, 'subscribe'>;
  maxFrameBytes: number;
  log: Logger;
  /** Told of every client frame, by event (`invalid` when it did not parse). */
  onFrame?: (event: string) => void;
}

/** The `error` frame for any failure: AppErrors keep their code and (4xx) message (addenda F). */
export function errorFrame(error: unknown, reqId: string | undefined, log: Logger): string {
  if (isAppError(error)) {
    if (ERROR_CODES[error.code].http >= 500)
      log.warn({ err: error }, 'frame failed on a dependency');
    const message = error.code === 'INTERNAL_ERROR' ? GENERIC_INTERNAL_MESSAGE : error.message;
    return encodeErrorFrame(error.code, message, reqId);
  }
  log.error({ err: error }, 'frame handler failed');
  return encodeErrorFrame('INTERNAL_ERROR', GENERIC_INTERNAL_MESSAGE, reqId);
}

/** One handler per client event (PRD §7.3): parse, call one service function, answer. Thin. */
export function createFrameHandlers({
  messaging,
  typing,
  presence,
  maxFrameBytes,
  log,
  onFrame,
}: FrameHandlerDeps) {
  async function dispatch(connection: Connection, frame: ClientFrame): Promise<void> {
    const { userId } = connection;
    const reqId = frame.req_id;
    // An ack names the frame it answers by its req_id; without one it could tell the client nothing
    // (frames are answered out of order), so a frame sent without req_id is fire-and-forget: a
    // receipt costs no frame back. A failure is still answered by `error`.
    const ack = () => {
      if (reqId !== undefined) connection.push(encodeServerFrame('ack', {}, reqId));
    };
    switch (frame.event) {
      case 'ping':
        connection.push(encodeServerFrame('pong', {}, reqId));
        return;
      case 'auth':
        connection.push(encodeErrorFrame('VALIDATION_ERROR', 'Already authenticated', reqId));
        return;
      case 'message.send':
        connection.push(
          encodeServerFrame('message.sent', await messaging.send(userId, frame.data), reqId),
        );
        return;
      case 'message.delivered':
        await messaging.delivered(userId, frame.data.message_ids);
        return ack();
      case 'message.read':
        await messaging.read(userId, frame.data);
        return ack();
      case 'message.delete':
        await messaging.remove(userId, frame.data);
        return ack();
      case 'typing.start':
      case 'typing.stop':
        await typing.setTyping(userId, frame.data.chat_id, frame.event === 'typing.start');
        return ack();
      case 'presence.subscribe':
        for (const current of await presence.subscribe(userId, frame.data.user_ids))
          connection.push(encodeServerFrame('presence', current, reqId));
        return ack();
    }
  }

  return {
    /** Handles one text frame of an authenticated socket; never throws. */
    async handle(connection: Connection, text: string): Promise<void> {
      const parsed = parseClientFrame(text, maxFrameBytes);
      onFrame?.(parsed.ok ? parsed.frame.event : 'invalid');
      if (!parsed.ok) {
        connection.push(encodeErrorFrame(parsed.code, parsed.message, parsed.req_id));
        return;
      }
      try {
        await dispatch(connection, parsed.frame);
      } catch (error) {
        connection.push(errorFrame(error, parsed.frame.req_id, log));
      }
    },
  };
}

export type FrameHandlers = ReturnType<typeof createFrameHandlers>;

import { createRemote, type Client, type MessageService } from '@wa/pkg/grpc';
import type { MessagePayload, MessageType } from '@wa/pkg/bus';
import type { Logger } from '@wa/pkg/log';
import { encodeServerFrame } from '@wa/pkg/ws';
import type { LocalConnection } from './registry.ts';
import { replayContinues } from './rules.ts';

/** The socket a backlog is replayed to. */
export type ReplayTarget = Pick<LocalConnection, 'push' | 'drained'>;

export interface ReplayDeps {
  messages: Client<typeof MessageService>;
  pageSize: number;
  log: Logger;
}

const decoder = new TextDecoder();

function decodePayload(bytes: Uint8Array): MessagePayload {
  try {
    return JSON.parse(decoder.decode(bytes)) as MessagePayload;
  } catch {
    return {};
  }
}

/**
 * At-least-once (issue 5): on connect, every message addressed to the user that none of their
 * devices acknowledged, oldest first, one bounded page at a time, waiting for the socket to drain
 * before asking for the next page. Returns how many frames were sent.
 */
export function createReplayService({ messages, pageSize, log }: ReplayDeps) {
  const remote = createRemote<typeof MessageService>('message-service', messages);
  return {
    async replay(userId: string, target: ReplayTarget): Promise<number> {
      let after = '';
      let sent = 0;
      for (;;) {
        const page = await remote.call((rpc) =>
          rpc.listUndelivered({ userId, after, limit: pageSize }),
        );
        for (const message of page.messages) {
          target.push(
            encodeServerFrame('message.new', {
              message_id: message.messageId,
              chat_id: message.chatId,
              sender_id: message.senderId,
              type: message.type as MessageType,
              payload: decodePayload(message.payload),
              timestamp: new Date(Number(message.timestamp)).toISOString(),
              ...(message.replyToMessageId
                ? { reply_to_message_id: message.replyToMessageId }
                : {}),
              ...(message.forwarded ? { forwarded: true } : {}),
            }),
          );
        }
        sent += page.messages.length;
        if (!replayContinues(page.messages.length, page.next)) break;
        if (!(await target.drained())) break;
        after = page.next;
      }
      if (sent > 0) log.debug({ user_id: userId, sent }, 'backlog replayed');
      return sent;
    },
  };
}

export type ReplayService = ReturnType<typeof createReplayService>;

import type { Logger } from '@wa/pkg/log';
import { encodeServerFrame } from '@wa/pkg/ws';
import type { MessageRemote } from '../repository/message-remote.ts';
import type { LocalConnection } from './registry.ts';
import { messageMarks, replayContinues } from './rules.ts';

/** The socket a backlog is replayed to. */
export type ReplayTarget = Pick<LocalConnection, 'push' | 'drained'>;

export interface ReplayDeps {
  messages: Pick<MessageRemote, 'undelivered'>;
  pageSize: number;
  log: Logger;
}

/**
 * At-least-once (issue 5): on connect, every message addressed to the user that none of their
 * devices acknowledged, oldest first, one bounded page at a time, waiting for the socket to drain
 * before asking for the next page. Returns how many frames were sent.
 */
export function createReplayService({ messages, pageSize, log }: ReplayDeps) {
  return {
    async replay(userId: string, target: ReplayTarget): Promise<number> {
      let after: string | undefined;
      let sent = 0;
      for (;;) {
        const page = await messages.undelivered(userId, after, pageSize);
        for (const message of page.messages) {
          target.push(
            encodeServerFrame('message.new', {
              message_id: message.messageId,
              chat_id: message.chatId,
              sender_id: message.senderId,
              type: message.type,
              payload: message.payload,
              timestamp: message.createdAt.toISOString(),
              ...messageMarks(message.replyToMessageId, message.forwarded),
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

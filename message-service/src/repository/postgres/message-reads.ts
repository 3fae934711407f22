import type { PgPool } from '@wa/pkg/db';
import { isUuid } from '@wa/pkg/uuid';
import type { MessageDoc, MessageKey } from '../../model/message.ts';
import type { MessageReads } from '../message-store.ts';
import {
  documentsQuery,
  MESSAGE_COLUMNS,
  NEWEST_FIRST,
  OLDEST_FIRST,
  toMessageDoc,
  type DocumentRow,
} from './message-rows.ts';

/*
 * The store's reads, one statement each. The hot ones are named prepared statements (planned
 * once per connection); search stays unnamed so each plan sees its terms (docs/benchmarks.md).
 */

const NOT_HIDDEN_FROM = (viewer: string) =>
  `NOT EXISTS (SELECT 1 FROM message_hidden h WHERE h.message_id = m.message_id AND h.user_id = ${viewer})`;

const byId = documentsQuery(
  `SELECT ${MESSAGE_COLUMNS} FROM messages m WHERE m.message_id = $1`,
  NEWEST_FIRST,
);

const byClientId = documentsQuery(
  `SELECT ${MESSAGE_COLUMNS} FROM messages m WHERE m.sender_id = $1 AND m.client_msg_id = $2`,
  NEWEST_FIRST,
);

/** $1 chat, $2 viewer, $3 limit[, $4 created_at, $5 message_id of the key before]. */
const historyPage = (keyset: boolean) =>
  documentsQuery(
    `SELECT ${MESSAGE_COLUMNS} FROM messages m
     WHERE m.chat_id = $1 AND ${NOT_HIDDEN_FROM('$2')}
       ${keyset ? 'AND (m.created_at, m.message_id) < ($4::timestamptz, $5::uuid)' : ''}
     ORDER BY m.created_at DESC, m.message_id DESC LIMIT $3`,
    NEWEST_FIRST,
    '$2',
  );

/** $1 user, $2 limit[, $3, $4 the key before]. */
const starredPage = (keyset: boolean) =>
  documentsQuery(
    `SELECT ${MESSAGE_COLUMNS} FROM message_stars s JOIN messages m ON m.message_id = s.message_id
     WHERE s.user_id = $1 AND ${NOT_HIDDEN_FROM('$1')}
       ${keyset ? 'AND (s.created_at, s.message_id) < ($3::timestamptz, $4::uuid)' : ''}
     ORDER BY s.created_at DESC, s.message_id DESC LIMIT $2`,
    NEWEST_FIRST,
    '$1',
  );

/** $1 user, $2 limit[, $3, $4 the key after]: the backlog's partial index, oldest first. */
const undeliveredPage = (keyset: boolean) =>
  documentsQuery(
    `SELECT ${MESSAGE_COLUMNS} FROM message_recipients o JOIN messages m ON m.message_id = o.message_id
     WHERE o.user_id = $1 AND o.owed
       ${keyset ? 'AND (o.created_at, o.message_id) > ($3::timestamptz, $4::uuid)' : ''}
     ORDER BY o.created_at, o.message_id LIMIT $2`,
    OLDEST_FIRST,
    '$1',
  );

/*
 * $1 chat, $2 viewer, $3 the terms joined by spaces, $4 limit. The text is split and lower-cased
 * exactly as the `words` column is (migration 0005) and each word quoted as a lexeme: every word
 * must be present. Immutable functions of a parameter only, so the (unnamed, custom) plan folds
 * the tsquery into a constant whose selectivity picks the index: (chat_id, words) for a rare word,
 * the chat's history order for a common one.
 */
const search = documentsQuery(
  `SELECT ${MESSAGE_COLUMNS} FROM messages m
   WHERE m.chat_id = $1 AND NOT m.is_deleted AND ${NOT_HIDDEN_FROM('$2')}
     AND m.words @@ replace(regexp_replace(
       trim(regexp_replace(lower($3::text), '[^[:alnum:]_]+', ' ', 'g')),
       '([^ ]+)', '''\\1''', 'g'), ' ', ' & ')::tsquery
   ORDER BY m.created_at DESC, m.message_id DESC LIMIT $4`,
  NEWEST_FIRST,
  '$2',
);

/** $1 chat, $2 user, $3 created_at of the anchor. */
const latestFromOthers = documentsQuery(
  `SELECT ${MESSAGE_COLUMNS} FROM messages m
   WHERE m.chat_id = $1 AND m.sender_id <> $2 AND m.created_at <= $3
   ORDER BY m.created_at DESC, m.message_id DESC LIMIT 1`,
  NEWEST_FIRST,
);

const HISTORY = historyPage(false);
const HISTORY_BEFORE = historyPage(true);
const STARRED = starredPage(false);
const STARRED_BEFORE = starredPage(true);
const UNDELIVERED = undeliveredPage(false);
const UNDELIVERED_AFTER = undeliveredPage(true);

/** Statement texts, for EXPLAIN in bench/message-store-postgres.bench.ts. */
export const READ_STATEMENTS = { history: HISTORY, historyBefore: HISTORY_BEFORE, search } as const;

const keyValues = (key: MessageKey | undefined) =>
  key ? [key.created_at.toISOString(), key.message_id] : [];

export function createMessageReads(pool: PgPool): MessageReads {
  async function documents(name: string | undefined, text: string, values: unknown[]) {
    const { rows } = await pool.query<DocumentRow>(
      name ? { name, text, values } : { text, values },
    );
    return rows.map(toMessageDoc);
  }
  const first = (docs: MessageDoc[]) => docs[0] ?? null;

  return {
    async findById(messageId) {
      if (!isUuid(messageId)) return null;
      return first(await documents('msgstore_by_id', byId, [messageId]));
    },

    async findByClientId(senderId, clientMsgId) {
      if (!isUuid(senderId)) return null;
      return first(await documents('msgstore_by_client_id', byClientId, [senderId, clientMsgId]));
    },

    history: (chatId, viewerId, before, limit) =>
      before
        ? documents('msgstore_history_before', HISTORY_BEFORE, [
            chatId,
            viewerId,
            limit,
            ...keyValues(before),
          ])
        : documents('msgstore_history', HISTORY, [chatId, viewerId, limit]),

    async search(chatId, viewerId, terms, limit) {
      if (!terms.length) return [];
      return documents(undefined, search, [chatId, viewerId, terms.join(' '), limit]);
    },

    starred: (userId, before, limit) =>
      documents(
        before ? 'msgstore_starred_before' : 'msgstore_starred',
        before ? STARRED_BEFORE : STARRED,
        [userId, limit, ...keyValues(before)],
      ),

    undelivered: (userId, after, limit) =>
      documents(
        after ? 'msgstore_undelivered_after' : 'msgstore_undelivered',
        after ? UNDELIVERED_AFTER : UNDELIVERED,
        [userId, limit, ...keyValues(after)],
      ),

    async latestFromOthers(chatId, userId, upTo) {
      return first(
        await documents('msgstore_latest_from_others', latestFromOthers, [
          chatId,
          userId,
          upTo.created_at.toISOString(),
        ]),
      );
    },
  };
}

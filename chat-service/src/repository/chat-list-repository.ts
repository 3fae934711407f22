import type { Queryable } from '@wa/pkg/db';
import type { ChatListPosition, ChatListRow } from '../model/chat.ts';

/*
 * A user's chat list in one statement: a backward range scan of
 * idx_chat_participants_user_activity (user_id, last_activity_at, chat_id) that stops after
 * `limit` rows, each joined to its chat and group by primary key. Its cost follows the page
 * size, not the number of chats the user has. The last message and the unread count are
 * columns kept up to date from message events, so nothing else is asked.
 */
const LIST_SQL = `
  SELECT p.chat_id, c.type, g.name, g.avatar_url,
         CASE WHEN c.type = 'direct' THEN
           CASE WHEN c.direct_user_low = p.user_id THEN c.direct_user_high ELSE c.direct_user_low END
         END AS other_user_id,
         c.last_message_id, c.last_message_sender_id, c.last_message_type,
         c.last_message_preview, c.last_message_at,
         p.unread_count, p.is_muted, p.mute_until, p.last_activity_at,
         to_char(p.last_activity_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS activity_key
  FROM chat_participants p
  JOIN chats c ON c.id = p.chat_id
  LEFT JOIN groups g ON g.chat_id = p.chat_id
  WHERE p.user_id = $1 %AFTER%
  ORDER BY p.last_activity_at DESC, p.chat_id DESC
  LIMIT $2`;

const FIRST_PAGE = LIST_SQL.replace('%AFTER%', '');
const NEXT_PAGE = LIST_SQL.replace(
  '%AFTER%',
  'AND (p.last_activity_at, p.chat_id) < ($3::timestamptz, $4::uuid)',
);

export function createChatListRepository() {
  return {
    /** Newest activity first, strictly after `after` when given. */
    async page(
      db: Queryable,
      userId: string,
      limit: number,
      after?: ChatListPosition,
    ): Promise<ChatListRow[]> {
      const { rows } = after
        ? await db.query<ChatListRow>(NEXT_PAGE, [userId, limit, after.activityKey, after.chatId])
        : await db.query<ChatListRow>(FIRST_PAGE, [userId, limit]);
      return rows;
    },
  };
}

export type ChatListRepository = ReturnType<typeof createChatListRepository>;

/** For the EXPLAIN test and the benchmark notes. */
export const CHAT_LIST_SQL = { first: FIRST_PAGE, next: NEXT_PAGE };

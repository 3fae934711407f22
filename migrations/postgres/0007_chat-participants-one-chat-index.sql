-- Up Migration
-- chat_participants had two indexes leading with chat_id: the unique (chat_id, user_id) and a
-- plain (chat_id). The unique one serves every lookup by chat, so the plain one only cost a
-- write: every message changes each participant's last_activity_at, which is indexed, so each of
-- those updates inserted into every index of the table (docs/benchmarks.md).
DROP INDEX IF EXISTS idx_chat_participants_chat;

-- Down Migration
CREATE INDEX IF NOT EXISTS idx_chat_participants_chat ON chat_participants (chat_id);

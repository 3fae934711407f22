-- Up Migration
-- chat-service (issue 4): one direct chat per pair enforced by the database, the chat list's
-- last message and unread counters kept next to the chats, the message log that keeps those
-- counters exact, and the transactional outbox for events.

-- A direct chat records its pair in a canonical order (low < high); the partial unique index
-- makes two simultaneous "create chat with X" requests end in the same row.
ALTER TABLE chats
    ADD COLUMN direct_user_low        UUID REFERENCES users(id) ON DELETE CASCADE,
    ADD COLUMN direct_user_high       UUID REFERENCES users(id) ON DELETE CASCADE,
    -- The newest message, from msg.new events (ordered by last_message_at, then last_message_id).
    ADD COLUMN last_message_id        UUID,
    ADD COLUMN last_message_sender_id UUID,
    ADD COLUMN last_message_type      VARCHAR(10),
    ADD COLUMN last_message_preview   TEXT,
    ADD COLUMN last_message_at        TIMESTAMPTZ,
    ADD CONSTRAINT chats_direct_pair CHECK (
        (type = 'direct' AND direct_user_low IS NOT NULL AND direct_user_high IS NOT NULL
            AND direct_user_low < direct_user_high)
        OR (type = 'group' AND direct_user_low IS NULL AND direct_user_high IS NULL)
    );
CREATE UNIQUE INDEX idx_chats_direct_pair ON chats (direct_user_low, direct_user_high)
    WHERE type = 'direct';

-- Per member: unread messages, how far they have read, and the chat's last activity as this
-- member's sort key, so a user's chat list is one range scan of the index below.
ALTER TABLE chat_participants
    ADD COLUMN unread_count     INTEGER NOT NULL DEFAULT 0 CHECK (unread_count >= 0),
    ADD COLUMN last_read_at     TIMESTAMPTZ,
    ADD COLUMN last_activity_at TIMESTAMPTZ NOT NULL DEFAULT NOW();
-- Supersedes idx_chat_participants_user (its leading column is the same).
DROP INDEX idx_chat_participants_user;
CREATE INDEX idx_chat_participants_user_activity
    ON chat_participants (user_id, last_activity_at, chat_id);

-- One row per message (the messages themselves live in MongoDB): recounting a reader's unread
-- messages after a cumulative read, and dropping a redelivered msg.new, need no other service.
CREATE TABLE chat_message_log (
    message_id UUID PRIMARY KEY,
    chat_id    UUID NOT NULL REFERENCES chats(id) ON DELETE CASCADE,
    sender_id  UUID NOT NULL,
    created_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX idx_chat_message_log_chat_time ON chat_message_log (chat_id, created_at, sender_id);

-- Events written in the same transaction as the change they describe; a relay publishes them to
-- JetStream oldest first and deletes each once acknowledged (pkg/src/bus/outbox.ts).
CREATE TABLE event_outbox (
    id         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    event_id   UUID NOT NULL UNIQUE,
    subject    TEXT NOT NULL,
    payload    JSONB NOT NULL,
    attempts   INTEGER NOT NULL DEFAULT 0,
    last_error TEXT,
    created_at TIMESTAMPTZ NOT NULL DEFAULT NOW()
);

-- Down Migration
DROP TABLE IF EXISTS event_outbox, chat_message_log;
DROP INDEX IF EXISTS idx_chat_participants_user_activity;
CREATE INDEX IF NOT EXISTS idx_chat_participants_user ON chat_participants(user_id);
ALTER TABLE chat_participants
    DROP COLUMN IF EXISTS last_activity_at,
    DROP COLUMN IF EXISTS last_read_at,
    DROP COLUMN IF EXISTS unread_count;
DROP INDEX IF EXISTS idx_chats_direct_pair;
ALTER TABLE chats
    DROP CONSTRAINT IF EXISTS chats_direct_pair,
    DROP COLUMN IF EXISTS last_message_at,
    DROP COLUMN IF EXISTS last_message_preview,
    DROP COLUMN IF EXISTS last_message_type,
    DROP COLUMN IF EXISTS last_message_sender_id,
    DROP COLUMN IF EXISTS last_message_id,
    DROP COLUMN IF EXISTS direct_user_high,
    DROP COLUMN IF EXISTS direct_user_low;

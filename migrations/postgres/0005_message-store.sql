-- Up Migration
-- The message-service's native PostgreSQL store (addenda K; message-service/src/repository/
-- postgres/). A MessageDoc is spread over four tables: the message, one row per recipient for
-- delivery state, and who deleted it for themselves or starred it. Timestamps are written from JS
-- Dates, so they carry milliseconds only and read back exactly.

CREATE TABLE messages (
    message_id          UUID PRIMARY KEY,
    chat_id             UUID NOT NULL,
    sender_id           UUID NOT NULL,
    client_msg_id       TEXT NOT NULL,
    type                TEXT NOT NULL
        CHECK (type IN ('text', 'image', 'video', 'audio', 'document', 'system')),
    payload             JSONB NOT NULL,
    reply_to_message_id UUID,
    forwarded           BOOLEAN NOT NULL DEFAULT FALSE,
    forwarded_from      JSONB,
    is_deleted          BOOLEAN NOT NULL DEFAULT FALSE,
    created_at          TIMESTAMPTZ NOT NULL,
    updated_at          TIMESTAMPTZ NOT NULL,
    event_id            UUID NOT NULL,
    -- Search: the words (runs of letters, digits and underscore) of the body and the caption,
    -- lower-cased, as lexemes. The `simple` text-search parser would cut `foo_bar` in two and keep
    -- `bob@example.com` or `3.14` whole, so a term could miss a word it is; splitting on the
    -- contract's own word boundary matches every term as a whole word, no more, no less.
    words               TSVECTOR GENERATED ALWAYS AS (array_to_tsvector(array_remove(
        regexp_split_to_array(
            lower(coalesce(payload ->> 'body', '') || ' ' || coalesce(payload ->> 'caption', '')),
            '[^[:alnum:]_]+'),
        ''))) STORED,
    CONSTRAINT messages_sender_client_msg_id UNIQUE (sender_id, client_msg_id)
);
-- History pages: a keyset range scan, as deep as the chat goes.
CREATE INDEX idx_messages_chat_history ON messages (chat_id, created_at DESC, message_id DESC);

-- Search is always within one chat: one GIN index over (chat_id, words), so a rare word in a
-- big chat, or a word common elsewhere, is found from the index alone. btree_gin (a trusted
-- extension: the database owner may create it) gives GIN its uuid equality.
CREATE EXTENSION IF NOT EXISTS btree_gin;
CREATE INDEX idx_messages_chat_words ON messages USING GIN (chat_id, words);

-- Delivery state, one row per recipient (every participant but the sender at send time).
-- chat_id and created_at are the message's (never change), copied so the backlog and
-- "read up to" are index range scans of this table alone.
CREATE TABLE message_recipients (
    message_id     UUID NOT NULL REFERENCES messages (message_id) ON DELETE CASCADE,
    user_id        UUID NOT NULL,
    chat_id        UUID NOT NULL,
    created_at     TIMESTAMPTZ NOT NULL,
    status         TEXT NOT NULL CHECK (status IN ('sent', 'delivered', 'read')),
    updated_at     TIMESTAMPTZ NOT NULL,
    -- Read while the reader had read receipts off (addenda E).
    receipt_hidden BOOLEAN NOT NULL DEFAULT FALSE,
    -- No device of the recipient acknowledged the message yet (ListUndelivered).
    owed           BOOLEAN NOT NULL DEFAULT TRUE,
    PRIMARY KEY (message_id, user_id)
);
-- A user's undelivered backlog, oldest first; acknowledged rows leave the index.
CREATE INDEX idx_message_recipients_owed ON message_recipients (user_id, created_at, message_id)
    WHERE owed;
-- "Read up to": a reader's messages of one chat not read yet.
CREATE INDEX idx_message_recipients_unread ON message_recipients (user_id, chat_id, created_at)
    WHERE status <> 'read';

-- Deleted for one user only.
CREATE TABLE message_hidden (
    message_id UUID NOT NULL REFERENCES messages (message_id) ON DELETE CASCADE,
    user_id    UUID NOT NULL,
    PRIMARY KEY (message_id, user_id)
);

-- Starred, with the message's created_at copied for the user's starred list (keyset).
CREATE TABLE message_stars (
    message_id UUID NOT NULL REFERENCES messages (message_id) ON DELETE CASCADE,
    user_id    UUID NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (message_id, user_id)
);
CREATE INDEX idx_message_stars_user ON message_stars (user_id, created_at DESC, message_id DESC);

-- The message-service's events, written in the transaction of the change they describe.
CREATE TABLE message_outbox (LIKE user_outbox INCLUDING ALL);

-- Down Migration
-- btree_gin stays: other objects may have come to use it.
DROP TABLE IF EXISTS message_outbox, message_stars, message_hidden, message_recipients, messages;

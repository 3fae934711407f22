-- Up Migration
-- user-service (issue 3): last seen, a block list kept apart from the address book, and the
-- device platforms the API accepts.

-- Persisted when a user's last connection closes; NULL until the user has been online once.
ALTER TABLE users ADD COLUMN last_seen_at TIMESTAMPTZ NULL;

-- PRD §5.1 marks a block with contacts.is_blocked, which would make blocking someone outside
-- your address book create a contact row, and privacy "contacts" would then include people you
-- only ever blocked. A block is its own fact: contacts are the address book, blocks the block
-- list; privacy rules read both.
CREATE TABLE blocks (
    blocker_id UUID NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    blocked_id UUID NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    created_at TIMESTAMPTZ NOT NULL DEFAULT NOW(),
    PRIMARY KEY (blocker_id, blocked_id),
    CONSTRAINT blocks_not_self CHECK (blocker_id <> blocked_id)
);
-- For the cascade when a blocked user is deleted.
CREATE INDEX idx_blocks_blocked ON blocks(blocked_id);

INSERT INTO blocks (blocker_id, blocked_id)
SELECT user_id, contact_id FROM contacts WHERE is_blocked AND user_id <> contact_id
ON CONFLICT DO NOTHING;
ALTER TABLE contacts DROP COLUMN is_blocked;

ALTER TABLE device_tokens
    ADD CONSTRAINT device_tokens_platform_check CHECK (platform IN ('android', 'ios', 'web'));

-- Down Migration
ALTER TABLE device_tokens DROP CONSTRAINT IF EXISTS device_tokens_platform_check;
ALTER TABLE contacts ADD COLUMN is_blocked BOOLEAN NOT NULL DEFAULT FALSE;
INSERT INTO contacts (user_id, contact_id, is_blocked)
SELECT blocker_id, blocked_id, TRUE FROM blocks
ON CONFLICT (user_id, contact_id) DO UPDATE SET is_blocked = TRUE;
DROP TABLE IF EXISTS blocks;
ALTER TABLE users DROP COLUMN IF EXISTS last_seen_at;

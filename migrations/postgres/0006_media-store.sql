-- Up Migration
-- The media-service's native PostgreSQL store (addenda K; media-service/src/repository/postgres/):
-- each upload's metadata (PRD §5.2 `media`) and the chats holding a message that references it.

CREATE TABLE media (
    media_id          UUID PRIMARY KEY,
    uploader_id       UUID NOT NULL,
    file_type         TEXT NOT NULL CHECK (file_type IN ('image', 'video', 'audio', 'document')),
    mime_type         TEXT NOT NULL,
    original_filename TEXT NOT NULL,
    size_bytes        BIGINT NOT NULL CHECK (size_bytes >= 0),
    width             INTEGER,
    height            INTEGER,
    duration_ms       INTEGER,
    checksum_sha256   TEXT NOT NULL,
    storage_key       TEXT NOT NULL,
    thumbnail_key     TEXT,
    created_at        TIMESTAMPTZ NOT NULL,
    -- Set by the first message that references it; only unreferenced uploads are ever cleaned up.
    referenced        BOOLEAN NOT NULL DEFAULT FALSE
);
CREATE INDEX idx_media_uploader ON media (uploader_id, created_at);
-- The orphan sweep reads only what no message references, oldest first.
CREATE INDEX idx_media_orphans ON media (created_at) WHERE NOT referenced;

CREATE TABLE media_references (
    media_id      UUID NOT NULL,
    chat_id       UUID NOT NULL,
    referenced_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (media_id, chat_id)
);

-- Down Migration
DROP TABLE IF EXISTS media_references, media;

-- Up Migration
-- Each service owns its outbox: the user-service's events go through user_outbox, the
-- chat-service's through chat_outbox, each relayed under its own lock (pkg/src/bus/outbox-relay.ts),
-- so neither service publishes, or waits behind, the other's events.

CREATE TABLE user_outbox (
    id         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    event_id   UUID NOT NULL UNIQUE,
    subject    TEXT NOT NULL,
    payload    JSONB NOT NULL,
    attempts   INTEGER NOT NULL DEFAULT 0,
    last_error TEXT,
    created_at TIMESTAMPTZ NOT NULL DEFAULT NOW()
);
CREATE TABLE chat_outbox (LIKE user_outbox INCLUDING ALL);

-- Events still waiting move to their service's table in their original order.
INSERT INTO user_outbox (event_id, subject, payload, attempts, last_error, created_at)
SELECT event_id, subject, payload, attempts, last_error, created_at
FROM event_outbox WHERE subject LIKE 'user.%' ORDER BY id;
INSERT INTO chat_outbox (event_id, subject, payload, attempts, last_error, created_at)
SELECT event_id, subject, payload, attempts, last_error, created_at
FROM event_outbox WHERE subject NOT LIKE 'user.%' ORDER BY id;
DROP TABLE event_outbox;

-- Down Migration
CREATE TABLE event_outbox (LIKE chat_outbox INCLUDING ALL);
INSERT INTO event_outbox (event_id, subject, payload, attempts, last_error, created_at)
SELECT event_id, subject, payload, attempts, last_error, created_at FROM (
    SELECT * FROM user_outbox UNION ALL SELECT * FROM chat_outbox
) AS pending ORDER BY created_at;
DROP TABLE chat_outbox, user_outbox;

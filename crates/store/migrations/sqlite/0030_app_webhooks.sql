-- Application webhooks (issue 12, ADR 0031): an application is told when a character's
-- account gains or loses a group it sees. Keep table and column names identical to the
-- PostgreSQL migration 0031 (a test compares them).

-- An application's webhook. sealed_secret is the signing secret sealed with the token keys
-- (it must be read to sign); primed: the memberships the application sees were recorded once.
CREATE TABLE app_webhooks (
    app_id        INTEGER PRIMARY KEY REFERENCES apps (id) ON DELETE CASCADE,
    url           TEXT    NOT NULL,
    enabled       BOOLEAN NOT NULL,
    sealed_secret BLOB,
    primed        BOOLEAN NOT NULL,
    changed_at    INTEGER NOT NULL
);
-- What each application with a webhook last saw: the outbox's memory. A scan compares it with
-- the memberships as they are now, writes the difference as a delivery and this table in one
-- transaction (so nothing is lost or sent twice across restarts and instances).
CREATE TABLE app_webhook_seen (
    app_id       INTEGER NOT NULL REFERENCES apps (id) ON DELETE CASCADE,
    character_id INTEGER NOT NULL,
    group_id     INTEGER NOT NULL,
    account_id   INTEGER NOT NULL,
    PRIMARY KEY (app_id, character_id, group_id, account_id)
);
-- Every POST to a webhook, in the order they go out per application (id).
CREATE TABLE app_webhook_deliveries (
    id              INTEGER PRIMARY KEY,
    app_id          INTEGER NOT NULL REFERENCES apps (id) ON DELETE CASCADE,
    event_id        TEXT    NOT NULL UNIQUE,
    payload         TEXT    NOT NULL,
    status          TEXT    NOT NULL,
    attempts        INTEGER NOT NULL,
    created_at      INTEGER NOT NULL,
    next_attempt_at INTEGER NOT NULL,
    last_attempt_at INTEGER,
    last_status     INTEGER,
    last_error      TEXT
);
CREATE INDEX app_webhook_deliveries_by_app ON app_webhook_deliveries (app_id, status, id);

-- Jumpgate's schema for SQLite. Keep table and column names identical to the PostgreSQL
-- migrations (a test compares them).
--
-- Times are INTEGER Unix microseconds (UTC), so they compare and sort exactly and round-trip
-- the same values PostgreSQL's TIMESTAMPTZ keeps. EVE ids are 64-bit (INTEGER is 64-bit here).
-- AUTOINCREMENT keeps ids from being reused after deletes (a finished job's id must never
-- come back while a worker may still refer to it).

CREATE TABLE accounts (
    id                INTEGER PRIMARY KEY AUTOINCREMENT,
    -- Circular with characters.account_id; SQLite resolves the reference lazily.
    main_character_id BIGINT REFERENCES characters (id) ON DELETE SET NULL,
    superuser         BOOLEAN NOT NULL DEFAULT 0,
    state             TEXT    NOT NULL DEFAULT 'Guest',
    email             TEXT,
    email_verified    BOOLEAN NOT NULL DEFAULT 0,
    timezone          TEXT,
    created_at        INTEGER NOT NULL
);

CREATE TABLE characters (
    id              INTEGER PRIMARY KEY,
    account_id      BIGINT  NOT NULL REFERENCES accounts (id),
    name            TEXT    NOT NULL,
    owner_hash      TEXT    NOT NULL,
    corporation_id  BIGINT  NOT NULL,
    alliance_id     BIGINT,
    faction_id      BIGINT,
    added_at        INTEGER NOT NULL,
    last_checked_at INTEGER
);
CREATE INDEX characters_account ON characters (account_id);
CREATE INDEX characters_lower_name ON characters (lower(name));
CREATE INDEX characters_corporation ON characters (corporation_id);
CREATE INDEX characters_alliance ON characters (alliance_id);

CREATE TABLE removed_characters (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    character_id     BIGINT  NOT NULL,
    character_name   TEXT    NOT NULL,
    from_account_id  BIGINT  NOT NULL REFERENCES accounts (id),
    to_account_id    BIGINT  REFERENCES accounts (id),
    reason           TEXT    NOT NULL,
    actor_account_id BIGINT,
    removed_at       INTEGER NOT NULL
);
CREATE INDEX removed_characters_from ON removed_characters (from_account_id, removed_at);

CREATE TABLE corporations (
    id           INTEGER PRIMARY KEY,
    name         TEXT    NOT NULL,
    ticker       TEXT    NOT NULL,
    alliance_id  BIGINT,
    member_count BIGINT,
    expires_at   INTEGER NOT NULL
);

CREATE TABLE alliances (
    id         INTEGER PRIMARY KEY,
    name       TEXT    NOT NULL,
    ticker     TEXT    NOT NULL,
    expires_at INTEGER NOT NULL
);

CREATE TABLE tokens (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    character_id    BIGINT  NOT NULL REFERENCES characters (id) ON DELETE CASCADE,
    login           TEXT    NOT NULL,
    access_token    BLOB    NOT NULL,
    refresh_token   BLOB,
    expires_at      INTEGER NOT NULL,
    scopes          TEXT    NOT NULL,
    owner_hash      TEXT    NOT NULL,
    status          TEXT    NOT NULL DEFAULT 'valid'
                    CHECK (status IN ('valid', 'invalid', 'revoked')),
    status_reason   TEXT,
    created_at      INTEGER NOT NULL,
    last_checked_at INTEGER,
    -- The refresh lease: one refresher per token across every process.
    lease_holder    TEXT,
    lease_until     INTEGER,
    UNIQUE (character_id, login)
);
CREATE INDEX tokens_expiring ON tokens (status, expires_at);

CREATE TABLE states (
    id       INTEGER PRIMARY KEY AUTOINCREMENT,
    name     TEXT    NOT NULL UNIQUE,
    priority INTEGER NOT NULL
);

CREATE TABLE state_criteria (
    state_id  BIGINT NOT NULL REFERENCES states (id) ON DELETE CASCADE,
    kind      TEXT   NOT NULL CHECK (kind IN ('character', 'corporation', 'alliance', 'faction')),
    entity_id BIGINT NOT NULL,
    PRIMARY KEY (state_id, kind, entity_id)
);

CREATE TABLE state_permissions (
    state_id   BIGINT NOT NULL REFERENCES states (id) ON DELETE CASCADE,
    permission TEXT   NOT NULL,
    PRIMARY KEY (state_id, permission)
);

CREATE TABLE account_permissions (
    account_id BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    permission TEXT   NOT NULL,
    PRIMARY KEY (account_id, permission)
);

CREATE TABLE sessions (
    id         TEXT    PRIMARY KEY,
    account_id BIGINT  REFERENCES accounts (id) ON DELETE CASCADE,
    data       TEXT    NOT NULL,
    expires_at INTEGER NOT NULL
);
CREATE INDEX sessions_account ON sessions (account_id);
CREATE INDEX sessions_expires ON sessions (expires_at);

CREATE TABLE jobs (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    kind         TEXT    NOT NULL,
    payload      TEXT    NOT NULL,
    status       TEXT    NOT NULL DEFAULT 'queued'
                 CHECK (status IN ('queued', 'running', 'failed')),
    run_at       INTEGER NOT NULL,
    dedupe_key   TEXT,
    attempts     INTEGER NOT NULL DEFAULT 0,
    max_attempts INTEGER NOT NULL,
    locked_by    TEXT,
    locked_until INTEGER,
    last_error   TEXT,
    created_at   INTEGER NOT NULL
);
-- A periodic job scheduled by N processes is queued once; a failed one does not block it.
CREATE UNIQUE INDEX jobs_dedupe ON jobs (dedupe_key) WHERE status IN ('queued', 'running');
CREATE INDEX jobs_due ON jobs (status, run_at);

CREATE TABLE audit_log (
    -- Assigned by the writer (last id + 1) because the id is part of the hash.
    id        INTEGER PRIMARY KEY,
    at        INTEGER NOT NULL,
    actor     TEXT    NOT NULL,
    action    TEXT    NOT NULL,
    target    TEXT    NOT NULL,
    details   TEXT    NOT NULL,
    prev_hash TEXT    NOT NULL,
    hash      TEXT    NOT NULL
);
CREATE INDEX audit_log_target ON audit_log (target);
CREATE INDEX audit_log_actor ON audit_log (actor);

CREATE TABLE kv (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

CREATE TABLE esi_cache (
    key           TEXT PRIMARY KEY,
    etag          TEXT,
    expires_at    INTEGER,
    last_modified TEXT,
    pages         INTEGER,
    body          BLOB NOT NULL
);

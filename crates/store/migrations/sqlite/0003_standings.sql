-- The standings manager: approved standings, the history of requests and revocations, contact
-- sync enrolment with the ledger of contacts Jumpgate wrote, and in-app notifications. Keep
-- table and column names identical to the PostgreSQL migration (a test compares them).
--
-- Standings are whole tenths (75 = 7.5) so they compare exactly. Requesters and deciders point
-- at accounts without ON DELETE: Jumpgate never deletes accounts, and the history of who asked
-- and who decided must not be rewritten if it ever does (such a delete would be refused).

-- One entry per entity: EVE ids are unique across characters, corporations and alliances.
CREATE TABLE standings_entries (
    entity_id       INTEGER  PRIMARY KEY,
    entity_kind     TEXT     NOT NULL
                    CHECK (entity_kind IN ('character', 'corporation', 'alliance')),
    name            TEXT     NOT NULL,
    standing_tenths SMALLINT NOT NULL CHECK (standing_tenths BETWEEN -100 AND 100),
    notes           TEXT     NOT NULL DEFAULT '',
    -- request, admin or import
    source          TEXT     NOT NULL,
    added_by        BIGINT   REFERENCES accounts (id) ON DELETE SET NULL,
    created_at      INTEGER  NOT NULL,
    updated_at      INTEGER  NOT NULL
);
CREATE INDEX standings_entries_kind_name ON standings_entries (entity_kind, name);
CREATE INDEX standings_entries_updated ON standings_entries (updated_at);

CREATE TABLE standing_requests (
    id              INTEGER  PRIMARY KEY AUTOINCREMENT,
    entity_id       BIGINT   NOT NULL,
    entity_kind     TEXT     NOT NULL
                    CHECK (entity_kind IN ('character', 'corporation', 'alliance')),
    name            TEXT     NOT NULL,
    requester       BIGINT   NOT NULL REFERENCES accounts (id),
    state           TEXT     NOT NULL DEFAULT 'pending'
                    CHECK (state IN ('pending', 'approved', 'rejected', 'cancelled')),
    created_at      INTEGER  NOT NULL,
    decided_at      INTEGER,
    decided_by      BIGINT   REFERENCES accounts (id),
    standing_tenths SMALLINT CHECK (standing_tenths BETWEEN -100 AND 100),
    decision_note   TEXT
);
-- At most one pending request per entity, whatever the number of instances.
CREATE UNIQUE INDEX standing_requests_one_pending ON standing_requests (entity_id)
    WHERE state = 'pending';
CREATE INDEX standing_requests_queue ON standing_requests (state, created_at);
CREATE INDEX standing_requests_requester ON standing_requests (requester, created_at);
CREATE INDEX standing_requests_entity ON standing_requests (entity_id, created_at);

CREATE TABLE standing_revocations (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    entity_id     BIGINT  NOT NULL,
    entity_kind   TEXT    NOT NULL
                  CHECK (entity_kind IN ('character', 'corporation', 'alliance')),
    name          TEXT    NOT NULL,
    reason        TEXT    NOT NULL,
    -- NULL: raised automatically.
    requester     BIGINT  REFERENCES accounts (id),
    state         TEXT    NOT NULL DEFAULT 'pending'
                  CHECK (state IN ('pending', 'approved', 'rejected', 'cancelled')),
    created_at    INTEGER NOT NULL,
    decided_at    INTEGER,
    -- NULL with state approved: approved automatically by policy.
    decided_by    BIGINT  REFERENCES accounts (id),
    decision_note TEXT
);
CREATE UNIQUE INDEX standing_revocations_one_pending ON standing_revocations (entity_id)
    WHERE state = 'pending';
CREATE INDEX standing_revocations_queue ON standing_revocations (state, created_at);
CREATE INDEX standing_revocations_requester ON standing_revocations (requester, created_at);
CREATE INDEX standing_revocations_entity ON standing_revocations (entity_id, created_at);

-- Characters enrolled in contact sync. Gone with the character.
CREATE TABLE sync_characters (
    character_id    INTEGER PRIMARY KEY REFERENCES characters (id) ON DELETE CASCADE,
    account_id      BIGINT  NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    status          TEXT    NOT NULL DEFAULT 'pending'
                    CHECK (status IN ('pending', 'in_sync', 'syncing', 'label_missing',
                                      'token_invalid', 'contact_list_full', 'not_eligible',
                                      'error')),
    message         TEXT,
    enrolled_at     INTEGER NOT NULL,
    last_sync_at    INTEGER,
    last_success_at INTEGER,
    -- The sync lease: one sync per character across every process.
    locked_by       TEXT,
    locked_until    INTEGER
);
CREATE INDEX sync_characters_account ON sync_characters (account_id);
CREATE INDEX sync_characters_status ON sync_characters (status);

-- The contacts Jumpgate wrote into each enrolled character. Gone with the enrolment (and so
-- with the character).
CREATE TABLE sync_ledger (
    character_id      BIGINT   NOT NULL
                      REFERENCES sync_characters (character_id) ON DELETE CASCADE,
    contact_id        BIGINT   NOT NULL,
    standing_tenths   SMALLINT NOT NULL CHECK (standing_tenths BETWEEN -100 AND 100),
    -- A JSON array of label ids, e.g. [1,42].
    label_ids         TEXT     NOT NULL DEFAULT '[]',
    replaced_personal REAL,
    PRIMARY KEY (character_id, contact_id)
);

CREATE TABLE notifications (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    account_id BIGINT  NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    message    TEXT    NOT NULL,
    link       TEXT,
    created_at INTEGER NOT NULL,
    read_at    INTEGER
);
CREATE INDEX notifications_account ON notifications (account_id, created_at);

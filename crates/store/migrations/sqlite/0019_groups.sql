-- Groups (issue 11, first increment): named sets of accounts that grant permissions as states
-- do, joined by application or by a manager's hand, led by managers (accounts) and by the
-- members of manager groups. Keep table and column names identical to the PostgreSQL
-- migration 0020 (a test compares them).
--
-- Every membership row says how it came about (`source`), so that later increments (automatic
-- assignment, default, required and forbidden groups) can tell their rows from a manager's and
-- an account's page can say why it has each group. Every change is also in the audit log with
-- its cause.

CREATE TABLE groups (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    name        TEXT    NOT NULL,
    description TEXT    NOT NULL DEFAULT '',
    -- conditioned: visible to and joinable by those who meet its rules (a later increment).
    visibility  TEXT    NOT NULL DEFAULT 'private'
                CHECK (visibility IN ('public', 'private', 'conditioned')),
    auto_accept BOOLEAN NOT NULL DEFAULT 0,
    created_at  INTEGER NOT NULL
);
-- Names are unique ignoring case (the domain compares them the same way first; SQLite's lower()
-- folds ASCII only, which the domain's check covers).
CREATE UNIQUE INDEX groups_lower_name ON groups (lower(name));

CREATE TABLE group_permissions (
    group_id   BIGINT NOT NULL REFERENCES groups (id) ON DELETE CASCADE,
    permission TEXT   NOT NULL,
    PRIMARY KEY (group_id, permission)
);

CREATE TABLE group_members (
    group_id   BIGINT  NOT NULL REFERENCES groups (id) ON DELETE CASCADE,
    account_id BIGINT  NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    -- How the membership came about: 'manual' (a manager or an administrator added it),
    -- 'application' (an accepted application), 'auto_accept'; later increments add theirs. No
    -- CHECK: SQLite cannot change one without rebuilding the table; the domain refuses unknown
    -- values when it reads them.
    source     TEXT    NOT NULL,
    -- Which one within the source: the application's id; later the rule. NULL for 'manual'.
    source_ref TEXT,
    added_by   BIGINT  REFERENCES accounts (id) ON DELETE SET NULL,
    added_at   INTEGER NOT NULL,
    PRIMARY KEY (group_id, account_id)
);
-- An account's groups: the grants query of every page view reads through it.
CREATE INDEX group_members_account ON group_members (account_id, group_id);

CREATE TABLE group_managers (
    group_id   BIGINT  NOT NULL REFERENCES groups (id) ON DELETE CASCADE,
    account_id BIGINT  NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    added_at   INTEGER NOT NULL,
    PRIMARY KEY (group_id, account_id)
);
CREATE INDEX group_managers_account ON group_managers (account_id);

-- The members of manager_group_id manage group_id (a "Head FC" group leads the "FC" group).
CREATE TABLE group_manager_groups (
    group_id         BIGINT  NOT NULL REFERENCES groups (id) ON DELETE CASCADE,
    manager_group_id BIGINT  NOT NULL REFERENCES groups (id) ON DELETE CASCADE,
    added_at         INTEGER NOT NULL,
    PRIMARY KEY (group_id, manager_group_id)
);
CREATE INDEX group_manager_groups_manager ON group_manager_groups (manager_group_id);

CREATE TABLE group_applications (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    group_id        BIGINT  NOT NULL REFERENCES groups (id) ON DELETE CASCADE,
    account_id      BIGINT  NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    message         TEXT    NOT NULL DEFAULT '',
    status          TEXT    NOT NULL DEFAULT 'pending'
                    CHECK (status IN ('pending', 'accepted', 'denied', 'cancelled')),
    created_at      INTEGER NOT NULL,
    decided_at      INTEGER,
    -- NULL when decided with nobody deciding: auto-accept, or cancelled by Jumpgate.
    decided_by      BIGINT  REFERENCES accounts (id) ON DELETE SET NULL,
    decision_reason TEXT
);
-- At most one pending application per account and group, whatever the number of instances.
CREATE UNIQUE INDEX group_applications_one_pending ON group_applications (group_id, account_id)
    WHERE status = 'pending';
CREATE INDEX group_applications_group ON group_applications (group_id, created_at);
CREATE INDEX group_applications_account ON group_applications (account_id, created_at);

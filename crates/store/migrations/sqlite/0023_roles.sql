-- Scoped leadership roles (issue 11; ADR 0027). Keep table and column names identical to the
-- PostgreSQL migration 0024 (a test compares them).
--
-- A role is a kind and a scope: the corporation of a CEO or Director, the division of a Division
-- (Head) FC, the specialty of a specialty role; 0 for the organisation-wide ones (Administrator,
-- Head FC, General FC). CEO and Director are read from EVE ('eve'), the others appointed.

-- The corporation's CEO as ESI last said (GET /corporations/{id} ceo_id; none for a closed one).
ALTER TABLE corporations ADD COLUMN ceo_id BIGINT;

CREATE TABLE divisions (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    name       TEXT   NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE UNIQUE INDEX divisions_lower_name ON divisions (lower(name));

CREATE TABLE specialty_roles (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    name        TEXT    NOT NULL,
    description TEXT    NOT NULL DEFAULT '',
    -- A fleet role: the Head FC gives and takes it too.
    fleet       BOOLEAN NOT NULL DEFAULT 0,
    created_at  INTEGER NOT NULL
);
CREATE UNIQUE INDEX specialty_roles_lower_name ON specialty_roles (lower(name));

CREATE TABLE role_holders (
    kind         TEXT   NOT NULL CHECK (kind IN ('administrator', 'ceo', 'director', 'head_fc', 'general_fc', 'division_head_fc', 'division_fc', 'specialty')),
    scope_id     BIGINT NOT NULL,
    account_id   BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    -- The character EVE named (CEO, Director); NULL for appointed roles.
    character_id BIGINT,
    source       TEXT   NOT NULL CHECK (source IN ('appointed', 'eve')),
    -- The audit log's name of who appointed (account:N, cli:roles grant); NULL for 'eve'.
    assigned_by  TEXT,
    assigned_at  INTEGER NOT NULL,
    PRIMARY KEY (kind, scope_id, account_id)
);
CREATE INDEX role_holders_account ON role_holders (account_id);
-- The appointed unique roles have one holder per scope, on every instance. The CEO is unique by
-- EVE's ceo_id; for a moment two accounts may both hold it while the old CEO's account waits for
-- its recompute, so it is not in this index.
CREATE UNIQUE INDEX role_holders_unique ON role_holders (kind, scope_id)
    WHERE kind IN ('head_fc', 'division_head_fc');

-- What each role carries: per kind; for specialty roles per specialty (scope_id), else 0.
CREATE TABLE role_permissions (
    kind       TEXT   NOT NULL CHECK (kind IN ('administrator', 'ceo', 'director', 'head_fc', 'general_fc', 'division_head_fc', 'division_fc', 'specialty')),
    scope_id   BIGINT NOT NULL DEFAULT 0,
    permission TEXT   NOT NULL,
    PRIMARY KEY (kind, scope_id, permission)
);
INSERT INTO role_permissions (kind, scope_id, permission) VALUES
    ('administrator', 0, 'admin.users'),
    ('administrator', 0, 'admin.audit'),
    ('administrator', 0, 'admin.jobs'),
    ('administrator', 0, 'admin.states'),
    ('administrator', 0, 'admin.groups'),
    ('administrator', 0, 'admin.roles');

-- The corporations (or every corporation of these alliances) whose CEO and Directors hold their
-- roles here.
CREATE TABLE role_leading_entities (
    kind      TEXT   NOT NULL CHECK (kind IN ('corporation', 'alliance')),
    entity_id BIGINT NOT NULL,
    PRIMARY KEY (kind, entity_id)
);

-- A character's corporation roles as ESI last said (GET /characters/{id}/roles), and which
-- corporation it was in then: a Director who moves on is no longer one.
CREATE TABLE character_corporation_roles (
    character_id   BIGINT  PRIMARY KEY REFERENCES characters (id) ON DELETE CASCADE,
    corporation_id BIGINT  NOT NULL,
    is_director    BOOLEAN NOT NULL,
    checked_at     INTEGER NOT NULL
);

-- roles: every write to the roles' tables, so that each process keeps the roles while they stay
-- the same (ADR 0010's change counters). One counter for every role table.
INSERT INTO change_counters (name, value) VALUES ('roles', 0);
CREATE TRIGGER divisions_bump_roles_on_insert AFTER INSERT ON divisions
BEGIN
    UPDATE change_counters SET value = value + 1 WHERE name = 'roles';
END;
CREATE TRIGGER divisions_bump_roles_on_update AFTER UPDATE ON divisions
BEGIN
    UPDATE change_counters SET value = value + 1 WHERE name = 'roles';
END;
CREATE TRIGGER divisions_bump_roles_on_delete AFTER DELETE ON divisions
BEGIN
    UPDATE change_counters SET value = value + 1 WHERE name = 'roles';
END;
CREATE TRIGGER specialty_roles_bump_roles_on_insert AFTER INSERT ON specialty_roles
BEGIN
    UPDATE change_counters SET value = value + 1 WHERE name = 'roles';
END;
CREATE TRIGGER specialty_roles_bump_roles_on_update AFTER UPDATE ON specialty_roles
BEGIN
    UPDATE change_counters SET value = value + 1 WHERE name = 'roles';
END;
CREATE TRIGGER specialty_roles_bump_roles_on_delete AFTER DELETE ON specialty_roles
BEGIN
    UPDATE change_counters SET value = value + 1 WHERE name = 'roles';
END;
CREATE TRIGGER role_holders_bump_roles_on_insert AFTER INSERT ON role_holders
BEGIN
    UPDATE change_counters SET value = value + 1 WHERE name = 'roles';
END;
CREATE TRIGGER role_holders_bump_roles_on_update AFTER UPDATE ON role_holders
BEGIN
    UPDATE change_counters SET value = value + 1 WHERE name = 'roles';
END;
CREATE TRIGGER role_holders_bump_roles_on_delete AFTER DELETE ON role_holders
BEGIN
    UPDATE change_counters SET value = value + 1 WHERE name = 'roles';
END;
CREATE TRIGGER role_permissions_bump_roles_on_insert AFTER INSERT ON role_permissions
BEGIN
    UPDATE change_counters SET value = value + 1 WHERE name = 'roles';
END;
CREATE TRIGGER role_permissions_bump_roles_on_update AFTER UPDATE ON role_permissions
BEGIN
    UPDATE change_counters SET value = value + 1 WHERE name = 'roles';
END;
CREATE TRIGGER role_permissions_bump_roles_on_delete AFTER DELETE ON role_permissions
BEGIN
    UPDATE change_counters SET value = value + 1 WHERE name = 'roles';
END;
CREATE TRIGGER role_leading_entities_bump_roles_on_insert AFTER INSERT ON role_leading_entities
BEGIN
    UPDATE change_counters SET value = value + 1 WHERE name = 'roles';
END;
CREATE TRIGGER role_leading_entities_bump_roles_on_update AFTER UPDATE ON role_leading_entities
BEGIN
    UPDATE change_counters SET value = value + 1 WHERE name = 'roles';
END;
CREATE TRIGGER role_leading_entities_bump_roles_on_delete AFTER DELETE ON role_leading_entities
BEGIN
    UPDATE change_counters SET value = value + 1 WHERE name = 'roles';
END;

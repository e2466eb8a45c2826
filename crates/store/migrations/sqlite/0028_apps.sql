-- Applications and the application API (issue 12, ADR 0030): the tools beside Jumpgate that
-- read who is who (Neucore's apps). Keep table and column names identical to the PostgreSQL
-- migration 0029 (a test compares them).

-- An application. secret_hash is the Argon2id hash (PHC string) of its current secret; NULL
-- until a manager or the command line makes one (it cannot authenticate before).
CREATE TABLE apps (
    id                INTEGER PRIMARY KEY,
    name              TEXT    NOT NULL,
    secret_hash       TEXT,
    secret_changed_at INTEGER,
    created_at        INTEGER NOT NULL
);
-- The roles an application was given ('app' comes with every one and is not stored).
CREATE TABLE app_roles (
    app_id INTEGER NOT NULL REFERENCES apps (id) ON DELETE CASCADE,
    role   TEXT    NOT NULL,
    PRIMARY KEY (app_id, role)
);
-- The groups an application sees.
CREATE TABLE app_groups (
    app_id   INTEGER NOT NULL REFERENCES apps (id) ON DELETE CASCADE,
    group_id INTEGER NOT NULL REFERENCES groups (id) ON DELETE CASCADE,
    PRIMARY KEY (app_id, group_id)
);
CREATE INDEX app_groups_by_group ON app_groups (group_id);
-- The EVE logins whose tokens an application may use (logins are defined in code, by name).
CREATE TABLE app_eve_logins (
    app_id INTEGER NOT NULL REFERENCES apps (id) ON DELETE CASCADE,
    login  TEXT    NOT NULL,
    PRIMARY KEY (app_id, login)
);
-- The accounts that manage an application (they make its secret).
CREATE TABLE app_managers (
    app_id     INTEGER NOT NULL REFERENCES apps (id) ON DELETE CASCADE,
    account_id INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    PRIMARY KEY (app_id, account_id)
);
CREATE INDEX app_managers_by_account ON app_managers (account_id);
-- Requests per application and hour (the statistics page sums days and months from them).
CREATE TABLE app_requests (
    app_id   INTEGER NOT NULL REFERENCES apps (id) ON DELETE CASCADE,
    hour     INTEGER NOT NULL,
    requests INTEGER NOT NULL,
    PRIMARY KEY (app_id, hour)
);

-- 'apps': every application with what it may do, kept by each instance while it holds.
INSERT INTO change_counters (name, value) VALUES ('apps', 0);
CREATE TRIGGER apps_bump_apps_on_insert AFTER INSERT ON apps
BEGIN
    UPDATE change_counters SET value = value + 1 WHERE name = 'apps';
END;
CREATE TRIGGER apps_bump_apps_on_update AFTER UPDATE ON apps
BEGIN
    UPDATE change_counters SET value = value + 1 WHERE name = 'apps';
END;
CREATE TRIGGER apps_bump_apps_on_delete AFTER DELETE ON apps
BEGIN
    UPDATE change_counters SET value = value + 1 WHERE name = 'apps';
END;
CREATE TRIGGER app_roles_bump_apps_on_insert AFTER INSERT ON app_roles
BEGIN
    UPDATE change_counters SET value = value + 1 WHERE name = 'apps';
END;
CREATE TRIGGER app_roles_bump_apps_on_update AFTER UPDATE ON app_roles
BEGIN
    UPDATE change_counters SET value = value + 1 WHERE name = 'apps';
END;
CREATE TRIGGER app_roles_bump_apps_on_delete AFTER DELETE ON app_roles
BEGIN
    UPDATE change_counters SET value = value + 1 WHERE name = 'apps';
END;
CREATE TRIGGER app_groups_bump_apps_on_insert AFTER INSERT ON app_groups
BEGIN
    UPDATE change_counters SET value = value + 1 WHERE name = 'apps';
END;
CREATE TRIGGER app_groups_bump_apps_on_update AFTER UPDATE ON app_groups
BEGIN
    UPDATE change_counters SET value = value + 1 WHERE name = 'apps';
END;
CREATE TRIGGER app_groups_bump_apps_on_delete AFTER DELETE ON app_groups
BEGIN
    UPDATE change_counters SET value = value + 1 WHERE name = 'apps';
END;
CREATE TRIGGER app_eve_logins_bump_apps_on_insert AFTER INSERT ON app_eve_logins
BEGIN
    UPDATE change_counters SET value = value + 1 WHERE name = 'apps';
END;
CREATE TRIGGER app_eve_logins_bump_apps_on_update AFTER UPDATE ON app_eve_logins
BEGIN
    UPDATE change_counters SET value = value + 1 WHERE name = 'apps';
END;
CREATE TRIGGER app_eve_logins_bump_apps_on_delete AFTER DELETE ON app_eve_logins
BEGIN
    UPDATE change_counters SET value = value + 1 WHERE name = 'apps';
END;
CREATE TRIGGER app_managers_bump_apps_on_insert AFTER INSERT ON app_managers
BEGIN
    UPDATE change_counters SET value = value + 1 WHERE name = 'apps';
END;
CREATE TRIGGER app_managers_bump_apps_on_update AFTER UPDATE ON app_managers
BEGIN
    UPDATE change_counters SET value = value + 1 WHERE name = 'apps';
END;
CREATE TRIGGER app_managers_bump_apps_on_delete AFTER DELETE ON app_managers
BEGIN
    UPDATE change_counters SET value = value + 1 WHERE name = 'apps';
END;

-- 'deactivations': which accounts are deactivated, which the application API's group answers
-- read from what each instance keeps.
INSERT INTO change_counters (name, value) VALUES ('deactivations', 0);
CREATE TRIGGER account_deactivations_bump_deactivations_on_insert AFTER INSERT ON account_deactivations
BEGIN
    UPDATE change_counters SET value = value + 1 WHERE name = 'deactivations';
END;
CREATE TRIGGER account_deactivations_bump_deactivations_on_update AFTER UPDATE ON account_deactivations
BEGIN
    UPDATE change_counters SET value = value + 1 WHERE name = 'deactivations';
END;
CREATE TRIGGER account_deactivations_bump_deactivations_on_delete AFTER DELETE ON account_deactivations
BEGIN
    UPDATE change_counters SET value = value + 1 WHERE name = 'deactivations';
END;

-- The jobs page lists the newest jobs (`Store::job_overview`): by creation, walking this index
-- back from its end and stopping at the page's size, instead of sorting every job.
CREATE INDEX jobs_newest ON jobs (created_at, id);

-- sync_enrolment: what the administrators' contact sync page lists (ADR 0010's change
-- counters): every column of an enrolment but its lease and its pending writes, which a sync
-- writes in the middle of its work, and the names of characters.
INSERT INTO change_counters (name, value) VALUES ('sync_enrolment', 0);
CREATE TRIGGER sync_characters_bump_enrolment_on_insert AFTER INSERT ON sync_characters
BEGIN
    UPDATE change_counters SET value = value + 1 WHERE name = 'sync_enrolment';
END;
CREATE TRIGGER sync_characters_bump_enrolment_on_update
    AFTER UPDATE OF account_id, status, message, enrolled_at, last_sync_at, last_success_at
    ON sync_characters
BEGIN
    UPDATE change_counters SET value = value + 1 WHERE name = 'sync_enrolment';
END;
CREATE TRIGGER sync_characters_bump_enrolment_on_delete AFTER DELETE ON sync_characters
BEGIN
    UPDATE change_counters SET value = value + 1 WHERE name = 'sync_enrolment';
END;
CREATE TRIGGER characters_bump_enrolment_on_rename AFTER UPDATE OF name ON characters
    WHEN OLD.name IS NOT NEW.name
BEGIN
    UPDATE change_counters SET value = value + 1 WHERE name = 'sync_enrolment';
END;

-- account_list: what the administrators' list of accounts shows and is searched by: accounts
-- (their main, state and superuser flag) and their characters' names.
INSERT INTO change_counters (name, value) VALUES ('account_list', 0);
CREATE TRIGGER accounts_bump_list_on_insert AFTER INSERT ON accounts
BEGIN
    UPDATE change_counters SET value = value + 1 WHERE name = 'account_list';
END;
CREATE TRIGGER accounts_bump_list_on_update
    AFTER UPDATE OF main_character_id, superuser, state ON accounts
    WHEN OLD.main_character_id IS NOT NEW.main_character_id
      OR OLD.superuser IS NOT NEW.superuser OR OLD.state IS NOT NEW.state
BEGIN
    UPDATE change_counters SET value = value + 1 WHERE name = 'account_list';
END;
CREATE TRIGGER accounts_bump_list_on_delete AFTER DELETE ON accounts
BEGIN
    UPDATE change_counters SET value = value + 1 WHERE name = 'account_list';
END;
CREATE TRIGGER characters_bump_list_on_insert AFTER INSERT ON characters
BEGIN
    UPDATE change_counters SET value = value + 1 WHERE name = 'account_list';
END;
CREATE TRIGGER characters_bump_list_on_update AFTER UPDATE OF account_id, name ON characters
    WHEN OLD.account_id IS NOT NEW.account_id OR OLD.name IS NOT NEW.name
BEGIN
    UPDATE change_counters SET value = value + 1 WHERE name = 'account_list';
END;
CREATE TRIGGER characters_bump_list_on_delete AFTER DELETE ON characters
BEGIN
    UPDATE change_counters SET value = value + 1 WHERE name = 'account_list';
END;

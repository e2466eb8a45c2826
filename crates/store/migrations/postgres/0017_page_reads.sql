-- The jobs page lists the newest jobs (`Store::job_overview`): by creation, walking this index
-- back from its end and stopping at the page's size, instead of sorting every job.
CREATE INDEX jobs_newest ON jobs (created_at, id);

-- sync_enrolment: what the administrators' contact sync page lists (ADR 0010's change
-- counters): every column of an enrolment but its lease and its pending writes, which a sync
-- writes in the middle of its work, and the names of characters.
INSERT INTO change_counters (name, value) VALUES ('sync_enrolment', 0);
CREATE TRIGGER sync_characters_bump_enrolment
    AFTER INSERT OR DELETE
       OR UPDATE OF account_id, status, message, enrolled_at, last_sync_at, last_success_at
    ON sync_characters
    FOR EACH STATEMENT EXECUTE FUNCTION bump_change_counter('sync_enrolment');
CREATE TRIGGER characters_bump_enrolment_on_rename
    AFTER UPDATE OF name ON characters
    FOR EACH ROW WHEN (OLD.name IS DISTINCT FROM NEW.name)
    EXECUTE FUNCTION bump_change_counter('sync_enrolment');

-- account_list: what the administrators' list of accounts shows and is searched by: accounts
-- (their main, state and superuser flag) and their characters' names.
INSERT INTO change_counters (name, value) VALUES ('account_list', 0);
CREATE TRIGGER accounts_bump_list
    AFTER INSERT OR DELETE ON accounts
    FOR EACH STATEMENT EXECUTE FUNCTION bump_change_counter('account_list');
CREATE TRIGGER accounts_bump_list_on_update
    AFTER UPDATE OF main_character_id, superuser, state ON accounts
    FOR EACH ROW WHEN (OLD.main_character_id IS DISTINCT FROM NEW.main_character_id
                    OR OLD.superuser IS DISTINCT FROM NEW.superuser
                    OR OLD.state IS DISTINCT FROM NEW.state)
    EXECUTE FUNCTION bump_change_counter('account_list');
CREATE TRIGGER characters_bump_list
    AFTER INSERT OR DELETE ON characters
    FOR EACH STATEMENT EXECUTE FUNCTION bump_change_counter('account_list');
CREATE TRIGGER characters_bump_list_on_update
    AFTER UPDATE OF account_id, name ON characters
    FOR EACH ROW WHEN (OLD.account_id IS DISTINCT FROM NEW.account_id
                    OR OLD.name IS DISTINCT FROM NEW.name)
    EXECUTE FUNCTION bump_change_counter('account_list');

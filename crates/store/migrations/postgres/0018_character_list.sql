-- character_list: what the administrators' character search shows and is searched by (ADR 0010's
-- change counters): every character's name, account, corporation and alliance, and the
-- characters that left accounts. Its own counter, so that affiliations, which change more often
-- than accounts, do not make every process read the accounts list again (`account_list`).
INSERT INTO change_counters (name, value) VALUES ('character_list', 0);
CREATE TRIGGER characters_bump_character_list
    AFTER INSERT OR DELETE ON characters
    FOR EACH STATEMENT EXECUTE FUNCTION bump_change_counter('character_list');
CREATE TRIGGER characters_bump_character_list_on_update
    AFTER UPDATE OF account_id, name, corporation_id, alliance_id ON characters
    FOR EACH ROW WHEN (OLD.account_id IS DISTINCT FROM NEW.account_id
                    OR OLD.name IS DISTINCT FROM NEW.name
                    OR OLD.corporation_id IS DISTINCT FROM NEW.corporation_id
                    OR OLD.alliance_id IS DISTINCT FROM NEW.alliance_id)
    EXECUTE FUNCTION bump_change_counter('character_list');
CREATE TRIGGER removed_characters_bump_character_list
    AFTER INSERT OR UPDATE OR DELETE ON removed_characters
    FOR EACH STATEMENT EXECUTE FUNCTION bump_change_counter('character_list');

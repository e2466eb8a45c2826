-- account_list (migration 0017) also covers what the administrators' character search shows and
-- is searched by: every character's name and account (already), its corporation and alliance,
-- and the characters that left accounts. One counter for both lists, so that every writer takes
-- the one row in the same order (two counters bumped in either order by concurrent writers
-- deadlock).
DROP TRIGGER characters_bump_list_on_update ON characters;
CREATE TRIGGER characters_bump_list_on_update
    AFTER UPDATE OF account_id, name, corporation_id, alliance_id ON characters
    FOR EACH ROW WHEN (OLD.account_id IS DISTINCT FROM NEW.account_id
                    OR OLD.name IS DISTINCT FROM NEW.name
                    OR OLD.corporation_id IS DISTINCT FROM NEW.corporation_id
                    OR OLD.alliance_id IS DISTINCT FROM NEW.alliance_id)
    EXECUTE FUNCTION bump_change_counter('account_list');
CREATE TRIGGER removed_characters_bump_list
    AFTER INSERT OR UPDATE OR DELETE ON removed_characters
    FOR EACH STATEMENT EXECUTE FUNCTION bump_change_counter('account_list');

-- account_list (migration 0016) also covers what the administrators' character search shows and
-- is searched by: every character's name and account (already), its corporation and alliance,
-- and the characters that left accounts. One counter for both lists, so that every writer takes
-- the one row in the same order (two counters bumped in either order by concurrent writers
-- deadlock on PostgreSQL).
DROP TRIGGER characters_bump_list_on_update;
CREATE TRIGGER characters_bump_list_on_update
    AFTER UPDATE OF account_id, name, corporation_id, alliance_id ON characters
    WHEN OLD.account_id IS NOT NEW.account_id OR OLD.name IS NOT NEW.name
      OR OLD.corporation_id IS NOT NEW.corporation_id OR OLD.alliance_id IS NOT NEW.alliance_id
BEGIN
    UPDATE change_counters SET value = value + 1 WHERE name = 'account_list';
END;
CREATE TRIGGER removed_characters_bump_list_on_insert AFTER INSERT ON removed_characters
BEGIN
    UPDATE change_counters SET value = value + 1 WHERE name = 'account_list';
END;
CREATE TRIGGER removed_characters_bump_list_on_update AFTER UPDATE ON removed_characters
BEGIN
    UPDATE change_counters SET value = value + 1 WHERE name = 'account_list';
END;
CREATE TRIGGER removed_characters_bump_list_on_delete AFTER DELETE ON removed_characters
BEGIN
    UPDATE change_counters SET value = value + 1 WHERE name = 'account_list';
END;

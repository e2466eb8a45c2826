-- character_list: what the administrators' character search shows and is searched by (ADR 0010's
-- change counters): every character's name, account, corporation and alliance, and the
-- characters that left accounts. Its own counter, so that affiliations, which change more often
-- than accounts, do not make every process read the accounts list again (`account_list`).
INSERT INTO change_counters (name, value) VALUES ('character_list', 0);
CREATE TRIGGER characters_bump_character_list_on_insert AFTER INSERT ON characters
BEGIN
    UPDATE change_counters SET value = value + 1 WHERE name = 'character_list';
END;
CREATE TRIGGER characters_bump_character_list_on_update
    AFTER UPDATE OF account_id, name, corporation_id, alliance_id ON characters
    WHEN OLD.account_id IS NOT NEW.account_id OR OLD.name IS NOT NEW.name
      OR OLD.corporation_id IS NOT NEW.corporation_id OR OLD.alliance_id IS NOT NEW.alliance_id
BEGIN
    UPDATE change_counters SET value = value + 1 WHERE name = 'character_list';
END;
CREATE TRIGGER characters_bump_character_list_on_delete AFTER DELETE ON characters
BEGIN
    UPDATE change_counters SET value = value + 1 WHERE name = 'character_list';
END;
CREATE TRIGGER removed_characters_bump_character_list_on_insert AFTER INSERT ON removed_characters
BEGIN
    UPDATE change_counters SET value = value + 1 WHERE name = 'character_list';
END;
CREATE TRIGGER removed_characters_bump_character_list_on_update AFTER UPDATE ON removed_characters
BEGIN
    UPDATE change_counters SET value = value + 1 WHERE name = 'character_list';
END;
CREATE TRIGGER removed_characters_bump_character_list_on_delete AFTER DELETE ON removed_characters
BEGIN
    UPDATE change_counters SET value = value + 1 WHERE name = 'character_list';
END;

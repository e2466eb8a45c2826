-- The states a group may be held in (issue 11; Alliance Auth's group states): an account in
-- another state loses it at its next recompute and cannot join it. None listed: any state. Keep
-- table and column names identical to the PostgreSQL migration 0028 (a test compares them).
CREATE TABLE group_state_rules (
    group_id BIGINT NOT NULL REFERENCES groups (id) ON DELETE CASCADE,
    state    TEXT   NOT NULL,
    PRIMARY KEY (group_id, state)
);
-- Part of the groups' catalogue: the 'groups' change counter moves with it.
CREATE TRIGGER group_state_rules_bump_groups_on_insert AFTER INSERT ON group_state_rules
BEGIN
    UPDATE change_counters SET value = value + 1 WHERE name = 'groups';
END;
CREATE TRIGGER group_state_rules_bump_groups_on_update AFTER UPDATE ON group_state_rules
BEGIN
    UPDATE change_counters SET value = value + 1 WHERE name = 'groups';
END;
CREATE TRIGGER group_state_rules_bump_groups_on_delete AFTER DELETE ON group_state_rules
BEGIN
    UPDATE change_counters SET value = value + 1 WHERE name = 'groups';
END;

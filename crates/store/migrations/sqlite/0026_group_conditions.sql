-- A conditioned group's conditions (issue 11): who sees it and may apply. Every kind listed must
-- be met, each by one of its values (domain::groups::GroupConditions). Keep table and column
-- names identical to the PostgreSQL migration 0027 (a test compares them). `value` is a state's
-- name or an id (corporation, alliance, group) as text.
CREATE TABLE group_conditions (
    group_id BIGINT NOT NULL REFERENCES groups (id) ON DELETE CASCADE,
    kind     TEXT   NOT NULL CHECK (kind IN ('state', 'corporation', 'alliance', 'group')),
    value    TEXT   NOT NULL,
    PRIMARY KEY (group_id, kind, value)
);
-- Part of the groups' catalogue: the 'groups' change counter moves with it.
CREATE TRIGGER group_conditions_bump_groups_on_insert AFTER INSERT ON group_conditions
BEGIN
    UPDATE change_counters SET value = value + 1 WHERE name = 'groups';
END;
CREATE TRIGGER group_conditions_bump_groups_on_update AFTER UPDATE ON group_conditions
BEGIN
    UPDATE change_counters SET value = value + 1 WHERE name = 'groups';
END;
CREATE TRIGGER group_conditions_bump_groups_on_delete AFTER DELETE ON group_conditions
BEGIN
    UPDATE change_counters SET value = value + 1 WHERE name = 'groups';
END;

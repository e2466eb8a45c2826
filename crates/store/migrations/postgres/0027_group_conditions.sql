-- A conditioned group's conditions (issue 11): who sees it and may apply. Every kind listed must
-- be met, each by one of its values (domain::groups::GroupConditions). Keep table and column
-- names identical to the SQLite migration 0026 (a test compares them). `value` is a state's
-- name or an id (corporation, alliance, group) as text.
CREATE TABLE group_conditions (
    group_id BIGINT NOT NULL REFERENCES groups (id) ON DELETE CASCADE,
    kind     TEXT   NOT NULL CHECK (kind IN ('state', 'corporation', 'alliance', 'group')),
    value    TEXT   NOT NULL,
    PRIMARY KEY (group_id, kind, value)
);
-- Part of the groups' catalogue: the 'groups' change counter moves with it.
CREATE TRIGGER group_conditions_bump_groups
    AFTER INSERT OR UPDATE OR DELETE ON group_conditions
    FOR EACH STATEMENT EXECUTE FUNCTION bump_change_counter('groups');

-- The states a group may be held in (issue 11; Alliance Auth's group states): an account in
-- another state loses it at its next recompute and cannot join it. None listed: any state. Keep
-- table and column names identical to the SQLite migration 0027 (a test compares them).
CREATE TABLE group_state_rules (
    group_id BIGINT NOT NULL REFERENCES groups (id) ON DELETE CASCADE,
    state    TEXT   NOT NULL,
    PRIMARY KEY (group_id, state)
);
-- Part of the groups' catalogue: the 'groups' change counter moves with it.
CREATE TRIGGER group_state_rules_bump_groups
    AFTER INSERT OR UPDATE OR DELETE ON group_state_rules
    FOR EACH STATEMENT EXECUTE FUNCTION bump_change_counter('groups');

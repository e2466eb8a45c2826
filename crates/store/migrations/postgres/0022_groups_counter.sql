-- groups: every write to the groups' catalogue (the groups, their permissions, managers, manager
-- groups and rules; not memberships nor applications, which are each account's own), so that
-- each process keeps the catalogue while it stays the same (ADR 0010's change counters). One
-- counter for every catalogue table: two writers never take counter rows in different orders.
-- Keep identical in effect to the SQLite migration 0021.
INSERT INTO change_counters (name, value) VALUES ('groups', 0);
CREATE TRIGGER groups_bump_groups
    AFTER INSERT OR UPDATE OR DELETE ON groups
    FOR EACH STATEMENT EXECUTE FUNCTION bump_change_counter('groups');
CREATE TRIGGER group_permissions_bump_groups
    AFTER INSERT OR UPDATE OR DELETE ON group_permissions
    FOR EACH STATEMENT EXECUTE FUNCTION bump_change_counter('groups');
CREATE TRIGGER group_managers_bump_groups
    AFTER INSERT OR UPDATE OR DELETE ON group_managers
    FOR EACH STATEMENT EXECUTE FUNCTION bump_change_counter('groups');
CREATE TRIGGER group_manager_groups_bump_groups
    AFTER INSERT OR UPDATE OR DELETE ON group_manager_groups
    FOR EACH STATEMENT EXECUTE FUNCTION bump_change_counter('groups');
CREATE TRIGGER group_affiliation_rules_bump_groups
    AFTER INSERT OR UPDATE OR DELETE ON group_affiliation_rules
    FOR EACH STATEMENT EXECUTE FUNCTION bump_change_counter('groups');
CREATE TRIGGER group_group_rules_bump_groups
    AFTER INSERT OR UPDATE OR DELETE ON group_group_rules
    FOR EACH STATEMENT EXECUTE FUNCTION bump_change_counter('groups');

-- groups: every write to the groups' catalogue (the groups, their permissions, managers, manager
-- groups and rules; not memberships nor applications, which are each account's own), so that
-- each process keeps the catalogue while it stays the same (ADR 0010's change counters). One
-- counter for every catalogue table: two writers never take counter rows in different orders.
-- Keep identical in effect to the PostgreSQL migration 0022.
INSERT INTO change_counters (name, value) VALUES ('groups', 0);
CREATE TRIGGER groups_bump_groups_on_insert AFTER INSERT ON groups
BEGIN
    UPDATE change_counters SET value = value + 1 WHERE name = 'groups';
END;
CREATE TRIGGER groups_bump_groups_on_update AFTER UPDATE ON groups
BEGIN
    UPDATE change_counters SET value = value + 1 WHERE name = 'groups';
END;
CREATE TRIGGER groups_bump_groups_on_delete AFTER DELETE ON groups
BEGIN
    UPDATE change_counters SET value = value + 1 WHERE name = 'groups';
END;
CREATE TRIGGER group_permissions_bump_groups_on_insert AFTER INSERT ON group_permissions
BEGIN
    UPDATE change_counters SET value = value + 1 WHERE name = 'groups';
END;
CREATE TRIGGER group_permissions_bump_groups_on_update AFTER UPDATE ON group_permissions
BEGIN
    UPDATE change_counters SET value = value + 1 WHERE name = 'groups';
END;
CREATE TRIGGER group_permissions_bump_groups_on_delete AFTER DELETE ON group_permissions
BEGIN
    UPDATE change_counters SET value = value + 1 WHERE name = 'groups';
END;
CREATE TRIGGER group_managers_bump_groups_on_insert AFTER INSERT ON group_managers
BEGIN
    UPDATE change_counters SET value = value + 1 WHERE name = 'groups';
END;
CREATE TRIGGER group_managers_bump_groups_on_update AFTER UPDATE ON group_managers
BEGIN
    UPDATE change_counters SET value = value + 1 WHERE name = 'groups';
END;
CREATE TRIGGER group_managers_bump_groups_on_delete AFTER DELETE ON group_managers
BEGIN
    UPDATE change_counters SET value = value + 1 WHERE name = 'groups';
END;
CREATE TRIGGER group_manager_groups_bump_groups_on_insert AFTER INSERT ON group_manager_groups
BEGIN
    UPDATE change_counters SET value = value + 1 WHERE name = 'groups';
END;
CREATE TRIGGER group_manager_groups_bump_groups_on_update AFTER UPDATE ON group_manager_groups
BEGIN
    UPDATE change_counters SET value = value + 1 WHERE name = 'groups';
END;
CREATE TRIGGER group_manager_groups_bump_groups_on_delete AFTER DELETE ON group_manager_groups
BEGIN
    UPDATE change_counters SET value = value + 1 WHERE name = 'groups';
END;
CREATE TRIGGER group_affiliation_rules_bump_groups_on_insert AFTER INSERT ON group_affiliation_rules
BEGIN
    UPDATE change_counters SET value = value + 1 WHERE name = 'groups';
END;
CREATE TRIGGER group_affiliation_rules_bump_groups_on_update AFTER UPDATE ON group_affiliation_rules
BEGIN
    UPDATE change_counters SET value = value + 1 WHERE name = 'groups';
END;
CREATE TRIGGER group_affiliation_rules_bump_groups_on_delete AFTER DELETE ON group_affiliation_rules
BEGIN
    UPDATE change_counters SET value = value + 1 WHERE name = 'groups';
END;
CREATE TRIGGER group_group_rules_bump_groups_on_insert AFTER INSERT ON group_group_rules
BEGIN
    UPDATE change_counters SET value = value + 1 WHERE name = 'groups';
END;
CREATE TRIGGER group_group_rules_bump_groups_on_update AFTER UPDATE ON group_group_rules
BEGIN
    UPDATE change_counters SET value = value + 1 WHERE name = 'groups';
END;
CREATE TRIGGER group_group_rules_bump_groups_on_delete AFTER DELETE ON group_group_rules
BEGIN
    UPDATE change_counters SET value = value + 1 WHERE name = 'groups';
END;

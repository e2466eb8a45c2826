-- The 'groups' change counter (0021) also moves with memberships and applications, so that each
-- process keeps an account's groups, a group's members, the groups' sizes and the applications
-- waiting while nothing changed (the account and groups pages read them on every view). Still
-- one counter for every group table: two writers never take counter rows in different orders.
-- Keep identical in effect to the PostgreSQL migration 0023.
CREATE TRIGGER group_members_bump_groups_on_insert AFTER INSERT ON group_members
BEGIN
    UPDATE change_counters SET value = value + 1 WHERE name = 'groups';
END;
CREATE TRIGGER group_members_bump_groups_on_update AFTER UPDATE ON group_members
BEGIN
    UPDATE change_counters SET value = value + 1 WHERE name = 'groups';
END;
CREATE TRIGGER group_members_bump_groups_on_delete AFTER DELETE ON group_members
BEGIN
    UPDATE change_counters SET value = value + 1 WHERE name = 'groups';
END;
CREATE TRIGGER group_applications_bump_groups_on_insert AFTER INSERT ON group_applications
BEGIN
    UPDATE change_counters SET value = value + 1 WHERE name = 'groups';
END;
CREATE TRIGGER group_applications_bump_groups_on_update AFTER UPDATE ON group_applications
BEGIN
    UPDATE change_counters SET value = value + 1 WHERE name = 'groups';
END;
CREATE TRIGGER group_applications_bump_groups_on_delete AFTER DELETE ON group_applications
BEGIN
    UPDATE change_counters SET value = value + 1 WHERE name = 'groups';
END;

-- The 'groups' change counter (0022) also moves with memberships and applications, so that each
-- process keeps an account's groups, a group's members, the groups' sizes and the applications
-- waiting while nothing changed (the account and groups pages read them on every view). Still
-- one counter for every group table: two writers never take counter rows in different orders.
-- Keep identical in effect to the SQLite migration 0022.
CREATE TRIGGER group_members_bump_groups
    AFTER INSERT OR UPDATE OR DELETE ON group_members
    FOR EACH STATEMENT EXECUTE FUNCTION bump_change_counter('groups');
CREATE TRIGGER group_applications_bump_groups
    AFTER INSERT OR UPDATE OR DELETE ON group_applications
    FOR EACH STATEMENT EXECUTE FUNCTION bump_change_counter('groups');

-- notifications: every write to members' notifications (new ones, marking them read, deleting
-- them), so the member's standings page keeps each member's list while it stays the same
-- (ADR 0010's change counters).
INSERT INTO change_counters (name, value) VALUES ('notifications', 0);
CREATE TRIGGER notifications_bump
    AFTER INSERT OR UPDATE OR DELETE ON notifications
    FOR EACH STATEMENT EXECUTE FUNCTION bump_change_counter('notifications');

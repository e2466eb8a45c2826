-- notifications: every write to members' notifications (new ones, marking them read, deleting
-- them), so the member's standings page keeps each member's list while it stays the same
-- (ADR 0010's change counters).
INSERT INTO change_counters (name, value) VALUES ('notifications', 0);
CREATE TRIGGER notifications_bump_on_insert AFTER INSERT ON notifications
BEGIN
    UPDATE change_counters SET value = value + 1 WHERE name = 'notifications';
END;
CREATE TRIGGER notifications_bump_on_update AFTER UPDATE ON notifications
BEGIN
    UPDATE change_counters SET value = value + 1 WHERE name = 'notifications';
END;
CREATE TRIGGER notifications_bump_on_delete AFTER DELETE ON notifications
BEGIN
    UPDATE change_counters SET value = value + 1 WHERE name = 'notifications';
END;

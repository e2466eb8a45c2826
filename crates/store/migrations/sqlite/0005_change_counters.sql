-- Change counters: a number the database bumps whenever a set of rows changes, so a process
-- can keep what it read while the number stays the same (the approver queue, ADR 0010). The
-- triggers bump it in the writing transaction, whoever writes, on every instance.
CREATE TABLE change_counters (
    name  TEXT   PRIMARY KEY,
    value BIGINT NOT NULL
);
-- approval_queue: pending requests and revocations; standings: the standings entries.
INSERT INTO change_counters (name, value) VALUES ('approval_queue', 0), ('standings', 0);

CREATE TRIGGER standing_requests_bump_queue_on_insert AFTER INSERT ON standing_requests
BEGIN
    UPDATE change_counters SET value = value + 1 WHERE name = 'approval_queue';
END;
CREATE TRIGGER standing_requests_bump_queue_on_update AFTER UPDATE ON standing_requests
BEGIN
    UPDATE change_counters SET value = value + 1 WHERE name = 'approval_queue';
END;
CREATE TRIGGER standing_requests_bump_queue_on_delete AFTER DELETE ON standing_requests
BEGIN
    UPDATE change_counters SET value = value + 1 WHERE name = 'approval_queue';
END;
CREATE TRIGGER standing_revocations_bump_queue_on_insert AFTER INSERT ON standing_revocations
BEGIN
    UPDATE change_counters SET value = value + 1 WHERE name = 'approval_queue';
END;
CREATE TRIGGER standing_revocations_bump_queue_on_update AFTER UPDATE ON standing_revocations
BEGIN
    UPDATE change_counters SET value = value + 1 WHERE name = 'approval_queue';
END;
CREATE TRIGGER standing_revocations_bump_queue_on_delete AFTER DELETE ON standing_revocations
BEGIN
    UPDATE change_counters SET value = value + 1 WHERE name = 'approval_queue';
END;
CREATE TRIGGER standings_entries_bump_on_insert AFTER INSERT ON standings_entries
BEGIN
    UPDATE change_counters SET value = value + 1 WHERE name = 'standings';
END;
CREATE TRIGGER standings_entries_bump_on_update AFTER UPDATE ON standings_entries
BEGIN
    UPDATE change_counters SET value = value + 1 WHERE name = 'standings';
END;
CREATE TRIGGER standings_entries_bump_on_delete AFTER DELETE ON standings_entries
BEGIN
    UPDATE change_counters SET value = value + 1 WHERE name = 'standings';
END;

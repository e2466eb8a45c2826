-- states: every write to the states table (a state's name or priority, a state added or
-- removed), so that each process keeps what it shows of states by name while they stay the same
-- (ADR 0010's change counters): the audit log names the states its entries refer to on every
-- view. Keep identical in effect to the PostgreSQL migration 0032.
INSERT INTO change_counters (name, value) VALUES ('states', 0);
CREATE TRIGGER states_bump_states_on_insert AFTER INSERT ON states
BEGIN
    UPDATE change_counters SET value = value + 1 WHERE name = 'states';
END;
CREATE TRIGGER states_bump_states_on_update AFTER UPDATE ON states
BEGIN
    UPDATE change_counters SET value = value + 1 WHERE name = 'states';
END;
CREATE TRIGGER states_bump_states_on_delete AFTER DELETE ON states
BEGIN
    UPDATE change_counters SET value = value + 1 WHERE name = 'states';
END;

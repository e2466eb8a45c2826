-- states: every write to the states table (a state's name or priority, a state added or
-- removed), so that each process keeps what it shows of states by name while they stay the same
-- (ADR 0010's change counters): the audit log names the states its entries refer to on every
-- view. Keep identical in effect to the SQLite migration 0031.
INSERT INTO change_counters (name, value) VALUES ('states', 0);
CREATE TRIGGER states_bump_states
    AFTER INSERT OR UPDATE OR DELETE ON states
    FOR EACH STATEMENT EXECUTE FUNCTION bump_change_counter('states');

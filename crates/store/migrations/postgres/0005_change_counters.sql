-- Change counters: a number the database bumps whenever a set of rows changes, so a process
-- can keep what it read while the number stays the same (the approver queue, ADR 0010). The
-- triggers bump it in the writing transaction, whoever writes, on every instance.
CREATE TABLE change_counters (
    name  TEXT   PRIMARY KEY,
    value BIGINT NOT NULL
);
-- approval_queue: pending requests and revocations; standings: the standings entries.
INSERT INTO change_counters (name, value) VALUES ('approval_queue', 0), ('standings', 0);

-- The counter's name is the trigger's argument.
CREATE FUNCTION bump_change_counter() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE change_counters SET value = value + 1 WHERE name = TG_ARGV[0];
    RETURN NULL;
END;
$$;
CREATE TRIGGER standing_requests_bump_queue
    AFTER INSERT OR UPDATE OR DELETE ON standing_requests
    FOR EACH STATEMENT EXECUTE FUNCTION bump_change_counter('approval_queue');
CREATE TRIGGER standing_revocations_bump_queue
    AFTER INSERT OR UPDATE OR DELETE ON standing_revocations
    FOR EACH STATEMENT EXECUTE FUNCTION bump_change_counter('approval_queue');
CREATE TRIGGER standings_entries_bump
    AFTER INSERT OR UPDATE OR DELETE ON standings_entries
    FOR EACH STATEMENT EXECUTE FUNCTION bump_change_counter('standings');

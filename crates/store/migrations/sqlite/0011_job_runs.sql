-- Every end of a job's run (succeeded, failed and retrying, failed for good), kept for
-- `[jobs] keep_finished` by the cleanup job (the newest of each kind stays, for the schedule's
-- "last run"): what ran, where, when, for how long, and what it did in numbers.
CREATE TABLE job_runs (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    job_id      BIGINT  NOT NULL,
    kind        TEXT    NOT NULL,
    payload     TEXT    NOT NULL,
    dedupe_key  TEXT,
    outcome     TEXT    NOT NULL CHECK (outcome IN ('succeeded', 'retrying', 'failed')),
    attempt     INTEGER NOT NULL,
    worker      TEXT    NOT NULL,
    started_at  INTEGER NOT NULL,
    finished_at INTEGER NOT NULL,
    duration_ms BIGINT  NOT NULL,
    -- A JSON array of [name, number] pairs, in the handler's order.
    summary     TEXT    NOT NULL,
    error       TEXT
);
CREATE INDEX job_runs_finished ON job_runs (finished_at);
CREATE INDEX job_runs_kind ON job_runs (kind, id);
CREATE INDEX job_runs_dedupe ON job_runs (dedupe_key, id);

-- Bulk operations (CSV and contacts imports, bulk decisions, bulk deletes) run as a job that
-- records its progress here, so the page that started one shows it live on every instance.
CREATE TABLE bulk_operations (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    kind        TEXT    NOT NULL,
    account_id  BIGINT  NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    -- What to do, as the application wrote it (JSON).
    input       TEXT    NOT NULL,
    -- queued, running, finished or failed.
    status      TEXT    NOT NULL,
    -- What it is doing now, e.g. "Looking up names".
    step        TEXT    NOT NULL,
    total       BIGINT  NOT NULL,
    done        BIGINT  NOT NULL,
    failed      BIGINT  NOT NULL,
    -- One line per item that was not done (JSON array of strings).
    problems    TEXT    NOT NULL,
    summary     TEXT    NOT NULL,
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL,
    finished_at INTEGER
);
CREATE INDEX bulk_operations_recent ON bulk_operations (created_at);

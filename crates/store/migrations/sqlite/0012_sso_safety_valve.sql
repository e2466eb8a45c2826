-- The SSO safety valve, shared by every instance (ADR 0021). One row: the successful refreshes
-- counted (the order in which the recent answers are judged), whether and since when the valve is
-- tripped (until an administrator clears it), where its evidence starts, and until when
-- refreshing is paused because the SSO refused our client.
CREATE TABLE sso_safety_valve (
    id             INTEGER PRIMARY KEY CHECK (id = 1),
    successes      BIGINT  NOT NULL DEFAULT 0,
    tripped_at     INTEGER,
    tripped_by     TEXT,
    evidence_from  INTEGER,
    paused_until   INTEGER
);
INSERT INTO sso_safety_valve (id) VALUES (1);

-- Every "this token is dead" answer of the SSO (invalid_grant, a token for another character)
-- and what was done with it: the valve's memory and, once it trips, its evidence.
CREATE TABLE sso_refresh_failures (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    at               INTEGER NOT NULL,
    token_id         BIGINT  NOT NULL,
    character_id     BIGINT  NOT NULL,
    account_id       BIGINT,
    kind             TEXT    NOT NULL,
    successes_before BIGINT  NOT NULL,
    verdict          TEXT    NOT NULL CHECK (verdict IN ('invalidated', 'tripped', 'held')),
    instance         TEXT    NOT NULL
);
CREATE INDEX sso_refresh_failures_at ON sso_refresh_failures (at);

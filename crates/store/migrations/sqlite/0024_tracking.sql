-- Corporation member tracking (issue 11; ADR 0028). Keep table and column names identical to
-- the PostgreSQL migration 0025 (a test compares them).
--
-- A corporation is tracked once a Director of it has logged in with the `core.tracking` login.
-- Its members are replaced whole at each successful update (one transaction), so a failed update
-- leaves the last good list and says why in `last_error`.

CREATE TABLE tracking_corporations (
    corporation_id BIGINT  PRIMARY KEY,
    added_at       INTEGER NOT NULL,
    -- When the member list was last replaced; NULL until the first update succeeded.
    updated_at     INTEGER,
    -- The last update's failure (for people), cleared by the next success.
    last_error     TEXT,
    last_error_at  INTEGER
);

-- Who sees a tracked corporation's members: the members of these groups (Neucore's
-- corporation_group_tracking). No row: nobody.
CREATE TABLE tracking_viewer_groups (
    corporation_id BIGINT NOT NULL REFERENCES tracking_corporations (corporation_id) ON DELETE CASCADE,
    group_id       BIGINT NOT NULL REFERENCES groups (id) ON DELETE CASCADE,
    PRIMARY KEY (corporation_id, group_id)
);
CREATE INDEX tracking_viewer_groups_group ON tracking_viewer_groups (group_id);

-- The last Director check of each character with a `core.tracking` token: at login and at each
-- update (`GET /characters/{id}/roles`). Only a 'director' row's token is used.
CREATE TABLE tracking_directors (
    character_id   BIGINT  PRIMARY KEY REFERENCES characters (id) ON DELETE CASCADE,
    corporation_id BIGINT  NOT NULL,
    -- 'director', 'not_director', 'left_corporation' (domain::tracking::DirectorCheck).
    status         TEXT    NOT NULL
                   CHECK (status IN ('director', 'not_director', 'left_corporation')),
    checked_at     INTEGER NOT NULL
);
CREATE INDEX tracking_directors_corporation ON tracking_directors (corporation_id);

-- The members as `/corporations/{id}/membertracking` last listed them, names resolved.
CREATE TABLE tracking_members (
    corporation_id BIGINT  NOT NULL REFERENCES tracking_corporations (corporation_id) ON DELETE CASCADE,
    character_id   BIGINT  NOT NULL,
    name           TEXT,
    location_id    BIGINT,
    location_name  TEXT,
    ship_type_id   BIGINT,
    ship_type_name TEXT,
    logon_at       INTEGER,
    logoff_at      INTEGER,
    start_at       INTEGER,
    PRIMARY KEY (corporation_id, character_id)
);

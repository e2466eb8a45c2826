-- Groups' rules (issue 11): the default group, automatic groups by corporation and alliance,
-- required and forbidden groups. Keep table and column names identical to the SQLite
-- migration 0020 (a test compares them). Memberships the rules give have the source
-- 'automatic' and say which rule in source_ref.

ALTER TABLE groups ADD COLUMN is_default BOOLEAN NOT NULL DEFAULT FALSE;

-- An account with a character in entity_id (a corporation or an alliance) is a member.
CREATE TABLE group_affiliation_rules (
    group_id  BIGINT NOT NULL REFERENCES groups (id) ON DELETE CASCADE,
    kind      TEXT   NOT NULL CHECK (kind IN ('corporation', 'alliance')),
    entity_id BIGINT NOT NULL,
    PRIMARY KEY (group_id, kind, entity_id)
);

-- 'required': a member of group_id must also be in one of its required groups;
-- 'forbidden': in none of its forbidden groups.
CREATE TABLE group_group_rules (
    group_id       BIGINT NOT NULL REFERENCES groups (id) ON DELETE CASCADE,
    kind           TEXT   NOT NULL CHECK (kind IN ('required', 'forbidden')),
    other_group_id BIGINT NOT NULL REFERENCES groups (id) ON DELETE CASCADE,
    PRIMARY KEY (group_id, kind, other_group_id)
);
CREATE INDEX group_group_rules_other ON group_group_rules (other_group_id);

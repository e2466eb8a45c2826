-- Pages list rows in index order and stop at the page's end instead of sorting the whole table:
-- the standings database by kind then name (the ORDER BY of `Store::standings`), and accounts
-- and characters by name in byte order (`by_name_in_byte_order!`: COLLATE "C").
CREATE INDEX standings_entries_listed ON standings_entries (
    (CASE entity_kind WHEN 'character' THEN 0 WHEN 'corporation' THEN 1 ELSE 2 END),
    lower(name), name, entity_id
);
CREATE INDEX characters_name_in_byte_order ON characters (
    (lower(name) COLLATE "C"), (name COLLATE "C"), id
);
-- A job's copies by dedupe key, whatever their status (the unique index covers only queued and
-- running ones, so the schedule and sync pages' reads scanned every job).
CREATE INDEX jobs_key ON jobs (dedupe_key, id);

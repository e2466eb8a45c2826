-- The audit chain is keyed (ADR 0016): an entry's hash is an HMAC under a key kept outside the
-- database. Entries written before keep their plain SHA-256 hash, marked 1 here; Jumpgate writes
-- 2 (keyed) explicitly with every entry. A plain entry after a keyed one fails verification, so
-- this column cannot be used to pass a rewritten entry off as an old one.
ALTER TABLE audit_log ADD COLUMN hash_version INTEGER NOT NULL DEFAULT 1;

-- The contact sync pages count the jobs of each kind and status on every view
-- (`Store::job_counts_by_kind`): with this index the count walks it in order, without reading
-- the jobs or sorting them (268 -> 64 µs with 600 syncs queued). Keep identical in effect to the
-- SQLite migration 0032.
CREATE INDEX jobs_kind_status ON jobs (kind, status);

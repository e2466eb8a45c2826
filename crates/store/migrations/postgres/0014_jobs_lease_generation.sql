-- A fencing token for job leases (issue 10, ADR 0003's amendment): every lease of a job takes
-- the next generation, and the writes that extend or end a run name the generation they hold,
-- so a worker whose lease expired and was taken over (even by its own instance) writes nothing.
ALTER TABLE jobs ADD COLUMN lease_generation BIGINT NOT NULL DEFAULT 0;

-- The jobs page lists the newest jobs (`Store::job_overview`): by creation, walking this index
-- back from its end and stopping at the page's size, instead of sorting every job.
CREATE INDEX jobs_newest ON jobs (created_at, id);

-- nexsock schema, version 3: each execution keeps its final report (per-service spawn/ready
-- times, the critical chain) as JSON, so that `service history` reads one row per execution.
ALTER TABLE startup_execution ADD COLUMN report TEXT;

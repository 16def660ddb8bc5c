-- nexsock schema, version 4: an edge with a tunnel may opt out of restarting its dependent when
-- the tunnel is re-created with a new URL (the dependent keeps the old URL until its next start).
ALTER TABLE service_dependency ADD COLUMN restart_on_new_url INTEGER NOT NULL DEFAULT 1;

-- nexsock schema, version 1: services and their runs (the foundation).
-- Append-only: later changes go into new numbered files.

CREATE TABLE service (
    id                   INTEGER PRIMARY KEY,
    name                 TEXT    NOT NULL UNIQUE,
    command              TEXT    NOT NULL,
    cwd                  TEXT,
    port                 INTEGER CHECK (port BETWEEN 1 AND 65535),
    env                  TEXT    NOT NULL DEFAULT '{}',      -- JSON object
    health_check         TEXT,                               -- spec: tcp | http:/p | exec:cmd | log:re
    restart_policy       TEXT    NOT NULL DEFAULT 'no' CHECK (restart_policy IN ('no', 'on-failure', 'always')),
    startup_timeout_secs INTEGER NOT NULL DEFAULT 60,
    stop_grace_secs      INTEGER NOT NULL DEFAULT 10,
    tunnel_profile       TEXT,
    tunnel_required      INTEGER NOT NULL DEFAULT 0,
    created_at           INTEGER NOT NULL,                   -- unix ms
    updated_at           INTEGER NOT NULL
);

-- One row per process nexsock spawned for a service: what reconciliation after a crash reads.
CREATE TABLE service_run (
    id            INTEGER PRIMARY KEY,
    service_id    INTEGER NOT NULL REFERENCES service(id) ON DELETE CASCADE,
    pid           INTEGER NOT NULL,
    pgid          INTEGER NOT NULL,
    proc_start    INTEGER,                                    -- kernel start time of the leader (clock ticks since boot)
    token         TEXT    NOT NULL,                           -- NEXSOCK_RUN marker in the process environment
    spawned_at    INTEGER NOT NULL,
    ready_at      INTEGER,
    exited_at     INTEGER,
    exit_code     INTEGER,
    exit_signal   INTEGER,
    reason        TEXT
);
CREATE INDEX service_run_service ON service_run(service_id, spawned_at DESC);
-- Runs whose process may still be alive: the reconciliation query.
CREATE INDEX service_run_open ON service_run(exited_at) WHERE exited_at IS NULL;


-- nexsock schema, version 1: services, their dependencies, executions and runs, tunnels, profiles.
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

CREATE TABLE service_dependency (
    service_id          INTEGER NOT NULL REFERENCES service(id) ON DELETE CASCADE,
    depends_on_id       INTEGER NOT NULL REFERENCES service(id) ON DELETE CASCADE,
    condition           TEXT    NOT NULL DEFAULT 'started'
                        CHECK (condition IN ('started', 'healthy', 'completed_successfully', 'log_ready')),
    required            INTEGER NOT NULL DEFAULT 1,
    tunnel_mode         TEXT    NOT NULL DEFAULT 'none' CHECK (tunnel_mode IN ('none', 'optional', 'required')),
    startup_timeout_secs INTEGER,
    health_check_path   TEXT,
    env_alias           TEXT,
    PRIMARY KEY (service_id, depends_on_id),
    CHECK (service_id <> depends_on_id)
) WITHOUT ROWID;
-- Dependents of a service (cascade stop, reverse edges) without a table scan.
CREATE INDEX service_dependency_depends_on ON service_dependency(depends_on_id);

CREATE TABLE startup_execution (
    id           INTEGER PRIMARY KEY,
    root_service TEXT    NOT NULL,
    strategy     TEXT    NOT NULL,
    started_at   INTEGER NOT NULL,
    completed_at INTEGER,
    status       TEXT    NOT NULL DEFAULT 'running' CHECK (status IN ('running', 'completed', 'failed')),
    actions      TEXT    NOT NULL DEFAULT '[]',               -- JSON array of the actions taken
    error        TEXT
);
CREATE INDEX startup_execution_root ON startup_execution(root_service, started_at DESC);

-- One row per process nexsock spawned for a service: what reconciliation after a crash reads.
CREATE TABLE service_run (
    id            INTEGER PRIMARY KEY,
    service_id    INTEGER NOT NULL REFERENCES service(id) ON DELETE CASCADE,
    execution_id  INTEGER REFERENCES startup_execution(id) ON DELETE SET NULL,
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
CREATE INDEX service_run_execution ON service_run(execution_id);

CREATE TABLE profile (
    name       TEXT PRIMARY KEY,
    provider   TEXT NOT NULL CHECK (provider IN ('ngrok', 'cloudflared', 'localtunnel', 'bore')),
    settings   TEXT NOT NULL DEFAULT '{}',                   -- JSON; never a token
    is_default INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE tunnel (
    id                INTEGER PRIMARY KEY,
    service_id        INTEGER NOT NULL REFERENCES service(id) ON DELETE CASCADE,
    provider          TEXT    NOT NULL,
    profile           TEXT,
    public_url        TEXT,
    local_port        INTEGER NOT NULL,
    protocol          TEXT    NOT NULL DEFAULT 'http',
    status            TEXT    NOT NULL DEFAULT 'opening' CHECK (status IN ('opening', 'open', 'failed', 'closed')),
    created_at        INTEGER NOT NULL,
    last_health_check INTEGER,
    metadata          TEXT    NOT NULL DEFAULT '{}'
);
CREATE INDEX tunnel_service ON tunnel(service_id, status);

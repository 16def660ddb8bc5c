-- nexsock schema, version 2: the dependency graph, chain executions, tunnel profiles and tunnels.

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

ALTER TABLE service_run ADD COLUMN execution_id INTEGER REFERENCES startup_execution(id) ON DELETE SET NULL;
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

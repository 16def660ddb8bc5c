//! Service rows: insert, delete, load.

use std::collections::BTreeMap;

use nexsock_proto::{HealthCheck, RestartPolicy, ServiceSpec};
use rusqlite::{Connection, params};

use super::Store;
use crate::{error::CoreError, time::now_ms};

impl Store {
    /// Inserts a validated spec and returns its row id. A taken name is [`CoreError::DuplicateService`].
    pub fn insert_service(&self, spec: &ServiceSpec) -> Result<i64, CoreError> {
        match write_service(&self.conn, spec, false) {
            Err(CoreError::Store(rusqlite::Error::SqliteFailure(e, _)))
                if e.code == rusqlite::ErrorCode::ConstraintViolation =>
            {
                Err(CoreError::DuplicateService(spec.name.clone()))
            }
            other => other,
        }
    }

    /// Replaces an existing service's definition.
    pub fn update_service(&self, spec: &ServiceSpec) -> Result<(), CoreError> {
        write_service(&self.conn, spec, true).map(|_| ())
    }

    /// Deletes a service (its runs and edges go with it).
    pub fn delete_service(&self, name: &str) -> Result<(), CoreError> {
        match self.conn.execute("DELETE FROM service WHERE name = ?1", [name])? {
            0 => Err(CoreError::unknown_service(name, [])),
            _ => Ok(()),
        }
    }

    /// Every service with its row id, sorted by name.
    pub fn load_services(&self) -> Result<Vec<(i64, ServiceSpec)>, CoreError> {
        let mut stmt = self.conn.prepare(
            "SELECT id, name, command, cwd, port, env, health_check, restart_policy,
                    startup_timeout_secs, stop_grace_secs, env_inherit, tags
             FROM service ORDER BY name",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, Option<String>>(3)?,
                r.get::<_, Option<u32>>(4)?,
                r.get::<_, String>(5)?,
                r.get::<_, Option<String>>(6)?,
                r.get::<_, String>(7)?,
                r.get::<_, u64>(8)?,
                r.get::<_, u64>(9)?,
                r.get::<_, Option<String>>(10)?,
                r.get::<_, String>(11)?,
            ))
        })?;
        let mut out = Vec::new();
        for row in rows {
            let (id, name, command, cwd, port, env, health, restart, startup, grace, inherit, tags) = row?;
            let tags: Vec<String> = serde_json::from_str(&tags)
                .map_err(|e| CoreError::InvalidArgument(format!("stored tags of `{name}`: {e}")))?;
            let inherit = inherit
                .map(|i| i.parse::<nexsock_proto::EnvInherit>())
                .transpose()
                .map_err(|e| CoreError::InvalidArgument(format!("stored environment of `{name}`: {e}")))?;
            let env: BTreeMap<String, String> = serde_json::from_str(&env)
                .map_err(|e| CoreError::InvalidArgument(format!("stored environment of `{name}`: {e}")))?;
            let health = health.map(|h| h.parse::<HealthCheck>()).transpose()?;
            let restart = restart.parse::<RestartPolicy>()?;
            out.push((
                id,
                ServiceSpec {
                    name,
                    command,
                    cwd,
                    port,
                    env,
                    health,
                    restart,
                    startup_timeout_secs: startup,
                    stop_grace_secs: grace,
                    inherit,
                    tags,
                },
            ));
        }
        Ok(out)
    }
}

/// Inserts a service row — or, with `upsert`, updates the row of the same name — and returns its
/// id. Shared by `service add` and `apply`, so both write the same columns the same way.
pub(super) fn write_service(conn: &Connection, spec: &ServiceSpec, upsert: bool) -> Result<i64, CoreError> {
    let env = serde_json::to_string(&spec.env).map_err(|e| CoreError::InvalidArgument(e.to_string()))?;
    let tags = serde_json::to_string(&spec.tags).map_err(|e| CoreError::InvalidArgument(e.to_string()))?;
    let on_conflict = if upsert {
        "ON CONFLICT (name) DO UPDATE SET
           command = excluded.command, cwd = excluded.cwd, port = excluded.port, env = excluded.env,
           health_check = excluded.health_check, restart_policy = excluded.restart_policy,
           startup_timeout_secs = excluded.startup_timeout_secs, stop_grace_secs = excluded.stop_grace_secs,
           env_inherit = excluded.env_inherit, tags = excluded.tags, updated_at = excluded.updated_at"
    } else {
        ""
    };
    let sql = format!(
        "INSERT INTO service (name, command, cwd, port, env, health_check, restart_policy,
                              startup_timeout_secs, stop_grace_secs, created_at, updated_at, env_inherit, tags)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?10, ?11, ?12) {on_conflict} RETURNING id"
    );
    let params = params![
        spec.name,
        spec.command,
        spec.cwd,
        spec.port,
        env,
        spec.health.as_ref().map(ToString::to_string),
        spec.restart.as_str(),
        spec.startup_timeout_secs,
        spec.stop_grace_secs,
        now_ms(),
        spec.inherit.map(nexsock_proto::EnvInherit::as_str),
        tags
    ];
    // Not `query_row`: it reads the row and resets the statement, and in autocommit mode the
    // commit happens at the statement's end — a failed commit (a full disk) would go unseen.
    let mut stmt = conn.prepare(&sql)?;
    let mut rows = stmt.query(params)?;
    let id = rows.next()?.ok_or(rusqlite::Error::QueryReturnedNoRows)?.get(0)?;
    while rows.next()?.is_some() {}
    Ok(id)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(name: &str) -> ServiceSpec {
        ServiceSpec {
            name: name.into(),
            command: "python3 -m http.server".into(),
            cwd: None,
            port: Some(8000),
            env: BTreeMap::from([("A".into(), "1".into())]),
            health: Some(HealthCheck::Http { path: "/".into() }),
            restart: RestartPolicy::OnFailure,
            startup_timeout_secs: 7,
            stop_grace_secs: 3,
            inherit: None,
            tags: Vec::new(),
        }
    }

    #[test]
    fn services_round_trip_and_duplicates_are_refused() {
        let store = Store::open_in_memory().expect("store");
        store.insert_service(&spec("web")).expect("insert");
        let err = store.insert_service(&spec("web")).expect_err("duplicate");
        assert!(matches!(err, CoreError::DuplicateService(n) if n == "web"));
        let loaded = store.load_services().expect("load");
        assert_eq!(loaded.len(), 1);
        assert_eq!(loaded[0].1, spec("web"));
        store.delete_service("web").expect("delete");
        assert!(matches!(store.delete_service("web"), Err(CoreError::UnknownService { .. })));
    }

    /// A commit that fails (here a deferred constraint, checked only at the commit — as a full
    /// disk fails only when the commit writes) is an error, not an id of a row that is not there.
    #[test]
    fn a_failed_commit_of_an_add_or_an_edit_is_an_error() {
        let store = Store::open_in_memory().expect("store");
        store.insert_service(&spec("web")).expect("insert");
        store
            .conn
            .execute_batch(
                "CREATE TEMP TABLE parent (id INTEGER PRIMARY KEY);
                 CREATE TEMP TABLE child (id INTEGER REFERENCES parent (id) DEFERRABLE INITIALLY DEFERRED);
                 CREATE TEMP TRIGGER fails_at_commit AFTER INSERT ON main.service BEGIN INSERT INTO child VALUES (1); END;
                 CREATE TEMP TRIGGER fails_at_commit_too AFTER UPDATE ON main.service BEGIN INSERT INTO child VALUES (1); END;",
            )
            .expect("the failing commit's set-up");
        store.insert_service(&spec("api")).expect_err("the commit failed");
        let mut changed = spec("web");
        changed.command = "changed".into();
        store.update_service(&changed).expect_err("the commit failed");
        let loaded = store.load_services().expect("load");
        assert_eq!(loaded.iter().map(|(_, s)| s.clone()).collect::<Vec<_>>(), [spec("web")], "nothing changed");
    }
}

//! Applying a stack: every service upsert and every edge change of a stack file in one
//! transaction, so that a failure anywhere writes nothing.

use std::collections::BTreeMap;

use nexsock_proto::ServiceSpec;
use rusqlite::params;

use super::{Store, StoredEdge};
use crate::{error::CoreError, time::now_ms};

impl Store {
    /// Upserts `services` by name and makes the dependency set of each service in `edges` exactly
    /// the given one. Returns the row id of each service, in order. The caller has validated
    /// everything, including that the resulting graph has no cycle.
    pub fn apply_stack(
        &mut self,
        services: &[ServiceSpec],
        edges: &BTreeMap<String, Vec<StoredEdge>>,
    ) -> Result<Vec<i64>, CoreError> {
        let tx = self.conn.transaction()?;
        let now = now_ms();
        let mut ids = Vec::with_capacity(services.len());
        for spec in services {
            let env = serde_json::to_string(&spec.env).map_err(|e| CoreError::InvalidArgument(e.to_string()))?;
            let id: i64 = tx.query_row(
                "INSERT INTO service (name, command, cwd, port, env, health_check, restart_policy,
                                      startup_timeout_secs, stop_grace_secs, created_at, updated_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?10)
                 ON CONFLICT (name) DO UPDATE SET
                   command = excluded.command, cwd = excluded.cwd, port = excluded.port, env = excluded.env,
                   health_check = excluded.health_check, restart_policy = excluded.restart_policy,
                   startup_timeout_secs = excluded.startup_timeout_secs, stop_grace_secs = excluded.stop_grace_secs,
                   updated_at = excluded.updated_at
                 RETURNING id",
                params![
                    spec.name,
                    spec.command,
                    spec.cwd,
                    spec.port,
                    env,
                    spec.health.as_ref().map(ToString::to_string),
                    spec.restart.as_str(),
                    spec.startup_timeout_secs,
                    spec.stop_grace_secs,
                    now
                ],
                |r| r.get(0),
            )?;
            ids.push(id);
        }
        for (service, declared) in edges {
            tx.execute(
                "DELETE FROM service_dependency WHERE service_id = (SELECT id FROM service WHERE name = ?1)",
                [service],
            )?;
            for e in declared {
                tx.execute(
                    "INSERT INTO service_dependency (service_id, depends_on_id, condition, required, tunnel_mode,
                                                     startup_timeout_secs, health_check_path, env_alias,
                                                     restart_on_new_url)
                     VALUES ((SELECT id FROM service WHERE name = ?1), (SELECT id FROM service WHERE name = ?2),
                             ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
                    params![
                        e.service,
                        e.depends_on,
                        e.condition.as_db(),
                        e.required,
                        e.tunnel_mode.as_str(),
                        e.timeout_secs,
                        e.health_path,
                        e.env_alias,
                        e.restart_on_new_url
                    ],
                )?;
            }
        }
        tx.commit()?;
        Ok(ids)
    }
}

//! Execution rows: one per chain start, with the actions taken and the final report; and the
//! spawn-to-ready durations of past runs that the critical-path strategy weighs.

use std::{collections::HashMap, time::Duration};

use nexsock_proto::{ExecutionReport, ExecutionStatus};
use rusqlite::params;

use super::Store;
use crate::error::CoreError;

/// How many recent ready runs per service the duration estimate averages.
const DURATION_SAMPLES: i64 = 5;

impl Store {
    /// Records the start of an execution and returns its id.
    pub fn insert_execution(&self, roots: &[String], strategy: &str, started_at: u64) -> Result<i64, CoreError> {
        self.conn.execute(
            "INSERT INTO startup_execution (root_service, strategy, started_at) VALUES (?1, ?2, ?3)",
            params![roots.join(","), strategy, started_at],
        )?;
        Ok(self.conn.last_insert_rowid())
    }

    /// Records how an execution ended: status, actions taken, root cause and report, in one
    /// statement.
    pub fn finish_execution(&self, report: &ExecutionReport, actions: &impl serde::Serialize) -> Result<(), CoreError> {
        let status = match report.status {
            ExecutionStatus::Running => "running",
            ExecutionStatus::Completed => "completed",
            ExecutionStatus::Failed => "failed",
            // The column's CHECK predates timeouts (a migration cannot relax it in place): a
            // timed-out execution is `failed` here, and `timed_out` in its stored report.
            ExecutionStatus::TimedOut => "failed",
        };
        self.conn.execute(
            "UPDATE startup_execution SET completed_at = ?2, status = ?3, actions = ?4, error = ?5, report = ?6
             WHERE id = ?1",
            params![
                report.id,
                report.started_at_ms + report.total_ms,
                status,
                to_json(actions)?,
                report.error,
                to_json(report)?
            ],
        )?;
        Ok(())
    }

    /// Ties a run to the execution that spawned it.
    pub fn set_run_execution(&self, run_id: i64, execution_id: i64) -> Result<(), CoreError> {
        self.conn.execute("UPDATE service_run SET execution_id = ?2 WHERE id = ?1", params![run_id, execution_id])?;
        Ok(())
    }

    /// Reports of the most recent finished executions that included `service`, newest first.
    pub fn recent_reports(&self, service: &str, limit: usize) -> Result<Vec<ExecutionReport>, CoreError> {
        let mut stmt = self.conn.prepare(
            "SELECT e.report FROM startup_execution e
             WHERE e.report IS NOT NULL
               AND EXISTS (SELECT 1 FROM json_each(e.report, '$.services') j
                           WHERE json_extract(j.value, '$.name') = ?1)
             ORDER BY e.id DESC LIMIT ?2",
        )?;
        let rows =
            stmt.query_map(params![service, i64::try_from(limit).unwrap_or(i64::MAX)], |r| r.get::<_, String>(0))?;
        let mut out = Vec::new();
        for row in rows {
            let report = serde_json::from_str(&row?)
                .map_err(|e| CoreError::InvalidArgument(format!("stored execution report: {e}")))?;
            out.push(report);
        }
        Ok(out)
    }

    /// Each service's mean spawn-to-ready time over its last few ready runs.
    pub fn recent_durations(&self) -> Result<HashMap<String, Duration>, CoreError> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT name, avg(ready_at - spawned_at) FROM (
                 SELECT s.name, r.ready_at, r.spawned_at,
                        row_number() OVER (PARTITION BY r.service_id ORDER BY r.id DESC) AS n
                 FROM service_run r JOIN service s ON s.id = r.service_id
                 WHERE r.ready_at IS NOT NULL)
             WHERE n <= ?1 GROUP BY name",
        )?;
        let rows = stmt.query_map([DURATION_SAMPLES], |r| Ok((r.get::<_, String>(0)?, r.get::<_, f64>(1)?)))?;
        let mut out = HashMap::new();
        for row in rows {
            let (name, ms) = row?;
            out.insert(name, Duration::from_secs_f64(ms.max(0.0) / 1000.0));
        }
        Ok(out)
    }
}

fn to_json<T: serde::Serialize + ?Sized>(value: &T) -> Result<String, CoreError> {
    serde_json::to_string(value).map_err(|e| CoreError::InvalidArgument(format!("encoding for storage: {e}")))
}

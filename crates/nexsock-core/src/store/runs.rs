//! Service run rows: one per spawned process, with what reconciliation after a crash needs.

use rusqlite::params;

use super::Store;
use crate::error::CoreError;

/// A run whose process may still be alive, as the database remembers it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpenRun {
    /// Row id.
    pub run_id: i64,
    /// The service's name.
    pub service: String,
    /// Leader pid.
    pub pid: i32,
    /// Process group id.
    pub pgid: i32,
    /// Kernel start time of the leader.
    pub proc_start: Option<u64>,
    /// Marker in the run's environment.
    pub token: String,
    /// The service's stop grace, in seconds.
    pub stop_grace_secs: u64,
    /// Unix ms when it was spawned.
    pub spawned_at: u64,
}

/// How a run ended.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct RunEnd {
    /// Unix ms.
    pub at_ms: u64,
    /// Exit code.
    pub code: Option<i32>,
    /// Terminating signal.
    pub signal: Option<i32>,
    /// Why, in words.
    pub reason: Option<String>,
}

/// A run the engine spawned in its current turn, recorded with the others of that turn in one
/// transaction before the engine waits for anything else.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewRun {
    /// Row id, assigned by the engine (it is the only writer of runs).
    pub id: i64,
    /// The service's row id.
    pub service_id: i64,
    /// Leader pid (also the group id).
    pub pid: u32,
    /// Kernel start time of the leader.
    pub proc_start: Option<u64>,
    /// Marker in the run's environment.
    pub token: String,
    /// Unix ms.
    pub spawned_at: u64,
    /// Unix ms, when it became ready in the same turn (no health check).
    pub ready_at: Option<u64>,
    /// The chain start that spawned it.
    pub execution_id: Option<i64>,
}

impl Store {
    /// The highest run id so far (0 without runs): the engine numbers new runs after it.
    pub fn max_run_id(&self) -> Result<i64, CoreError> {
        Ok(self.conn.query_row("SELECT coalesce(max(id), 0) FROM service_run", [], |r| r.get(0))?)
    }

    /// Records the runs of one engine turn in one transaction.
    pub fn insert_runs(&self, runs: &[NewRun]) -> Result<(), CoreError> {
        let tx = self.conn.unchecked_transaction()?;
        {
            let mut insert = tx.prepare_cached(
                "INSERT INTO service_run (id, service_id, pid, pgid, proc_start, token, spawned_at, ready_at, execution_id)
                 VALUES (?1, ?2, ?3, ?3, ?4, ?5, ?6, ?7, ?8)",
            )?;
            for r in runs {
                insert.execute(params![
                    r.id,
                    r.service_id,
                    r.pid,
                    r.proc_start,
                    r.token,
                    r.spawned_at,
                    r.ready_at,
                    r.execution_id
                ])?;
            }
        }
        tx.commit()?;
        Ok(())
    }

    /// Records a freshly spawned process and returns the run's id.
    #[allow(clippy::too_many_arguments)]
    pub fn insert_run(
        &self,
        service_id: i64,
        pid: u32,
        pgid: u32,
        proc_start: Option<u64>,
        token: &str,
        spawned_at: u64,
    ) -> Result<i64, CoreError> {
        self.conn.execute(
            "INSERT INTO service_run (service_id, pid, pgid, proc_start, token, spawned_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![service_id, pid, pgid, proc_start, token, spawned_at],
        )?;
        Ok(self.conn.last_insert_rowid())
    }

    /// Records the moment a run became ready.
    pub fn mark_run_ready(&self, run_id: i64, at_ms: u64) -> Result<(), CoreError> {
        self.conn.execute("UPDATE service_run SET ready_at = ?2 WHERE id = ?1", params![run_id, at_ms])?;
        Ok(())
    }

    /// Records how a run ended.
    pub fn finish_run(&self, run_id: i64, end: &RunEnd) -> Result<(), CoreError> {
        self.conn.execute(
            "UPDATE service_run SET exited_at = ?2, exit_code = ?3, exit_signal = ?4, reason = ?5
             WHERE id = ?1 AND exited_at IS NULL",
            params![run_id, end.at_ms, end.code, end.signal, end.reason],
        )?;
        Ok(())
    }

    /// The service of the run marked `token` (a process that carries it outlived its run).
    pub fn service_of_run_token(&self, token: &str) -> Result<Option<String>, CoreError> {
        use rusqlite::OptionalExtension;
        Ok(self
            .conn
            .query_row(
                "SELECT s.name FROM service_run r JOIN service s ON s.id = r.service_id WHERE r.token = ?1",
                params![token],
                |r| r.get(0),
            )
            .optional()?)
    }

    /// Runs that never recorded an exit: their processes may have outlived a crashed host.
    pub fn open_runs(&self) -> Result<Vec<OpenRun>, CoreError> {
        let mut stmt = self.conn.prepare(
            "SELECT r.id, s.name, r.pid, r.pgid, r.proc_start, r.token, s.stop_grace_secs, r.spawned_at
             FROM service_run r JOIN service s ON s.id = r.service_id
             WHERE r.exited_at IS NULL",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok(OpenRun {
                run_id: r.get(0)?,
                service: r.get(1)?,
                pid: r.get(2)?,
                pgid: r.get(3)?,
                proc_start: r.get(4)?,
                token: r.get(5)?,
                stop_grace_secs: r.get(6)?,
                spawned_at: r.get(7)?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }
}

//! Reconciliation at host start: runs that the database still thinks are alive belong to a host
//! that died without stopping them. Their processes — recognised by the leader's start time or by
//! the run's marker in their environment, never by pid alone — are stopped, and every such run
//! is closed with what happened.

use std::time::Duration;

use nix::sys::signal::Signal;

use crate::{
    error::CoreError,
    procinfo,
    store::{OpenRun, RunEnd, Store},
    supervisor::stop_group,
    time::now_ms,
};

/// What reconciliation did, for the host's log.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Reconciled {
    /// Runs whose leftover processes were stopped.
    pub stopped: Vec<String>,
    /// Runs whose processes were already gone.
    pub gone: Vec<String>,
}

/// Stops every leftover process of unfinished runs and closes those runs in the store. The
/// leftovers are stopped together, each with its own grace, so stubborn ones cost the slowest
/// grace, not the sum of them.
pub async fn reconcile(store: &Store) -> Result<Reconciled, CoreError> {
    let mut report = Reconciled::default();
    let mut stopping = tokio::task::JoinSet::new();
    for run in store.open_runs()? {
        let members = procinfo::run_members(run.pgid, run.proc_start, &run.token);
        if members.is_empty() {
            report.gone.push(run.service.clone());
            close(store, &run, "lost: the host stopped while it ran")?;
        } else {
            stopping.spawn(async move {
                stop_leftovers(&run, &members).await;
                run
            });
        }
    }
    while let Some(stopped) = stopping.join_next().await {
        let run =
            stopped.map_err(|e| CoreError::io("stopping a previous host's leftovers", std::io::Error::other(e)))?;
        report.stopped.push(run.service.clone());
        close(store, &run, "orphaned by a host that died; stopped by the next host")?;
    }
    Ok(report)
}

fn close(store: &Store, run: &OpenRun, reason: &str) -> Result<(), CoreError> {
    store.finish_run(run.run_id, &RunEnd { at_ms: now_ms(), code: None, signal: None, reason: Some(reason.to_owned()) })
}

/// SIGTERM to the group (or to the marked members when the leader is gone), the service's grace,
/// then SIGKILL.
async fn stop_leftovers(run: &OpenRun, members: &[i32]) {
    tracing::warn!(service = %run.service, pgid = run.pgid, ?members, "stopping processes left by a previous host");
    let grace = Duration::from_secs(run.stop_grace_secs);
    stop_group(run.pgid, grace, |signal| match signal {
        Signal::SIGTERM => procinfo::signal_members(run.pgid, members, signal),
        // Only what is still provably ours gets the kill.
        _ => procinfo::signal_members(run.pgid, &procinfo::run_members(run.pgid, run.proc_start, &run.token), signal),
    })
    .await;
}

//! Reconciliation at host start: runs that the database still thinks are alive belong to a host
//! that died without stopping them. Their processes — recognised by the leader's start time or by
//! the run's marker in their environment, never by pid alone — are found before the host serves
//! (a scan, milliseconds), and stopped afterwards in the background, together, each with its own
//! grace, while the engine shows their services as `stopping` (see the engine's leftovers).

use std::time::Duration;

use nix::sys::signal::Signal;

use crate::{
    error::CoreError,
    procinfo,
    store::{OpenRun, RunEnd, Store},
    supervisor::stop_group,
    time::now_ms,
};

/// A run of a previous host whose processes are still alive.
#[derive(Debug, Clone)]
pub struct Leftover {
    /// The run as the database remembers it.
    pub run: OpenRun,
    /// Its processes that are provably ours.
    pub members: Vec<i32>,
}

/// What a previous host left: runs with live processes, and services whose runs were open but
/// whose processes were already gone (those runs are closed here).
#[derive(Debug, Default)]
pub struct Found {
    /// Runs to stop.
    pub leftovers: Vec<Leftover>,
    /// Services of runs whose processes were gone.
    pub gone: Vec<String>,
}

/// The reason recorded on a run whose processes the next host stopped.
pub const STOPPED: &str = "orphaned by a host that died; stopped by the next host";

/// Finds what a previous host left running; closes the runs whose processes are gone.
pub fn find(store: &Store) -> Result<Found, CoreError> {
    let mut found = Found::default();
    for run in store.open_runs()? {
        let members = procinfo::run_members(run.pgid, run.proc_start, &run.token);
        if members.is_empty() {
            store.finish_run(
                run.run_id,
                &RunEnd {
                    at_ms: now_ms(),
                    code: None,
                    signal: None,
                    reason: Some("lost: the host stopped while it ran".into()),
                },
            )?;
            found.gone.push(run.service);
        } else {
            found.leftovers.push(Leftover { run, members });
        }
    }
    Ok(found)
}

/// SIGTERM to the group (or to the marked members when the leader is gone), the service's grace,
/// then SIGKILL. An error names what survived even that.
pub async fn stop(leftover: &Leftover) -> Result<(), String> {
    let Leftover { run, members } = leftover;
    tracing::warn!(service = %run.service, pgid = run.pgid, ?members, "stopping processes left by a previous host");
    let grace = Duration::from_secs(run.stop_grace_secs);
    let still_ours = || procinfo::run_members(run.pgid, run.proc_start, &run.token);
    stop_group(run.pgid, grace, |signal| match signal {
        Signal::SIGTERM => procinfo::signal_members(run.pgid, members, signal),
        // Only what is still provably ours gets the kill.
        _ => procinfo::signal_members(run.pgid, &still_ours(), signal),
    })
    .await;
    match still_ours() {
        survivors if survivors.is_empty() => Ok(()),
        survivors => Err(format!("processes {survivors:?} outlived SIGKILL")),
    }
}
